package presign

// MAC signs an arbitrary payload, as only a holder of the key can: tests use it to check that
// a well-signed token with a bad payload is still refused.
func MAC(key []byte, payload string) string { return mac(key, payload) }
