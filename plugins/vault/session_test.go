package vault

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// onAClock configures a store on the test environment's Vault whose session cache reads the
// time from clock, and returns it with its settings and alice, signed in.
func onAClock(t *testing.T, clock *time.Time) (*Store, *settings, sdk.Caller) {
	t.Helper()
	env := testenv.Require(t)
	idToken, err := env.IDToken(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	s := New(nil)
	raw, _ := json.Marshal(map[string]any{"address": env.VaultAddr, "kvMount": env.VaultKVMount, "jwtMount": env.VaultJWTMount, "jwtRole": env.VaultJWTRole})
	if _, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatal(err)
	}
	set, _ := s.Live()
	s.sessions.now = func() time.Time { return *clock }
	return s, set, sdk.Caller{Subject: "alice", Username: "alice", Groups: []string{"data-team"}, IDToken: idToken}
}

// TestSessionLifecycle drives the token cache with a clock of its own against the test
// environment's Vault: a fresh token is reused, one near its expiry is renewed (same token,
// later expiry), an expired one is replaced by a new login.
func TestSessionLifecycle(t *testing.T) {
	ctx := t.Context()
	clock := time.Now()
	s, set, alice := onAClock(t, &clock)

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

// TestOwnTokenIsTheSession: the user's own token handed to services is the session's while
// it has half its lifetime left, so that forms and plans do not each log in. A session
// replaced before anyone was handed it is revoked at once; one a service holds is kept.
func TestOwnTokenIsTheSession(t *testing.T) {
	ctx := t.Context()
	clock := time.Now()
	s, set, alice := onAClock(t, &clock)
	alive := func(token string) bool {
		_, err := set.client.WithRequestCallbacks(withToken(token)).Logical().ReadWithContext(ctx, "auth/token/lookup-self")
		return err == nil
	}

	first, _, err := s.session(ctx, set, alice)
	if err != nil {
		t.Fatal(err)
	}
	own, err := s.Token(ctx, sdk.SecretsTokenRequest{Caller: alice})
	if err != nil || own.Token != first.token {
		t.Fatalf("own token while the session is fresh: same token %v, %v; want the session's", own.Token == first.token, err)
	}

	// Past half its life, a token Vault no longer renews (at its max TTL) gives way to a new
	// login; the old one was handed out, so it stays valid for the service holding it.
	first.renewable = false
	clock = first.expires.Add(-first.ttl/2 + time.Second)
	second, err := s.Token(ctx, sdk.SecretsTokenRequest{Caller: alice})
	if err != nil || second.Token == first.token {
		t.Fatalf("own token past half the session's life: a new one %v, %v; want a new login", second.Token != first.token, err)
	}
	if !alive(first.token) {
		t.Error("the token handed out before was revoked")
	}

	// The plugin's own session is replaced before anyone was handed it: revoked.
	se, _ := s.sessions.get(sessionKey(alice))
	if se.token != second.Token {
		t.Fatal("the new login is not the session")
	}
	fresh, err := s.login(ctx, set, alice)
	if err != nil {
		t.Fatal(err)
	}
	fresh.renewable = false
	s.sessions.put(sessionKey(alice), fresh)
	clock = fresh.refreshAt().Add(time.Second)
	third, _, err := s.session(ctx, set, alice)
	if err != nil || third.token == fresh.token {
		t.Fatalf("session past its refresh: a new one %v, %v", third.token != fresh.token, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(fresh.token) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if alive(fresh.token) {
		t.Error("a token the plugin replaced before handing it out is still valid")
	}
	if !alive(second.Token) || !alive(third.token) {
		t.Error("a token in use was revoked")
	}
}
