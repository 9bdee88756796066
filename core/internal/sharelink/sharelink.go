// Package sharelink makes and checks the download links Basalt signs itself, for stores that
// cannot presign URLs (local files): an HMAC-SHA256 over what the link allows, with an
// expiry. The link carries who made it, so the download acts with that user's rights.
package sharelink

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Link is what a link allows: reading one object of one region, until it expires.
type Link struct {
	Region  string    `json:"r"`
	Bucket  string    `json:"b"`
	Key     string    `json:"k"`
	User    string    `json:"u"`
	Groups  []string  `json:"g,omitempty"`
	Expires time.Time `json:"e"`
}

// Signer signs and verifies links with one key.
type Signer struct {
	key []byte
	now func() time.Time
}

// New returns a signer; every replica serving the same links needs the same key.
func New(key []byte) *Signer { return &Signer{key: key, now: time.Now} }

func (s *Signer) mac(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Sign returns the link's token.
func (s *Signer) Sign(l Link) (string, error) {
	raw, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + s.mac(payload), nil
}

// Errors of Verify. Both mean the link does not work; callers answer the same to both.
var (
	ErrInvalid = errors.New("invalid link")
	ErrExpired = errors.New("expired link")
)

// Verify checks a token's signature and expiry and returns what it allows.
func (s *Signer) Verify(token string) (Link, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.mac(payload))) {
		return Link{}, ErrInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Link{}, ErrInvalid
	}
	var l Link
	if err := json.Unmarshal(raw, &l); err != nil {
		return Link{}, ErrInvalid
	}
	if !s.now().Before(l.Expires) {
		return Link{}, ErrExpired
	}
	return l, nil
}
