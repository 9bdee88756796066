package basalttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

func TestMain(m *testing.M) {
	if serveBareProxy() {
		return
	}
	os.Exit(Run(m))
}

// TestTwoReplicasServeOneUser runs two basalt processes as two pods behind one Service: same
// configuration, same session key, same storage. A user signs in through replica A; replica B
// knows them from the cookie alone and sees the file they wrote through A; A restarted still
// knows them. A replica with another key does not.
func TestTwoReplicasServeOneUser(t *testing.T) {
	env := testenv.Require(t)
	dir := Build(t, "basalt-plugin-fs")

	addrA, addrB := FreeAddress(t), FreeAddress(t)
	public := "http://" + addrA // the address users reach, here replica A's
	registerRedirect(t, env, public+"/auth/callback")
	files := t.TempDir() // the volume both replicas mount
	args := []string{
		"--set", "auth.mode=oidc", "--set", "server.public_url=" + public,
		"--set", "auth.oidc.issuer_url=" + env.OIDCIssuer, "--set", "auth.oidc.client_id=" + env.PortalClientID,
		"--set", "plugins.catalogs.enabled=false", "--set", "plugins.secrets.enabled=false",
		"--set", "plugins.files.config.root=" + files,
	}
	secrets := []string{"BASALT_AUTH__OIDC__CLIENT_SECRET=" + env.PortalClientSecret}
	sharedKey := append([]string{"BASALT_AUTH__SESSION__KEY=" + strings.Repeat("replica-key-", 4)}, secrets...)
	a := Serve(t, dir, addrA, sharedKey, args...)
	b := Serve(t, dir, addrB, sharedKey, args...)

	browser := signIn(t, env, a.URL, "alice")
	for name, p := range map[string]*Process{"A": a, "B": b} {
		if code, user := me(t, browser, p.URL); code != http.StatusOK || user != "alice" {
			t.Fatalf("replica %s after sign-in through A: %d %q", name, code, user)
		}
	}

	const body = "written through replica A"
	send(t, browser, http.MethodPut, a.URL+"/api/v1/projects/user-alice/files/content?path=user-alice/replicas.txt", body, http.StatusOK, http.StatusCreated, http.StatusNoContent)
	if got := send(t, browser, http.MethodGet, b.URL+"/api/v1/projects/user-alice/files/content?path=user-alice/replicas.txt", "", http.StatusOK); got != body {
		t.Errorf("replica B reads %q", got)
	}
	// Local files have no store of their own to redirect to: redirect=true gets the content,
	// asking the plugin for a link once and then reading through it.
	presigns, reads := b.PluginCalls("files", "Presign"), b.PluginCalls("files", "Read")
	if got := send(t, browser, http.MethodGet, b.URL+"/api/v1/projects/user-alice/files/content?path=user-alice/replicas.txt&redirect=true&download=1", "", http.StatusOK); got != body {
		t.Errorf("a redirected download from local files reads %q", got)
	}
	if p, r := b.PluginCalls("files", "Presign")-presigns, b.PluginCalls("files", "Read")-reads; p != 1 || r != 1 {
		t.Errorf("a redirected download from local files made %d Presign and %d Read calls, want 1 and 1", p, r)
	}

	a.Restart()
	if code, user := me(t, browser, a.URL); code != http.StatusOK || user != "alice" {
		t.Fatalf("replica A after its restart: %d %q", code, user)
	}

	otherKey := append([]string{"BASALT_AUTH__SESSION__KEY=" + strings.Repeat("another-key-", 4)}, secrets...)
	c := Serve(t, dir, FreeAddress(t), otherKey, args...)
	if code, _ := me(t, browser, c.URL); code != http.StatusUnauthorized {
		t.Fatalf("a replica with another session key must not accept the cookie: %d", code)
	}
}

// signIn runs the portal's sign-in through base as a browser does, the test environment's
// Hydra accepting user, and returns the browser holding the session cookie.
func signIn(t *testing.T, env *testenv.Env, base, user string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx := t.Context()
	auth := redirect(t, c, base+"/auth/login?return_to=/")
	login := redirect(t, c, auth.String())
	next, err := testenv.AcceptLogin(ctx, env.OIDCAdminURL, login.Query().Get("login_challenge"), user)
	if err != nil {
		t.Fatal(err)
	}
	consent := redirect(t, c, next)
	if next, err = testenv.AcceptConsent(ctx, env.OIDCAdminURL, consent.Query().Get("consent_challenge")); err != nil {
		t.Fatal(err)
	}
	callback := redirect(t, c, next)
	redirect(t, c, callback.String())
	return c
}

func redirect(t *testing.T, c *http.Client, u string) *url.URL {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("GET %s: %s, not a redirect", u, resp.Status)
	}
	return loc
}

func me(t *testing.T, c *http.Client, base string) (int, string) {
	t.Helper()
	resp, err := c.Get(base + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var who struct {
		Username string `json:"username"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&who)
	return resp.StatusCode, who.Username
}

func send(t testing.TB, c *http.Client, method, u, body string, want ...int) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(body))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	for _, code := range want {
		if resp.StatusCode == code {
			return string(got)
		}
	}
	t.Fatalf("%s %s: %s %s", method, u, resp.Status, got)
	return ""
}

// registerRedirect adds a callback URL to the portal's client at Hydra.
func registerRedirect(t *testing.T, env *testenv.Env, callback string) {
	t.Helper()
	patch, _ := json.Marshal([]map[string]any{{"op": "add", "path": "/redirect_uris/-", "value": callback}})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPatch, env.OIDCAdminURL+"/admin/clients/"+env.PortalClientID, bytes.NewReader(patch))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out, _ := io.ReadAll(resp.Body)
		t.Fatalf("hydra: %s %s", resp.Status, out)
	}
}
