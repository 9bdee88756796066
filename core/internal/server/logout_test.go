package server

import (
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// withoutPlugins drops the embedded default's plugins: sessions need none.
func withoutPlugins(cfg *config.Config) {
	cfg.Plugins = nil
	for i := range cfg.Regions {
		r := &cfg.Regions[i]
		r.Storage, r.Secrets, r.Region = "", "", ""
	}
}

// signIn goes through the portal's sign-in at base as user, with the test environment's
// provider, and returns the browser holding the session.
func signIn(t *testing.T, env *testenv.Env, base, user string) *http.Client {
	t.Helper()
	ctx := t.Context()
	hydraAdmin(t, env, http.MethodPatch, "/admin/clients/"+env.PortalClientID,
		[]map[string]any{{"op": "add", "path": "/redirect_uris/-", "value": base + "/auth/callback"}}, nil)
	b := browser()
	auth := follow(t, b, base+"/auth/login")
	login := follow(t, b, auth.String())
	next, err := testenv.AcceptLogin(ctx, env.OIDCAdminURL, login.Query().Get("login_challenge"), user)
	if err != nil {
		t.Fatal(err)
	}
	consent := follow(t, b, next)
	if next, err = testenv.AcceptConsent(ctx, env.OIDCAdminURL, consent.Query().Get("consent_challenge")); err != nil {
		t.Fatal(err)
	}
	follow(t, b, follow(t, b, next).String())
	if code, me := meAs(t, b, base, ""); code != 200 || me.Username != user {
		t.Fatalf("after sign-in: %d %+v", code, me)
	}
	return b
}

// replica serves a second Basalt in oidc mode with cfg's session key, as another replica
// behind the same ingress, and returns its base URL.
func replica(t *testing.T, env *testenv.Env, sets ...string) string {
	t.Helper()
	cfg, ln, base := oidcConfig(t, env, sets...)
	withoutPlugins(cfg)
	serveOIDC(t, cfg, ln, base, logscan.Logger(t, "core-replica"))
	return base
}

// captured is a client holding a copy of b's cookies for base, as a thief would.
func captured(t *testing.T, b *http.Client, base string, others ...string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cookies := b.Jar.Cookies(mustURL(base))
	if len(cookies) == 0 {
		t.Fatal("no session cookie to capture")
	}
	for _, u := range append([]string{base}, others...) {
		jar.SetCookies(mustURL(u), cookies)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// TestLogoutRevokesTheSession: signing out is a POST (a GET is 405, so a link or an image
// of another site cannot sign a user out), and a copy of the session cookie taken before
// it no longer works: at once on the replica that signed out, and on another replica sharing
// the session key once it has checked the session with the provider.
func TestLogoutRevokesTheSession(t *testing.T) {
	env := testenv.Require(t)
	sets := []string{"auth.session.check_interval=1s"}
	cfg, ln, base := oidcConfig(t, env, sets...)
	withoutPlugins(cfg)
	serveOIDC(t, cfg, ln, base, logscan.Logger(t, "core"))
	// The second replica's cookies are the same host's: a browser sends them to either.
	other := replica(t, env, sets...)

	b := signIn(t, env, base, "alice")
	thief := captured(t, b, base, other)
	if code, _ := meAs(t, thief, base, ""); code != 200 {
		t.Fatalf("the captured cookie before sign-out: %d, want 200", code)
	}
	if code, _ := meAs(t, thief, other, ""); code != 200 {
		t.Fatalf("the captured cookie on the other replica before sign-out: %d, want 200", code)
	}

	resp, err := b.Get(base + "/auth/logout")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /auth/logout: %d, want 405", resp.StatusCode)
	}
	if code, _ := meAs(t, b, base, ""); code != 200 {
		t.Fatalf("after a GET of the logout URL: %d, want still signed in", code)
	}

	resp, err = b.Post(base+"/auth/logout", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode/100 != 3 {
		t.Fatalf("POST /auth/logout: %d", resp.StatusCode)
	}
	if code, _ := meAs(t, b, base, ""); code != 401 {
		t.Errorf("the browser after sign-out: %d, want 401", code)
	}
	if code, _ := meAs(t, thief, base, ""); code != 401 {
		t.Errorf("the captured cookie after sign-out, same replica: %d, want 401", code)
	}
	time.Sleep(1500 * time.Millisecond) // past check_interval
	if code, _ := meAs(t, thief, other, ""); code != 401 {
		t.Errorf("the captured cookie after sign-out, other replica: %d, want 401", code)
	}
}

// TestSessionsOfOthersOutliveALogout: a user's sign-out ends that session only.
func TestSessionsOfOthersOutliveALogout(t *testing.T) {
	env := testenv.Require(t)
	cfg, ln, base := oidcConfig(t, env, "auth.session.check_interval=1s")
	withoutPlugins(cfg)
	serveOIDC(t, cfg, ln, base, logscan.Logger(t, "core"))
	alice := signIn(t, env, base, "alice")
	bob := signIn(t, env, base, "bob")
	aliceAgain := signIn(t, env, base, "alice") // another browser of alice's
	resp, err := alice.Post(base+"/auth/logout", "", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	time.Sleep(1500 * time.Millisecond)
	for name, c := range map[string]*http.Client{"bob": bob, "alice's other browser": aliceAgain} {
		if code, _ := meAs(t, c, base, ""); code != 200 {
			t.Errorf("%s after alice signed out: %d, want 200", name, code)
		}
	}
}
