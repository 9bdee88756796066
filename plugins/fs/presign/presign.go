// Package presign makes and checks the tokens of the local-files store's presigned URLs:
// an HMAC-SHA256 over what the URL allows (one method on one object, on behalf of one
// user, until it expires). The plugin signs; whoever serves the URLs (Basalt's core, at
// /api/v1/presigned/<token>) verifies with the same key. It depends on the standard library
// only, so that the core can import it without the plugin.
package presign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Path is where presigned URLs live under Basalt's public address: the URL is
// <public URL>/api/v1/presigned/<token>.
const Path = "/api/v1/presigned/"

// version tells this format from any other signed with the same route: a token starts with
// it, so that a verifier can tell at once whether a token is one of these.
const version = "fs1"

// Grant is what a token allows.
type Grant struct {
	Bucket string `json:"b"`
	Key    string `json:"k"`
	Method string `json:"m"` // GET or PUT
	// User is who signed the URL, and Group the group owning the bucket when it is a
	// project's: the server acts with their rights, and the store checks them again.
	User    string    `json:"u"`
	Group   string    `json:"g,omitempty"`
	Expires time.Time `json:"e"`
	// Disposition is the Content-Disposition a GET answers with; empty: the server's
	// choice (an attachment under the object's name).
	Disposition string `json:"d,omitempty"`
}

// Errors of Verify. Both mean the URL does not work; a server answers the same to both so
// that a guessed token learns nothing.
var (
	ErrInvalid = errors.New("presign: invalid token")
	ErrExpired = errors.New("presign: expired token")
)

// Sign returns the token of a grant.
func Sign(key []byte, g Grant) (string, error) {
	raw, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	payload := version + "." + base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + mac(key, payload), nil
}

// Verify checks a token's signature and expiry at now and returns what it allows.
func Verify(key []byte, token string, now time.Time) (Grant, error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 || !strings.HasPrefix(token, version+".") {
		return Grant{}, ErrInvalid
	}
	payload, sig := token[:i], token[i+1:]
	if !hmac.Equal([]byte(sig), []byte(mac(key, payload))) {
		return Grant{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(payload, version+"."))
	if err != nil {
		return Grant{}, ErrInvalid
	}
	var g Grant
	if err := json.Unmarshal(raw, &g); err != nil || g.Bucket == "" || g.Key == "" {
		return Grant{}, ErrInvalid
	}
	if !now.Before(g.Expires) {
		return Grant{}, ErrExpired
	}
	return g, nil
}

func mac(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
