package server

import (
	"bytes"
	"context"
	stdb64 "encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authn"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// oidcServer serves Basalt in oidc mode against the test environment's Hydra, with the
// portal's confidential client; audience "" accepts the portal client's own tokens.
func oidcServer(t *testing.T, env *testenv.Env, audience string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	hydraAdmin(t, env, http.MethodPatch, "/admin/clients/"+env.PortalClientID,
		[]map[string]any{{"op": "add", "path": "/redirect_uris/-", "value": base + "/auth/callback"}}, nil)

	cfg, err := config.Load(config.Sources{Sets: []string{
		"auth.mode=oidc", "server.public_url=" + base,
		"auth.oidc.issuer_url=" + env.OIDCIssuer, "auth.oidc.client_id=" + env.PortalClientID,
		"auth.oidc.client_secret=" + env.PortalClientSecret, "auth.oidc.audience=" + audience,
		"auth.session.key=" + strings.Repeat("k", 40),
	}})
	if err != nil {
		t.Fatal(err)
	}
	log := logscan.Logger(t, "core")
	a, err := authn.New(t.Context(), cfg.Auth, base, log)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := pluginhost.New(nil, log, pluginhost.NewMetrics(nil))
	srv := mustNew(t, Options{Config: cfg, Plugins: host, Log: log, Registry: prometheus.NewRegistry(), Authn: a, Authz: newAuthz(t, cfg)})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return base
}

// hydraAdmin calls Hydra's admin API.
func hydraAdmin(t *testing.T, env *testenv.Env, method, path string, body, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, env.OIDCAdminURL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("hydra %s %s: %s %s", method, path, resp.Status, raw)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
}

// browser is an HTTP client with cookies that stops at every redirect.
func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func follow(t *testing.T, c *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 3 {
		t.Fatalf("GET %s: %s, not a redirect", u, resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func meAs(t *testing.T, c *http.Client, base, bearer string) (int, Me) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var me Me
	_ = json.Unmarshal(body, &me)
	if resp.StatusCode == 401 && (bytes.Contains(body, []byte("eyJ")) || bytes.Contains(body, []byte(bearer+"x"))) {
		// Not the body: it holds the token, which make test's log scan would find.
		t.Fatalf("a refusal must not echo the token (%d bytes of answer hold it)", len(body))
	}
	return resp.StatusCode, me
}

func TestOIDCSignInWithPKCE(t *testing.T) {
	env := testenv.Require(t)
	base := oidcServer(t, env, "")
	ctx := t.Context()
	b := browser()

	if code, _ := meAs(t, b, base, ""); code != 401 {
		t.Fatalf("anonymous: %d, want 401", code)
	}
	// The page it came from keeps its query (the gateway's authorize address has one).
	const from = "/files?project=user-alice&path=a%2Fb+c"
	auth := follow(t, b, base+"/auth/login?return_to="+url.QueryEscape(from))
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" {
		t.Fatalf("the authorization request lacks PKCE, state or nonce: %s", auth)
	}
	login := follow(t, b, auth.String())
	next, err := testenv.AcceptLogin(ctx, env.OIDCAdminURL, login.Query().Get("login_challenge"), "alice")
	if err != nil {
		t.Fatal(err)
	}
	consent := follow(t, b, next)
	if next, err = testenv.AcceptConsent(ctx, env.OIDCAdminURL, consent.Query().Get("consent_challenge")); err != nil {
		t.Fatal(err)
	}
	callback := follow(t, b, next)
	if !strings.HasPrefix(callback.String(), base+"/auth/callback") {
		t.Fatalf("the provider sent the browser to %s", callback)
	}
	landing := follow(t, b, callback.String())
	if landing.String() != base+from {
		t.Fatalf("after sign-in the browser lands on %s, want the page it came from", landing)
	}
	for _, c := range b.Jar.Cookies(mustURL(base)) {
		if strings.Contains(c.Value, "eyJ") {
			t.Fatalf("the session cookie must not hold readable tokens: %s", c.Name)
		}
	}
	code, me := meAs(t, b, base, "")
	if code != 200 || me.Username != "alice" || len(me.Projects) != 2 || me.Projects[1].ID != "project-data-team" {
		t.Fatalf("me after sign-in: %d %+v", code, me)
	}

	// A replayed callback (state already used) is refused.
	resp, err := b.Get(callback.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("a replayed callback: %d, want 400", resp.StatusCode)
	}

	if resp, err := b.Post(base+"/auth/logout", "", nil); err != nil || resp.Body.Close() != nil || resp.StatusCode != 200 {
		t.Fatalf("logout: %v %v", resp, err)
	}
	if code, _ := meAs(t, b, base, ""); code != 401 {
		t.Fatalf("after logout: %d, want 401", code)
	}
}

func TestOIDCBearerTokens(t *testing.T) {
	env := testenv.Require(t)
	base := oidcServer(t, env, "")
	ctx := t.Context()
	c := &http.Client{Timeout: 30 * time.Second}

	tok, err := env.Login(ctx, testenv.LoginRequest{User: "carol", ClientID: env.PortalClientID,
		ClientSecret: env.PortalClientSecret, RedirectURL: env.PortalRedirectURLs[0]})
	if err != nil {
		t.Fatal(err)
	}
	code, me := meAs(t, c, base, tok.IDToken)
	if code != 200 || me.Username != "carol" || len(me.Roles) != 1 || me.Roles[0] != "admin" {
		t.Fatalf("bearer: %d %+v", code, me)
	}

	parts := strings.Split(tok.IDToken, ".")
	sig := []byte(parts[2])
	sig[5] ^= 1
	tampered := parts[0] + "." + parts[1] + "." + string(sig)
	if code, _ := meAs(t, c, base, tampered); code != 401 {
		t.Errorf("tampered token: %d, want 401", code)
	}

	other, err := env.IDToken(ctx, "carol") // issued for the services client: another audience
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := meAs(t, c, base, other); code != 401 {
		t.Errorf("wrong audience: %d, want 401", code)
	}

	// A token of another issuer: same shape, but signed by a key the provider never had.
	foreign := parts[0] + "." + b64(fmt.Sprintf(`{"iss":"http://127.0.0.1:1/","aud":[%q],"sub":"carol","exp":%d}`, env.PortalClientID, time.Now().Add(time.Hour).Unix())) + "." + parts[2]
	if code, _ := meAs(t, c, base, foreign); code != 401 {
		t.Errorf("wrong issuer: %d, want 401", code)
	}

	// An expired token: a client whose ID tokens live one second.
	id := fmt.Sprintf("expiry-%d", time.Now().UnixNano())
	hydraAdmin(t, env, http.MethodPost, "/admin/clients", map[string]any{
		"client_id": id, "client_secret": "expiry-secret-0123456789", "redirect_uris": []string{"http://127.0.0.1/expiry"},
		"grant_types": []string{"authorization_code"}, "response_types": []string{"code"}, "scope": "openid profile email",
		"authorization_code_grant_id_token_lifespan": "1s", "token_endpoint_auth_method": "client_secret_basic",
	}, nil)
	short, err := env.Login(ctx, testenv.LoginRequest{User: "alice", ClientID: id, ClientSecret: "expiry-secret-0123456789",
		RedirectURL: "http://127.0.0.1/expiry", Scopes: []string{"openid", "profile", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	expiring := oidcServer(t, env, id)
	time.Sleep(2500 * time.Millisecond)
	if code, _ := meAs(t, c, expiring, short.IDToken); code != 401 {
		t.Errorf("expired token: %d, want 401", code)
	}
	if code, _ := meAs(t, c, base, "not-a-jwt"); code != 401 {
		t.Errorf("garbage: %d, want 401", code)
	}
}

func b64(s string) string {
	return strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(
		base64Std(s)), "=")
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func base64Std(s string) string { return stdb64.StdEncoding.EncodeToString([]byte(s)) }
