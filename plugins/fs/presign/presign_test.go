package presign_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/plugins/fs/presign"
)

var key = []byte("0123456789abcdef0123456789abcdef")

func TestRoundTrip(t *testing.T) {
	now := time.Now()
	g := presign.Grant{Bucket: "user-alice", Key: "a/b.txt", Method: "GET", User: "alice", Expires: now.Add(time.Minute).Truncate(time.Second)}
	token, err := presign.Sign(key, g)
	if err != nil {
		t.Fatal(err)
	}
	got, err := presign.Verify(key, token, now)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !got.Expires.Equal(g.Expires) || got.Bucket != g.Bucket || got.Key != g.Key || got.Method != g.Method || got.User != g.User {
		t.Errorf("Verify: got %+v, want %+v", got, g)
	}
}

func TestRefused(t *testing.T) {
	now := time.Now()
	token, err := presign.Sign(key, presign.Grant{Bucket: "user-alice", Key: "k", Method: "GET", User: "alice", Expires: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := presign.Sign(key, presign.Grant{Bucket: "user-bob", Key: "k", Method: "GET", User: "bob", Expires: now.Add(time.Minute)})
	payload, sig, _ := strings.Cut(strings.TrimPrefix(token, "fs1."), ".")
	_, otherSig, _ := strings.Cut(strings.TrimPrefix(other, "fs1."), ".")
	for name, tc := range map[string]struct {
		key   []byte
		token string
		now   time.Time
		want  error
	}{
		"expired":           {key, token, now.Add(time.Minute), presign.ErrExpired},
		"wrong key":         {[]byte("another key, just as long as it"), token, now, presign.ErrInvalid},
		"swapped payload":   {key, "fs1." + payload + "." + otherSig, now, presign.ErrInvalid},
		"altered mac":       {key, "fs1." + payload + "." + flip(sig), now, presign.ErrInvalid},
		"no signature":      {key, "fs1." + payload, now, presign.ErrInvalid},
		"other format":      {key, payload + "." + sig, now, presign.ErrInvalid},
		"empty":             {key, "", now, presign.ErrInvalid},
		"forged unsigned":   {key, "fs1.e30.", now, presign.ErrInvalid},
		"signed, no object": {key, forge("fs1.e30"), now, presign.ErrInvalid},
		"signed, not JSON":  {key, forge("fs1.bm90LWpzb24"), now, presign.ErrInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := presign.Verify(tc.key, tc.token, tc.now); !errors.Is(err, tc.want) {
				t.Errorf("Verify: got %v, want %v", err, tc.want)
			}
		})
	}
}

// forge signs an arbitrary payload with the right key.
func forge(payload string) string { return payload + "." + presign.MAC(key, payload) }

// flip changes the last character of s.
func flip(s string) string {
	last := s[len(s)-1]
	if last == 'A' {
		return s[:len(s)-1] + "B"
	}
	return s[:len(s)-1] + "A"
}
