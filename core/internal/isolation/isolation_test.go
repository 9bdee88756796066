package isolation

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// The callers of the matrix.
var callers = []string{"anonymous", "expired", "dave", "bob", "carol", "alice"}

// expect gives the status each caller gets; who is absent gets want["*"].
type expect map[string]int

func (e expect) of(caller string) int {
	if s, ok := e[caller]; ok {
		return s
	}
	if caller == "anonymous" || caller == "expired" {
		return 401
	}
	return e["*"]
}

// row is one endpoint of the matrix: how to call it, and what each caller gets.
type row struct {
	method, path string // path with the parameters filled in (alice's resources)
	body         string
	want         expect
}

var catalogs = map[string]any{"catalogs": []any{
	map[string]any{"id": "ide", "status": "PROD", "charts": []any{
		map[string]any{"name": "jupyter", "version": "1.0.0", "icon": chartIcon},
	}},
	// A catalog kept for the members of data-team: the others find none of it.
	map[string]any{"id": "team", "status": "PROD", "restrictions": []any{map[string]any{"key": "groups", "match": "data-team"}}, "charts": []any{
		map[string]any{"name": "notebook", "version": "1.0.0", "icon": chartIcon},
	}},
}}

// chartIcon is the charts' icon, inline: the memory catalog serves it.
const chartIcon = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E"

// client is a Hydra client made for this suite. It first issues one-second ID tokens (for the
// expired caller), then normal ones.
func client(t *testing.T, env *testenv.Env, redirect string) (string, string) {
	t.Helper()
	id, secret := fmt.Sprintf("isolation-%d", time.Now().UnixNano()), "isolation-secret-0123456789"
	admin(t, env, http.MethodPost, "/admin/clients", fmt.Sprintf(`{"client_id":%q,"client_secret":%q,
		"redirect_uris":[%q,"http://127.0.0.1/isolation"],"grant_types":["authorization_code","refresh_token"],
		"response_types":["code"],"scope":"openid profile email offline_access",
		"token_endpoint_auth_method":"client_secret_basic","authorization_code_grant_id_token_lifespan":"1s"}`, id, secret, redirect))
	return id, secret
}

// waitUntilExpired waits until an ID token's exp claim has passed.
func waitUntilExpired(t *testing.T, token string) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp == 0 {
		t.Fatalf("no exp claim: %v", err)
	}
	time.Sleep(time.Until(time.Unix(claims.Exp+1, 0)))
}

// hourClient listens for a core and registers its OIDC client, whose ID tokens last an hour.
func hourClient(t *testing.T, env *testenv.Env) (ln net.Listener, base, id, secret string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base = "http://" + ln.Addr().String()
	id, secret = client(t, env, base+"/auth/callback")
	admin(t, env, http.MethodPut, "/admin/clients/"+id+"/lifespans", `{"authorization_code_grant_id_token_lifespan":"1h"}`)
	return ln, base, id, secret
}

// login signs one of the test environment's users in through Hydra and returns the ID token.
func login(t *testing.T, env *testenv.Env, id, secret, user string) string {
	t.Helper()
	tok, err := env.Login(t.Context(), testenv.LoginRequest{User: user, ClientID: id, ClientSecret: secret,
		RedirectURL: "http://127.0.0.1/isolation", Scopes: []string{"openid", "profile", "email"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok.IDToken
}

func admin(t *testing.T, env *testenv.Env, method, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, env.OIDCAdminURL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("hydra %s %s: %s %s", method, path, resp.Status, raw)
	}
}

func TestIsolationMatrix(t *testing.T) {
	env := testenv.Require(t)
	ctx := t.Context()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	id, secret := client(t, env, base+"/auth/callback")

	tokens := map[string]string{"anonymous": ""}
	tokens["expired"] = login(t, env, id, secret, "alice")
	admin(t, env, http.MethodPut, "/admin/clients/"+id+"/lifespans", `{"authorization_code_grant_id_token_lifespan":"1h"}`)
	for _, u := range []string{"alice", "bob", "carol", "dave"} {
		tokens[u] = login(t, env, id, secret, u)
	}

	// Everything the core and its plugins log, at debug level, is kept and scanned at the end
	// for tokens and secret values (and by make test's scan of every log too).
	srv, region, logs := startCore(t, env, ln, id, secret)

	call := func(caller, method, path, body string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tok := tokens[caller]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, string(raw)
	}
	// The apps domain of the gateway: localhost's subdomains on the core's port.
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	apps := "localhost:" + port

	// The expired caller's token lives a second; on a quiet machine everything above can take
	// less than that.
	waitUntilExpired(t, tokens["expired"])

	// Alice's resources: a file, a secret, a service in her project, and a private service of
	// hers in the group project.
	if code, body := call("alice", http.MethodPut, "/api/v1/projects/user-alice/files/content?path=user-alice/notes.txt", "hello"); code != 201 {
		t.Fatalf("fixture file: %d %s", code, body)
	}
	if code, body := call("alice", http.MethodPut, "/api/v1/projects/user-alice/secrets/secret?path=api", `{"data":{"KEY":"`+secretValue+`"}}`); code != 200 {
		t.Fatalf("fixture secret: %d %s", code, body)
	}
	if code, body := call("alice", http.MethodPost, "/api/v1/me/s3-profiles", profileBody("alice-only")); code != 201 {
		t.Fatalf("fixture S3 profile: %d %s", code, body)
	}
	// Alice's API tokens: one the matrix revokes (its owner only), one for scripts (below).
	makeToken := func(caller, name string, scopes ...string) apiToken {
		t.Helper()
		code, body := call(caller, http.MethodPost, "/api/v1/me/tokens", tokenBody(name, scopes...))
		var made apiToken
		if code != 201 || json.Unmarshal([]byte(body), &made) != nil {
			t.Fatalf("%s making token %s: %d %s", caller, name, code, body)
		}
		return made
	}
	revokedByRow := makeToken("alice", "revoked by the matrix", "read")
	archive, _ := memory.PackageChart(memory.Chart{Name: "jupyter", Version: "1.0.0", Values: "global:\n  suspend: false\n"})
	for _, p := range []sdk.Project{{ID: "user-alice"}, {ID: "project-data-team", Group: "data-team"}} {
		alice := sdk.Caller{Username: "alice", Groups: []string{"data-team"}}
		if _, err := region.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: p}); err != nil {
			t.Fatal(err)
		}
		if _, err := region.Install(ctx, sdk.InstallRequest{Caller: alice, Project: p, ReleaseName: "nb", Archive: bytes.NewReader(archive),
			Values: []byte(`{"global":{"suspend":false},"ingress":{"endpoint":"127.0.0.1:9"}}`), Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: "alice"}}); err != nil {
			t.Fatal(err)
		}
	}
	// And a service of hers she shares with the group: its members see it, only she changes it.
	if _, err := region.Install(ctx, sdk.InstallRequest{Caller: sdk.Caller{Username: "alice", Groups: []string{"data-team"}},
		Project: sdk.Project{ID: "project-data-team", Group: "data-team"}, ReleaseName: "shared", Archive: bytes.NewReader(archive),
		Values: []byte(`{"global":{"suspend":false},"ingress":{"endpoint":"127.0.0.1:9"}}`), Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: "alice", Shared: true}}); err != nil {
		t.Fatal(err)
	}

	own := func(ok int) expect { return expect{"alice": ok, "*": 404} }
	member := expect{"alice": 200, "bob": 200, "*": 404}
	anyone := expect{"*": 200}
	adminOnly := expect{"carol": 200, "*": 403}
	p, g := "/api/v1/projects/user-alice", "/api/v1/projects/project-data-team"
	// The order matters: what deletes comes after what reads.
	rows := []row{
		{"GET", "/api/v1/me", "", anyone},
		{"PUT", "/api/v1/me/settings", `{"gitName":"mine"}`, anyone}, // each caller their own
		{"GET", "/api/v1/me/settings", "", anyone},
		{"PUT", "/api/v1/me/profile", `{"values":{}}`, anyone}, // each caller their own
		{"GET", "/api/v1/me/profile", "", anyone},
		{"POST", "/api/v1/me/bookmarks", `{"path":"user-alice/data/"}`, expect{"*": 201}}, // each caller their own
		{"GET", "/api/v1/me/bookmarks", "", anyone},
		{"POST", "/api/v1/me/query-history", `{"sql":"SELECT 1"}`, expect{"*": 201}}, // each caller their own
		{"GET", "/api/v1/me/query-history", "", anyone},
		{"POST", "/api/v1/me/s3-profiles", profileBody("mine"), expect{"*": 201}},
		{"GET", "/api/v1/me/s3-profiles", "", anyone},
		{"GET", "/api/v1/me/s3-profiles/alice-only/credentials", "", own(200)},
		{"PUT", "/api/v1/me/s3-profiles/alice-only", `{"url":"https://s3.example.org","accessKeyId":"AK2"}`, own(200)},
		{"GET", "/api/v1/plugins", "", adminOnly},
		{"GET", "/api/v1/me/notices", "", anyone},
		{"GET", "/api/v1/me/tokens", "", anyone},                                   // each caller their own
		{"POST", "/api/v1/me/tokens", tokenBody("mine", "read"), expect{"*": 201}}, // each caller their own
		// The gateway's sign-in: the owner, and members for a shared service, are sent on with a
		// ticket; a browser without a session signs in first; the others find no such service.
		{"GET", "/api/v1/gateway/authorize?host=nb--user-alice." + apps, "", expect{"alice": 302, "anonymous": 302, "*": 404}},
		{"GET", "/api/v1/gateway/authorize?host=shared--project-data-team." + apps, "", expect{"alice": 302, "bob": 302, "anonymous": 302, "*": 404}},
		{"GET", "/api/v1/gateway/authorize?host=nb--project-data-team." + apps, "", expect{"alice": 302, "anonymous": 302, "*": 404}},
		// A forged link's id lets no one in (the owner needs none).
		{"GET", "/api/v1/gateway/authorize?host=nb--user-alice." + apps + "&link=forged-link-id-0123456789abcdef", "", expect{"alice": 302, "anonymous": 302, "*": 404}},
		{"GET", p + "/lifecycle?catalog=ide", "", own(200)},
		{"GET", g + "/lifecycle", "", member},
		{"GET", g + "/services/shared/access", "", expect{"alice": 200, "bob": 403, "*": 404}},
		{"PUT", g + "/services/shared/access", `{"grants":[]}`, expect{"alice": 200, "bob": 403, "*": 404}},
		// A service's passwords: its owner's alone, even when it is shared with the group.
		{"GET", p + "/services/nb/credentials", "", own(200)},
		{"GET", g + "/services/shared/credentials", "", expect{"alice": 200, "bob": 403, "*": 404}},
		{"PUT", g + "/services/shared/lifecycle", fmt.Sprintf(`{"keepUntil":%q}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339)),
			expect{"alice": 200, "bob": 403, "*": 404}},
		{"GET", "/api/v1/admin/services", "", adminOnly},
		{"POST", "/api/v1/admin/services/actions", `{"action":"suspend","dryRun":true}`, adminOnly},
		{"GET", "/api/v1/admin/services?limit=2&sort=-started&state=running&q=shared", "", adminOnly},
		{"POST", "/api/v1/admin/services/actions", `{"action":"delete","dryRun":true,"filter":{"services":[{"project":"user-alice","service":"shared"}]}}`, adminOnly},
		{"GET", "/api/v1/admin/platform", "", adminOnly},
		{"GET", "/api/v1/admin/audit?action=services.", "", adminOnly},
		{"GET", "/api/v1/admin/usage?by=project", "", adminOnly},
		// Projects: administrators see and change every one; a group's members manage the people
		// added to their project, and no other (dave cannot add himself anywhere).
		{"GET", "/api/v1/admin/projects", "", adminOnly},
		{"POST", "/api/v1/admin/projects/project-data-team/members", `{"add":["zed"]}`, adminOnly},
		{"POST", "/api/v1/admin/projects/project-data-team/members", `{"add":["dave"]}`, expect{"carol": 200, "*": 403}},
		{"POST", "/api/v1/admin/projects/project-data-team/members", `{"remove":["dave"]}`, expect{"carol": 200, "*": 403}},
		{"PUT", "/api/v1/admin/projects/project-data-team/quota", `{"hard":{"pods":"30"}}`, adminOnly},
		{"GET", g + "/members", "", member},
		{"POST", g + "/members", `{"add":["zed"]}`, member},
		{"POST", g + "/members", `{"add":["yan"],"remove":["zed"]}`, member},
		{"POST", g + "/members", `{"remove":["yan"]}`, member},
		{"POST", p + "/members", `{"add":["dave"]}`, expect{"alice": 400, "*": 404}},
		{"GET", "/api/v1/catalogs", "", anyone},
		{"POST", "/api/v1/catalogs/refresh", "", adminOnly},
		{"GET", "/api/v1/catalogs/ide", "", anyone},
		{"GET", "/api/v1/catalogs/ide/charts", "", anyone},
		{"GET", "/api/v1/catalogs/ide/charts/jupyter", "", anyone},
		{"GET", "/api/v1/catalogs/ide/charts/jupyter/versions/1.0.0", "", anyone},
		{"GET", "/api/v1/catalogs/ide/charts/jupyter/icon", "", anyone},
		{"GET", "/api/v1/catalogs/team/charts/notebook/icon", "", member},
		{"GET", "/api/v1/catalogs/ide/charts/jupyter/versions/1.0.0/archive", "", anyone},
		{"GET", "/api/v1/catalogs/ide/charts/jupyter/versions/1.0.0/archive?project=user-alice", "", own(200)},
		{"GET", "/api/v1/catalogs/ide/charts?project=user-alice", "", own(200)},
		{"GET", "/api/v1/schemas", "", anyone},
		{"GET", "/api/v1/schemas/ide%2Fresources.json", "", anyone},
		{"GET", "/api/v1/schemas?project=user-alice", "", own(200)},
		{"GET", "/api/v1/schemas/ide%2Fresources.json?project=project-data-team", "", member},
		{"GET", p + "/files", "", own(200)},
		{"GET", g + "/files", "", member},
		{"GET", p + "/files/content?path=user-alice/notes.txt", "", own(200)},
		{"PUT", p + "/files/content?path=user-alice/other.txt", "x", own(201)},
		{"POST", p + "/files/folders", `{"path":"user-alice/data"}`, own(201)},
		{"POST", p + "/files/share", `{"path":"user-alice/notes.txt","expiry":"1h"}`, own(200)},
		{"PUT", p + "/files/policy", `{"path":"user-alice/data/","public":true}`, own(200)},
		{"GET", p + "/files/public", "", own(200)},
		{"GET", p + "/secrets", "", own(200)},
		{"GET", g + "/secrets", "", member},
		{"GET", p + "/secrets/secret?path=api", "", own(200)},
		{"GET", p + "/secrets/secret/versions?path=api", "", own(200)},
		{"PUT", p + "/secrets/secret?path=api", `{"data":{"KEY":"w"}}`, own(200)},
		{"DELETE", p + "/secrets/secret?path=api&versions=2", "", own(200)},
		{"POST", p + "/secrets/secret/undelete?path=api&versions=2", "", own(200)},
		{"GET", p + "/services", "", own(200)},
		{"GET", g + "/services", "", member},
		{"GET", p + "/services/nb", "", own(200)},
		{"GET", g + "/services/nb", "", expect{"alice": 200, "*": 404}}, // bob: not shared
		{"GET", p + "/services/nb/logs", "", own(200)},
		{"GET", p + "/services/nb/events?follow=false", "", own(200)},
		{"GET", p + "/quota", "", own(200)},
		// A kubeconfig of one's own: only for a project one is in (a stranger gets none).
		{"GET", p + "/kubeconfig", "", own(200)},
		{"GET", g + "/kubeconfig?format=json", "", member},
		// The memory plugins hand out no credentials: the owner reaches the plugin (501), no one else does.
		{"GET", p + "/credentials/storage", "", own(501)},
		{"GET", g + "/credentials/storage", "", expect{"alice": 501, "bob": 501, "*": 404}},
		{"GET", p + "/credentials/secrets", "", own(501)},
		{"GET", p + "/launch/form?catalog=ide&chart=jupyter", "", own(200)},
		{"POST", p + "/launch/plan", `{"catalog":"ide","chart":"jupyter"}`, own(200)},
		{"POST", p + "/services", `{"catalog":"ide","chart":"jupyter"}`, own(202)},
		{"PUT", p + "/configurations/mine", `{"launch":{"catalog":"ide","chart":"jupyter"}}`, own(200)},
		{"GET", p + "/configurations", "", own(200)},
		{"GET", p + "/configurations/mine", "", own(200)},
		{"PATCH", p + "/services/nb", `{"friendlyName":"mine"}`, own(200)},
		{"POST", g + "/services/nb/suspend", "", expect{"alice": 200, "*": 404}},
		{"POST", g + "/services/nb/resume", "", expect{"alice": 200, "*": 404}},
		{"GET", g + "/services/shared/history", "", member},
		{"GET", g + "/services/nb/history", "", expect{"alice": 200, "*": 404}},
		{"GET", g + "/services/shared/change/form", "", expect{"alice": 200, "bob": 403, "*": 404}},
		{"POST", g + "/services/shared/change/plan", `{}`, expect{"alice": 200, "bob": 403, "*": 404}},
		{"POST", g + "/services/shared/change", `{}`, expect{"alice": 202, "bob": 403, "*": 404}},
		{"POST", g + "/services/shared/rollback/plan", `{"revision":1}`, expect{"alice": 200, "bob": 403, "*": 404}},
		{"POST", g + "/services/shared/rollback", `{"revision":1}`, expect{"alice": 202, "bob": 403, "*": 404}},
		{"DELETE", p + "/files?path=user-alice/other.txt", "", own(200)},
		{"DELETE", p + "/secrets/secret?path=api&all=true", "", own(200)},
		{"DELETE", g + "/services/nb", "", expect{"alice": 200, "*": 404}},
		{"DELETE", p + "/services", "", own(200)},
		{"DELETE", p + "/configurations/mine", "", own(204)},
		{"DELETE", "/api/v1/me/bookmarks?path=user-alice/data/", "", expect{"*": 204}},
		{"DELETE", "/api/v1/me/s3-profiles/alice-only", "", own(204)},
		{"DELETE", "/api/v1/me/tokens/" + revokedByRow.Token.ID, "", own(204)}, // another's token is not found
		{"GET", "/api/v1/presigned/forged.token", "", expect{"anonymous": 404, "expired": 404, "*": 404}},
	}

	// Every route of /api/v1 must have a row: a new endpoint without one fails here.
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.method+" "+template(r.path)] = true
	}
	var missing []string
	for _, r := range srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasSuffix(r.Path, "/*") || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		if public[r.Path] {
			continue
		}
		if !covered[r.Method+" "+r.Path] {
			missing = append(missing, r.Method+" "+r.Path)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("endpoints without a row in the isolation matrix:\n%s", strings.Join(missing, "\n"))
	}

	cells := 0
	for _, r := range rows {
		for _, caller := range callers {
			want := r.want.of(caller)
			code, body := call(caller, r.method, r.path, r.body)
			cells++
			if code != want {
				t.Errorf("%s %s as %s: got %d, want %d: %s", r.method, r.path, caller, code, want, body)
			}
			if tok := tokens[caller]; tok != "" && strings.Contains(body, tok[:40]) {
				t.Errorf("%s %s as %s: the response echoes the caller's token", r.method, r.path, caller)
			}
		}
	}
	for path := range public {
		for _, caller := range callers {
			if code, _ := call(caller, "GET", path, ""); code != 200 {
				t.Errorf("public %s as %s: %d", path, caller, code)
			}
			cells++
		}
	}
	t.Logf("isolation matrix: %d cells asserted (%d endpoints x %d callers, plus public endpoints)", cells, len(rows), len(callers))
	fmt.Printf("isolation matrix: %d cells\n", cells)

	// API tokens in scripts: each acts as its maker within its scopes, never across people.
	script := makeToken("alice", "script", "read", "write")
	byToken := func(token, method, path string) (int, string) {
		saved := tokens["script"]
		defer func() { tokens["script"] = saved }()
		tokens["script"] = token
		return call("script", method, path, "")
	}
	for _, c := range []struct {
		token, method, path string
		want                int
	}{
		{script.Value, "GET", "/api/v1/me", 200},
		{script.Value, "GET", p + "/services", 200},
		{script.Value, "GET", g + "/services", 200}, // her group, as she was when she made it
		{script.Value, "GET", "/api/v1/me/tokens", 403},
		{script.Value, "POST", "/api/v1/me/tokens", 403},
		{script.Value, "GET", "/api/v1/admin/usage", 403}, // no admin scope (nor role)
		{script.Value, "GET", "/api/v1/projects/user-bob/services", 404},
		{revokedByRow.Value, "GET", "/api/v1/me", 401},
		{strings.Replace(script.Value, "user-alice", "user-bob", 1), "GET", "/api/v1/me", 401},
		{script.Value[:len(script.Value)-1] + "x", "GET", "/api/v1/me", 401},
		{makeToken("bob", "bob's", "read").Value, "GET", p + "/services", 404},
		{makeToken("carol", "carol's admin", "admin").Value, "GET", "/api/v1/admin/usage", 200},
		{makeToken("carol", "carol's reader", "read").Value, "GET", "/api/v1/admin/usage", 403},
	} {
		if code, body := byToken(c.token, c.method, c.path); code != c.want {
			t.Errorf("an API token: %s %s: %d, want %d: %s", c.method, c.path, code, c.want, body)
		}
	}
	if code, body := call("bob", http.MethodDelete, "/api/v1/me/tokens/"+script.Token.ID, ""); code != 404 {
		t.Errorf("bob revoking alice's token: %d %s, want 404", code, body)
	}
	if code, body := call("alice", http.MethodDelete, "/api/v1/me/tokens/"+script.Token.ID, ""); code != 204 {
		t.Errorf("alice revoking her token: %d %s", code, body)
	}
	if code, _ := byToken(script.Value, "GET", "/api/v1/me"); code != 401 {
		t.Errorf("a revoked token: %d, want 401", code)
	}

	// dave, added to the data team's project in Basalt by an administrator, finds it among his
	// projects and opens it; removed, his next request is refused.
	if code, body := call("carol", http.MethodPost, "/api/v1/admin/projects/project-data-team/members", `{"add":["dave"]}`); code != 200 {
		t.Fatalf("carol adding dave: %d %s", code, body)
	}
	if code, body := call("dave", http.MethodGet, "/api/v1/me", ""); code != 200 || !strings.Contains(body, `"project-data-team"`) {
		t.Errorf("dave's projects once added: %d %s", code, body)
	}
	for _, path := range []string{g + "/services", g + "/members", g + "/lifecycle", "/api/v1/catalogs?project=project-data-team"} {
		if code, body := call("dave", http.MethodGet, path, ""); code != 200 {
			t.Errorf("dave, added, GET %s: %d %s", path, code, body)
		}
	}
	if code, body := call("dave", http.MethodGet, g+"/services/nb", ""); code != 404 {
		t.Errorf("dave, added, opening alice's private service of the group: %d %s, want 404", code, body)
	}
	if code, body := call("dave", http.MethodPost, g+"/members", `{"remove":["dave"]}`); code != 200 {
		t.Fatalf("dave leaving: %d %s", code, body)
	}
	if code, body := call("dave", http.MethodGet, g+"/services", ""); code != 404 {
		t.Errorf("dave, removed, GET the group's services: %d %s, want 404", code, body)
	}

	// Signing in at a service's host: bob, a member, opening alice's shared service is an
	// audit event; alice opening her own (below) is not.
	appClient := &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, ln.Addr().String())
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// signIn signs caller's browser in at a service's host. Asked without the host's sign-in
	// cookie (as nginx's auth-signin asks), the portal sends the browser to the host, which sets
	// it and comes back with its hash; the ticket, taken on its way by a client without that
	// cookie, is refused there, and then traded by the browser for the host's session.
	signIn := func(caller, host, link string) *http.Cookie {
		t.Helper()
		authorize := func(query string) string {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/gateway/authorize?"+query, nil)
			req.Header.Set("Authorization", "Bearer "+tokens[caller])
			resp, err := noRedirects.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("%s signing in at %s: %d", caller, host, resp.StatusCode)
			}
			return resp.Header.Get("Location")
		}
		start := authorize(url.Values{"host": {host}, "link": {link}}.Encode())
		if !strings.HasPrefix(start, "http://"+host+"/_basalt/signin?") {
			t.Fatalf("%s signing in at %s without the host's cookie: to %q, want the host's sign-in start", caller, host, start)
		}
		resp, err := appClient.Get(start)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, err := resp.Location()
		if resp.StatusCode != http.StatusFound || err != nil || len(resp.Cookies()) != 1 {
			t.Fatalf("%s starting a sign-in at %s: %d, cookies %v", caller, host, resp.StatusCode, resp.Cookies())
		}
		started := resp.Cookies()[0]
		ticket := authorize(back.RawQuery)
		if !strings.Contains(ticket, "/_basalt/ticket?") {
			t.Fatalf("%s signing in at %s: to %q, want a ticket", caller, host, ticket)
		}
		if resp, err = appClient.Get(ticket); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("%s's ticket at %s taken by a client without the browser's sign-in cookie: %d, cookies %v, want 403 and none", caller, host, resp.StatusCode, resp.Cookies())
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ticket, nil)
		req.AddCookie(started)
		if resp, err = appClient.Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || len(resp.Cookies()) != 1 {
			t.Fatalf("%s trading the ticket at %s: %d, cookies %v", caller, host, resp.StatusCode, resp.Cookies())
		}
		return resp.Cookies()[0]
	}
	signIn("bob", "shared--project-data-team."+apps, "")

	// Grants: alice lets bob, who is no member of her personal project, open one of her
	// services; dave's grant has expired; carol has none. Taking bob's away closes his open
	// WebSocket within 5 s, and his next request is refused, the service untouched.
	go srv.RunGateway(ctx)
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			io.WriteString(w, "the service")
			return
		}
		defer c.CloseNow()
		for {
			kind, msg, err := c.Read(r.Context())
			if err != nil || c.Write(r.Context(), kind, msg) != nil {
				return
			}
		}
	}))
	defer echo.Close()
	for _, name := range []string{"web", "web2"} { // web2: another service of hers, for links
		if _, err := region.Install(ctx, sdk.InstallRequest{Caller: sdk.Caller{Username: "alice"}, Project: sdk.Project{ID: "user-alice"}, ReleaseName: name,
			Archive: bytes.NewReader(archive), Values: []byte(`{"global":{"suspend":false},"ingress":{"endpoint":"` + strings.TrimPrefix(echo.URL, "http://") + `"}}`),
			Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: "alice"}}); err != nil {
			t.Fatal(err)
		}
	}
	web := "web--user-alice." + apps
	signIn("alice", web, "") // her own: no audit event
	authorize := func(caller string) int {
		t.Helper()
		code, _ := call(caller, http.MethodGet, "/api/v1/gateway/authorize?host="+web, "")
		return code
	}
	if code := authorize("bob"); code != 404 {
		t.Fatalf("bob before any grant: %d, want 404", code)
	}
	if code, body := call("alice", http.MethodPut, "/api/v1/projects/user-alice/services/web/access", `{"grants":[{"kind":"user","name":"bob"}]}`); code != 200 {
		t.Fatalf("alice granting bob: %d %s", code, body)
	}
	if code, _ := call("bob", http.MethodPut, "/api/v1/projects/user-alice/services/web/access", `{"grants":[]}`); code != 404 {
		t.Errorf("bob changing alice's grants: %d, want 404", code)
	}
	expired := []sdk.Grant{{Kind: sdk.GrantUser, Name: "bob", By: "alice"}, {Kind: sdk.GrantUser, Name: "dave", By: "alice", Expires: time.Now().Add(-time.Minute)}}
	if _, err := region.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: sdk.ReleaseRef{Caller: sdk.Caller{Username: "alice"}, Project: sdk.Project{ID: "user-alice"}, Name: "web"}, Grants: &expired}); err != nil {
		t.Fatal(err)
	}
	for caller, want := range map[string]int{"bob": 302, "dave": 404, "carol": 404, "alice": 302} {
		if code := authorize(caller); code != want {
			t.Errorf("%s opening alice's service with bob's grant and dave's expired one: %d, want %d", caller, code, want)
		}
	}
	// browserAt is a browser holding a session cookie at web; kernel, a WebSocket it opens
	// there, answering; revoke takes grants away, and checks that the WebSocket closes within
	// 5 s and that the browser's next request is refused.
	browserAt := func(cookie *http.Cookie) *http.Client {
		jar, _ := cookiejar.New(nil)
		webURL, _ := url.Parse("http://" + web + "/")
		jar.SetCookies(webURL, []*http.Cookie{cookie})
		return &http.Client{Jar: jar, Transport: appClient.Transport}
	}
	wsCtx, stopWS := context.WithTimeout(ctx, 60*time.Second)
	defer stopWS()
	kernel := func(who string, b *http.Client) *websocket.Conn {
		t.Helper()
		ws, _, err := websocket.Dial(wsCtx, "ws://"+web+"/kernel", &websocket.DialOptions{HTTPClient: b})
		if err != nil {
			t.Fatalf("%s's WebSocket: %v", who, err)
		}
		if ws.Write(wsCtx, websocket.MessageText, []byte("1+1")) != nil {
			t.Fatalf("%s's WebSocket: write", who)
		}
		if _, msg, err := ws.Read(wsCtx); err != nil || string(msg) != "1+1" {
			t.Fatalf("%s's WebSocket: %q %v", who, msg, err)
		}
		return ws
	}
	revoke := func(who, grants string, b *http.Client, ws *websocket.Conn) {
		t.Helper()
		if code, body := call("alice", http.MethodPut, "/api/v1/projects/user-alice/services/web/access", grants); code != 200 {
			t.Fatalf("alice taking %s's grant away: %d %s", who, code, body)
		}
		revoked := time.Now()
		if _, _, err := ws.Read(wsCtx); err == nil || wsCtx.Err() != nil {
			t.Fatalf("%s's WebSocket stayed open after the grant was taken away: %v", who, err)
		}
		if took := time.Since(revoked); took > 5*time.Second {
			t.Errorf("%s's WebSocket closed %v after the revocation, want within 5 s", who, took)
		}
		if resp, err := b.Get("http://" + web + "/"); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s's next request after the revocation: %v %v, want 403", who, resp, err)
		} else {
			resp.Body.Close()
		}
	}
	bobsBrowser := browserAt(signIn("bob", web, ""))
	ws := kernel("bob", bobsBrowser)
	defer ws.CloseNow()
	revoke("bob", `{"grants":[]}`, bobsBrowser, ws)
	if code := authorize("alice"); code != 302 {
		t.Errorf("alice opening her service after the revocation: %d", code)
	}

	// A link: whoever signed in holds it opens web (dave, a stranger); an anonymous visitor
	// signs in first; a forged id, or the link at another service's host, opens nothing.
	code, body := call("alice", http.MethodPut, "/api/v1/projects/user-alice/services/web/access", `{"grants":[{"kind":"link"}]}`)
	var links struct {
		Grants []struct{ Kind, Name, URL string }
	}
	if code != 200 || json.Unmarshal([]byte(body), &links) != nil || len(links.Grants) != 1 || links.Grants[0].URL != "http://"+web+"/_basalt/link/"+links.Grants[0].Name {
		t.Fatalf("alice making a link: %d %s", code, body)
	}
	link := links.Grants[0].Name
	withLink := func(caller, host, link string) int {
		t.Helper()
		code, _ := call(caller, http.MethodGet, "/api/v1/gateway/authorize?"+url.Values{"host": {host}, "link": {link}}.Encode(), "")
		return code
	}
	for _, c := range []struct {
		what, caller, host, link string
		want                     int
	}{
		{"the link", "dave", web, link, 302}, {"the link", "carol", web, link, 302}, {"the link", "anonymous", web, link, 302},
		{"the link", "expired", web, link, 401}, {"no link", "dave", web, "", 404},
		{"a forged id", "dave", web, link[:len(link)-4] + "AAAA", 404}, {"the link of another service", "dave", "web2--user-alice." + apps, link, 404},
	} {
		if code := withLink(c.caller, c.host, c.link); code != c.want {
			t.Errorf("%s at %s with %s: %d, want %d", c.caller, c.host, c.what, code, c.want)
		}
	}
	davesBrowser := browserAt(signIn("dave", web, link))
	ws = kernel("dave", davesBrowser)
	defer ws.CloseNow()
	revoke("dave", `{"grants":[]}`, davesBrowser, ws)
	if code := withLink("dave", web, link); code != 404 {
		t.Errorf("dave with the link taken away: %d, want 404", code)
	}

	// No token, client secret, session key or secret value reached the log.
	srv.Shutdown(context.Background())
	leaks := map[string]string{"client secret": secret, "session key": sessionKey, "secret value": secretValue,
		"S3 profile's secret key": profileSecretKey}
	for caller, tok := range tokens {
		if parts := strings.Split(tok, "."); len(parts) == 3 {
			leaks[caller+"'s ID token signature"] = parts[2]
			leaks[caller+"'s ID token claims"] = parts[1]
		}
	}
	text := logs.String()
	if len(text) < 1000 {
		t.Fatalf("the log is nearly empty (%d bytes): the scan would prove nothing", len(text))
	}
	opened := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "gateway.open") {
			opened++
			if !strings.Contains(line, `"actor":"bob"`) && !strings.Contains(line, `"actor":"dave"`) || !strings.Contains(line, "owner alice") ||
				strings.Contains(line, `"actor":"dave"`) != strings.Contains(line, "with a link") || strings.Contains(line, link) {
				t.Errorf("an audit event of opening a service: %s", line)
			}
		}
	}
	if opened != 3 {
		t.Errorf("audit events of someone other than the owner opening a service: %d, want bob's two (a shared service, a grant) and dave's (a link)", opened)
	}
	leaks["link's id"] = link
	var scan logscan.Scanner
	for what, value := range leaks {
		scan.Add("the "+what, value)
	}
	for _, f := range scan.Scan("the debug log", []byte(text)) {
		t.Errorf("log scan: %s", f)
	}
	t.Logf("log scan: %d bytes of debug log, %d values and every token shape looked for, none found", len(text), scan.Known())
}

// public are the endpoints open to everyone, signed in or not.
// noRedirects answers a redirect as it is: the matrix checks who is sent where, not what is there.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var public = map[string]bool{"/api/v1/openapi.yaml": true, "/api/v1/version": true, "/api/v1/config": true}

// template turns a concrete path back into its route: the project and the identifiers.
func template(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	names := map[int]string{}
	if len(parts) > 4 && parts[3] == "projects" {
		names[4] = ":project"
		if len(parts) > 6 && parts[5] == "services" {
			names[6] = ":service"
		}
		if len(parts) > 6 && parts[5] == "configurations" {
			names[6] = ":name"
		}
	}
	if len(parts) > 5 && parts[3] == "admin" && parts[4] == "projects" {
		names[5] = ":project"
	}
	if len(parts) > 5 && parts[3] == "me" && parts[4] == "s3-profiles" {
		names[5] = ":name"
	}
	if len(parts) > 5 && parts[3] == "me" && parts[4] == "tokens" {
		names[5] = ":id"
	}
	if len(parts) > 4 && parts[3] == "presigned" {
		names[4] = ":token"
	}
	if len(parts) > 4 && parts[3] == "schemas" {
		names[4] = ":name"
	}
	if len(parts) > 4 && parts[3] == "catalogs" && parts[4] != "refresh" {
		names[4] = ":catalog"
		if len(parts) > 6 {
			names[6] = ":chart"
		}
		if len(parts) > 8 {
			names[8] = ":version"
		}
	}
	for i, n := range names {
		parts[i] = n
	}
	return strings.Join(parts, "/")
}

// secretValue is the fixture secret's value, looked for in the log at the end: a canary, which
// make test's scan of every log looks for too.
var secretValue = logscan.Canary()

// profileSecretKey is the secret key of the S3 profiles made here, looked for in the log too.
const profileSecretKey = "isolation-profile-secret-8c1f0a"

// apiToken is what making an API token answers: its id, and its value.
type apiToken struct {
	Token struct {
		ID string `json:"id"`
	} `json:"token"`
	Value string `json:"value"`
}

// tokenBody asks for an API token lasting a day.
func tokenBody(name string, scopes ...string) string {
	body, _ := json.Marshal(map[string]any{"name": name, "scopes": scopes, "expires": time.Now().Add(24 * time.Hour).Format(time.RFC3339)})
	return string(body)
}

func profileBody(name string) string {
	return `{"name":"` + name + `","url":"https://s3.example.org","accessKeyId":"AK","secretAccessKey":"` + profileSecretKey + `"}`
}
