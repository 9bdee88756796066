package isolation

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authn"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/core/internal/server"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// impostors sign in with names that differ from alice's and her group's only in case or
// punctuation. The identity provider vouches for each: they are other people, and must reach
// nothing of alice's nor of data-team's.
var impostors = []struct{ name, group string }{
	{"Alice", "data.team"},
	{"alice_", "Data_Team"},
	{"alice.", "/data/team"},
}

func TestCollidingNames(t *testing.T) {
	env := testenv.Require(t)
	ctx := t.Context()
	ln, base, id, secret := hourClient(t, env)
	tokens := map[string]string{"alice": login(t, env, id, secret, "alice")}
	for _, imp := range impostors {
		tokens[imp.name] = loginAs(t, env, id, secret, imp.name, imp.group)
	}

	_, region, _ := startCore(t, env, ln, id, secret)
	call := func(token, method, path string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, string(raw)
	}
	// alice's services: one in her project, one in her group's.
	archive, _ := memory.PackageChart(memory.Chart{Name: "jupyter", Version: "1.0.0", Values: "global:\n  suspend: false\n"})
	alice := sdk.Caller{Username: "alice", Groups: []string{"data-team"}}
	for _, p := range []sdk.Project{{ID: "user-alice"}, {ID: "project-data-team", Group: "data-team"}} {
		if _, err := region.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: p}); err != nil {
			t.Fatal(err)
		}
		if _, err := region.Install(ctx, sdk.InstallRequest{Caller: alice, Project: p, ReleaseName: "alices", Archive: bytes.NewReader(archive),
			Values: []byte(`{"global":{"suspend":false}}`), Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: "alice", Shared: true}}); err != nil {
			t.Fatal(err)
		}
	}

	projectsOf := func(user string) []string {
		code, body := call(tokens[user], http.MethodGet, "/api/v1/me")
		var me struct{ Projects []struct{ ID string } }
		if code != 200 || json.Unmarshal([]byte(body), &me) != nil {
			t.Fatalf("GET /api/v1/me as %s: %d %s", user, code, body)
		}
		var ids []string
		for _, p := range me.Projects {
			ids = append(ids, p.ID)
		}
		return ids
	}
	if got := strings.Join(projectsOf("alice"), " "); got != "user-alice project-data-team" {
		t.Fatalf("alice's projects: %s, want user-alice project-data-team", got)
	}
	owner := map[string]string{"user-alice": "alice", "project-data-team": "alice"}
	for _, imp := range impostors {
		ids := projectsOf(imp.name)
		if len(ids) != 2 {
			t.Errorf("%s (group %s) has the projects %v, want a personal and a group one", imp.name, imp.group, ids)
		}
		for _, pid := range ids {
			if other, ok := owner[pid]; ok {
				t.Errorf("%s has the project %s, which is %s's", imp.name, pid, other)
			}
			owner[pid] = imp.name
			// Their own projects work, and hold none of alice's services.
			if code, body := call(tokens[imp.name], http.MethodGet, "/api/v1/projects/"+pid+"/services"); code != 200 || strings.Contains(body, "alices") {
				t.Errorf("GET %s/services as %s: %d, want 200 without alice's: %s", pid, imp.name, code, body)
			}
			if code, body := call(tokens[imp.name], http.MethodGet, "/api/v1/projects/"+pid+"/services/alices"); code != 404 {
				t.Errorf("GET %s/services/alices as %s: %d, want 404: %s", pid, imp.name, code, body)
			}
		}
		for _, path := range []string{"/api/v1/projects/user-alice/services", "/api/v1/projects/project-data-team/services",
			"/api/v1/projects/user-alice/secrets", "/api/v1/projects/project-data-team/files"} {
			if code, body := call(tokens[imp.name], http.MethodGet, path); code != 404 {
				t.Errorf("GET %s as %s: %d, want 404: %s", path, imp.name, code, body)
			}
		}
	}
}

// sessionKey is the cores' cookie key, which the matrix looks for in the logs.
var sessionKey = strings.Repeat("s", 40)

// startCore runs Basalt on ln in oidc mode with the memory plugins as its backends, and
// returns the server, its region plugin and what the core and its plugins log, at debug level.
func startCore(t *testing.T, env *testenv.Env, ln net.Listener, id, secret string) (*server.Server, sdk.Region, *logscan.Buffer) {
	t.Helper()
	ctx := t.Context()
	base := "http://" + ln.Addr().String()
	cfg, err := config.Load(config.Sources{Sets: []string{
		"auth.mode=oidc", "server.public_url=" + base, "auth.oidc.issuer_url=" + env.OIDCIssuer,
		"auth.oidc.client_id=" + id, "auth.oidc.client_secret=" + secret, "auth.session.key=" + sessionKey,
	}})
	if err != nil {
		t.Fatal(err)
	}
	mem := testplugin.Memory(t)
	cfg.Plugins = map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: catalogs},
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}
	cfg.Regions[0].Storage, cfg.Regions[0].Secrets, cfg.Regions[0].Region = "files", "secrets", "k8s"
	log, logs := logscan.Capture(t, "core")
	host, err := pluginhost.New(cfg.Plugins, log, pluginhost.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(host.Close)
	if err := host.Start(ctx); err != nil {
		t.Fatal(err)
	}
	authenticator, err := authn.New(ctx, cfg.Auth, base, log)
	if err != nil {
		t.Fatal(err)
	}
	authorizer, err := authz.New(cfg.Authz, log)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{Config: cfg, Plugins: host, Log: log, Registry: prometheus.NewRegistry(),
		Authn: authenticator, Authz: authorizer})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	region, _ := host.Region("k8s")
	return srv, region, logs
}

// loginAs signs in through Hydra as someone the test environment does not list: the login and
// consent are accepted through Hydra's admin API with the claims an identity provider would
// give that person. It returns the ID token.
func loginAs(t *testing.T, env *testenv.Env, clientID, secret, username, group string) string {
	t.Helper()
	ctx := t.Context()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := func(u string) *url.URL {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("GET %s: %s, not a redirect", req.URL.Path, resp.Status)
		}
		return loc
	}
	accept := func(path string, body any) string {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, env.OIDCAdminURL+path, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		if err := do(req, &out); err != nil {
			t.Fatalf("hydra %s: %v", path, err)
		}
		return out.RedirectTo
	}
	verifier := rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"client_id": {clientID}, "response_type": {"code"}, "scope": {"openid profile email"},
		"redirect_uri": {"http://127.0.0.1/isolation"}, "state": {rand.Text()}, "nonce": {rand.Text()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	loc := next(strings.TrimSuffix(env.OIDCIssuer, "/") + "/oauth2/auth?" + q.Encode())
	loc = next(accept("/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(loc.Query().Get("login_challenge")),
		map[string]any{"subject": "names-" + username}))
	claims := map[string]any{"preferred_username": username, "name": username, "email": "impostor@basalt.test",
		"groups": []string{group}, "roles": []string{}}
	loc = next(accept("/admin/oauth2/auth/requests/consent/accept?consent_challenge="+url.QueryEscape(loc.Query().Get("consent_challenge")),
		map[string]any{"grant_scope": []string{"openid", "profile", "email"}, "session": map[string]any{"id_token": claims}}))
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no authorization code for %s: %s", username, loc)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1/isolation"}, "code_verifier": {verifier}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(env.OIDCIssuer, "/")+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	var tokens struct {
		IDToken string `json:"id_token"`
	}
	if err := do(req, &tokens); err != nil || tokens.IDToken == "" {
		t.Fatalf("token for %s: %v", username, err)
	}
	return tokens.IDToken
}

// do sends req and decodes its 2xx JSON answer into out.
func do(req *http.Request, out any) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, out)
}
