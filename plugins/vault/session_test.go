package vault

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// TestSessionLifecycle drives the token cache with a clock of its own against the test
// environment's Vault: a fresh token is reused, one near its expiry is renewed (same token,
// later expiry), an expired one is replaced by a new login.
func TestSessionLifecycle(t *testing.T) {
	env := testenv.Require(t)
	ctx := t.Context()
	idToken, err := env.IDToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	s := New(nil)
	raw, _ := json.Marshal(map[string]any{"address": env.VaultAddr, "kvMount": env.VaultKVMount, "jwtMount": env.VaultJWTMount, "jwtRole": env.VaultJWTRole})
	if _, err := s.Configure(ctx, sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatal(err)
	}
	set, _ := s.current()
	clock := time.Now()
	s.sessions.now = func() time.Time { return clock }
	alice := sdk.Caller{Subject: "alice", Username: "alice", Groups: []string{"data-team"}, IDToken: idToken}

	first, cached, err := s.session(ctx, set, alice)
	if err != nil || cached || !first.renewable || first.ttl <= 0 {
		t.Fatalf("first session: cached %v, renewable %v, ttl %v, %v; want a new renewable token", cached, first.renewable, first.ttl, err)
	}
	again, cached, err := s.session(ctx, set, alice)
	if err != nil || !cached || again.token != first.token {
		t.Errorf("second session: cached %v, same token %v, %v; want the cached one", cached, again.token == first.token, err)
	}

	clock = first.refreshAt().Add(time.Second)
	renewed, cached, err := s.session(ctx, set, alice)
	if err != nil || cached || renewed.token != first.token || !renewed.expires.After(first.expires) {
		t.Errorf("session near expiry: cached %v, same token %v, expires %v after %v, %v; want the token renewed",
			cached, renewed.token == first.token, renewed.expires, first.expires, err)
	}

	clock = renewed.expires.Add(time.Second)
	fresh, _, err := s.session(ctx, set, alice)
	if err != nil || fresh.token == first.token {
		t.Errorf("session after expiry: same token %v, %v; want a new login", fresh.token == first.token, err)
	}
	if len(s.sessions.m) != 1 {
		t.Errorf("%d sessions cached for one user", len(s.sessions.m))
	}
}
