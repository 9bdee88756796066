package action

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
)

// A launch form, its previews and its launch are separate requests; the service's one-time
// password must be the same in all of them, so that the commands a preview shows install the
// password the form showed and the launch gives. It is therefore made from the release the form
// gave, with a key of the instance's: the session key where there is one (the same on every
// replica), else one drawn at start.

// passwordAlphabet is launch's: no letters or digits read alike (l, 1, 0, o).
const passwordAlphabet = "abcdefghijkmnopqrstuvwxyz23456789"

func passwordKey(sessionKey string) []byte {
	if sessionKey != "" {
		sum := sha256.Sum256([]byte("basalt one-time passwords\x00" + sessionKey))
		return sum[:]
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return key
}

// oneTimePassword is the one-time password of a user's release in a project: 20 characters of
// the alphabet (about 100 bits), which only the key's holder can compute.
func (c *Config) oneTimePassword(user, project, release string) string {
	out := make([]byte, 0, 20)
	for block := byte(0); len(out) < cap(out); block++ {
		mac := hmac.New(sha256.New, c.passwordKey)
		mac.Write([]byte{block})
		mac.Write([]byte(user + "\x00" + project + "\x00" + release))
		for _, b := range mac.Sum(nil) {
			// Bytes above the alphabet's last whole multiple are dropped: every character is as likely.
			if int(b) < 256/len(passwordAlphabet)*len(passwordAlphabet) && len(out) < cap(out) {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}
