package sharelink

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	s := New([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	tok, err := s.Sign(Link{Region: "local", Bucket: "user-alice", Key: "a.csv", User: "alice", Expires: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Verify(tok)
	if err != nil || l.Key != "a.csv" || l.User != "alice" {
		t.Fatalf("verify: %+v %v", l, err)
	}

	payload, sig, _ := strings.Cut(tok, ".")
	forged := strings.Replace(payload, payload[:4], "AAAA", 1) + "." + sig
	if _, err := s.Verify(forged); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a changed payload must be refused: %v", err)
	}
	if _, err := New([]byte("another key, another instance....")).Verify(tok); !errors.Is(err, ErrInvalid) {
		t.Fatalf("another key must refuse: %v", err)
	}
	for _, bad := range []string{"", "x", "a.b", tok + "x"} {
		if _, err := s.Verify(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	now = now.Add(time.Hour)
	if _, err := s.Verify(tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("at its expiry the link must stop working: %v", err)
	}
}
