package gateway

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"
)

// A pass is what Basalt signs to let a browser into a service's host: a ticket (one use, a
// few seconds, carried in a URL from the portal's site) or a session (the host's cookie).
// The two are told apart by their kind, so one never stands for the other.
type pass struct {
	Kind   string   `json:"k"` // "ticket" or "session"
	Host   string   `json:"h"`
	User   string   `json:"u"`
	Groups []string `json:"g,omitempty"`
	Link   string   `json:"l,omitempty"` // the link grant's id the browser presented at the host
	Region string   `json:"r"`
	Path   string   `json:"p,omitempty"`
	Nonce  string   `json:"n,omitempty"`
	// Binding is a ticket's hash of the sign-in cookie of the browser it was issued to.
	Binding string    `json:"b,omitempty"`
	Expires time.Time `json:"e"`
}

const (
	kindTicket  = "ticket"
	kindSession = "session"
)

var errPass = errors.New("invalid or expired pass")

// signer signs passes with a key every replica shares.
type signer struct{ key []byte }

func (s signer) mac(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s signer) seal(p pass) string {
	raw, _ := json.Marshal(p)
	payload := base64.RawURLEncoding.EncodeToString(raw)
	return payload + "." + s.mac(payload)
}

// open checks a pass's signature, kind, host and expiry.
func (s signer) open(token, kind, host string, now time.Time) (pass, error) {
	p, err := s.verify(token, kind, host)
	if err != nil || !now.Before(p.Expires) {
		return pass{}, errPass
	}
	return p, nil
}

// verify checks a pass's signature, kind and host, whatever its expiry.
func (s signer) verify(token, kind, host string) (pass, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 || !hmac.Equal([]byte(sig), []byte(s.mac(payload))) {
		return pass{}, errPass
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return pass{}, errPass
	}
	var p pass
	if json.Unmarshal(raw, &p) != nil || p.Kind != kind || !strings.EqualFold(p.Host, host) || p.User == "" {
		return pass{}, errPass
	}
	return p, nil
}

// linkOf is the link an expired session of the host held: its holder signs in again with it
// rather than lose the service. "" when the session is not one this gateway sealed for the
// host, or held none.
func (s signer) linkOf(token, host string) string {
	p, err := s.verify(token, kindSession, host)
	if err != nil {
		return ""
	}
	return p.Link
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// spent remembers the tickets used, until they expire, so that each signs one browser in.
// It is this replica's memory; on another replica, a replayed ticket is refused for want of
// its browser's sign-in cookie.
type spent struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// use reports whether the nonce was unused, and spends it.
func (s *spent) use(n string, expires, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]time.Time{}
	}
	for k, e := range s.seen {
		if now.After(e) {
			delete(s.seen, k)
		}
	}
	if _, ok := s.seen[n]; ok {
		return false
	}
	s.seen[n] = expires
	return true
}
