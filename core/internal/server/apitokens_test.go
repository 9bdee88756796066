package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// bearer calls url as a script would (curl -H "Authorization: Bearer $BASALT_TOKEN").
func bearer(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	header := []string{"Authorization", "Bearer " + token}
	if body != "" {
		header = append(header, "Content-Type", "application/json")
	}
	resp, data := do(t, method, url, strings.NewReader(body), header...)
	return resp.StatusCode, string(data)
}

// makeToken makes an API token through the API and returns it as created.
func makeToken(t *testing.T, api, name string, scopes []string, lasts time.Duration) CreatedAPIToken {
	t.Helper()
	body, _ := json.Marshal(NewAPIToken{Name: name, Scopes: scopes, Expires: time.Now().Add(lasts)})
	code, raw := postJSON(t, api+"/me/tokens", string(body))
	var made CreatedAPIToken
	if code != 201 || json.Unmarshal(raw, &made) != nil {
		t.Fatalf("making token %s: %d %s", name, code, raw)
	}
	return made
}

// A person makes tokens for scripts, each scoped and expiring; a script uses one as a bearer
// token for what its scopes cover and nothing else, never to manage tokens; a forged or
// revoked token is refused; what is listed never holds a token's value.
func TestAPITokens(t *testing.T) {
	api := startPlatform(t, "auth.local.roles=[admin]")

	var cfg UIConfig
	if code := getJSON(t, api+"/config", &cfg); code != 200 || !cfg.Auth.APITokens {
		t.Errorf("config: %d, auth %+v, want API tokens offered", code, cfg.Auth)
	}
	var list APITokenList
	if code := getJSON(t, api+"/me/tokens", &list); code != 200 || len(list.Tokens) != 0 || list.MaxDays != 30 || strings.Join(list.Scopes, ",") != "read,write,admin" {
		t.Fatalf("tokens at first: %d %+v", code, list)
	}
	in := func(days int) string {
		return time.Now().Add(time.Duration(days) * 24 * time.Hour).Format(time.RFC3339)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"name":"","scopes":["read"],"expires":"` + in(1) + `"}`, "name"},
		{`{"name":"x","scopes":["root"],"expires":"` + in(1) + `"}`, "scopes[0]"},
		{`{"name":"x","scopes":[],"expires":"` + in(1) + `"}`, "scopes"},
		{`{"name":"x","scopes":["read"],"expires":"` + in(31) + `"}`, "expires"},
		{`{"name":"x","scopes":["read"],"expires":"` + in(-1) + `"}`, "expires"},
		{`{"name":"x","scopes":["read"]}`, "expires"},
	} {
		code, raw := postJSON(t, api+"/me/tokens", bad.body)
		if code != 400 || !strings.Contains(string(raw), `"field":"`+bad.field+`"`) {
			t.Errorf("POST %s: %d %s, want 400 naming %s", bad.body, code, raw, bad.field)
		}
	}

	reader := makeToken(t, api, "nightly report", []string{"read"}, 24*time.Hour)
	if !strings.HasPrefix(reader.Value, "basalt_pat_user-alice_"+reader.Token.ID+"_") || len(reader.Value) < 80 {
		t.Errorf("token value %q, want basalt_pat_user-alice_<id>_<secret>", reader.Value)
	}
	if !strings.Contains(reader.Curl, `"Authorization: Bearer $BASALT_TOKEN"`) || strings.Contains(reader.Curl, reader.Value) {
		t.Errorf("curl example %q, want the token from $BASALT_TOKEN and never its value", reader.Curl)
	}
	_, listed := get(t, api+"/me/tokens")
	if !strings.Contains(listed, reader.Token.ID) || !strings.Contains(listed, "nightly report") || strings.Contains(listed, reader.Value[len(reader.Value)-43:]) {
		t.Errorf("listed: %s, want the token's id and name, never its secret", listed)
	}

	// What the read scope covers, and what it does not.
	if code, body := bearer(t, "GET", api+"/me", reader.Value, ""); code != 200 || !strings.Contains(body, `"username":"alice"`) {
		t.Errorf("GET /me with the token: %d %s", code, body)
	}
	for _, refused := range []struct {
		method, path, body, why string
	}{
		{"POST", "/me/bookmarks", `{"path":"user-alice/data/"}`, "write scope"},
		{"GET", "/admin/platform", "", "admin scope"},
		{"GET", "/me/tokens", "", "cannot list, make or revoke API tokens"},
	} {
		if code, body := bearer(t, refused.method, api+refused.path, reader.Value, refused.body); code != 403 || !strings.Contains(body, refused.why) {
			t.Errorf("%s %s with a read token: %d %s, want 403 saying %q", refused.method, refused.path, code, body, refused.why)
		}
	}
	// A token never makes another, whatever its scopes.
	all := makeToken(t, api, "everything", []string{"read", "write", "admin"}, time.Hour)
	if code, body := bearer(t, "POST", api+"/me/tokens", all.Value, `{"name":"child","scopes":["read"],"expires":"`+in(1)+`"}`); code != 403 {
		t.Errorf("a token making a token: %d %s, want 403", code, body)
	}
	if code, body := bearer(t, "GET", api+"/admin/platform", all.Value, ""); code != 200 {
		t.Errorf("an administrator's admin token on /admin/platform: %d %s", code, body)
	}
	if code, body := bearer(t, "POST", api+"/me/bookmarks", all.Value, `{"path":"user-alice/data/"}`); code != 201 {
		t.Errorf("a write token adding a bookmark: %d %s", code, body)
	}

	// Forged: another secret, another id, another person's project, or no such shape.
	secretAt := len(reader.Value) - 43
	flipped := reader.Value[:secretAt] + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, reader.Value[secretAt:secretAt+1]) + reader.Value[secretAt+1:]
	for _, forged := range []string{
		flipped,
		strings.Replace(reader.Value, reader.Token.ID, all.Token.ID, 1),
		strings.Replace(reader.Value, "user-alice", "user-bob", 1),
		"basalt_pat_nothing",
	} {
		if code, body := bearer(t, "GET", api+"/me", forged, ""); code != 401 || strings.Contains(body, forged) {
			t.Errorf("forged token: %d %s, want 401 without echoing it", code, body)
		}
	}

	// Revoked: refused at once; revoking again is not found.
	if resp, body := do(t, "DELETE", api+"/me/tokens/"+reader.Token.ID, nil); resp.StatusCode != 204 {
		t.Fatalf("revoking: %d %s", resp.StatusCode, body)
	}
	if code, body := bearer(t, "GET", api+"/me", reader.Value, ""); code != 401 {
		t.Errorf("a revoked token: %d %s, want 401", code, body)
	}
	if resp, body := do(t, "DELETE", api+"/me/tokens/"+reader.Token.ID, nil); resp.StatusCode != 404 {
		t.Errorf("revoking again: %d %s, want 404", resp.StatusCode, body)
	}
	if resp, body := do(t, "DELETE", api+"/me/tokens/not-an-id", nil); resp.StatusCode != 400 {
		t.Errorf("revoking a bad id: %d %s, want 400", resp.StatusCode, body)
	}
	if code := getJSON(t, api+"/me/tokens", &list); code != 200 || len(list.Tokens) != 1 || list.Tokens[0].ID != all.Token.ID {
		t.Errorf("tokens after revoking one: %d %+v", code, list)
	}
}

// Two replicas share tokens through the cluster alone: a token made on one works on the other
// at once; its record, in a Secret of the person's namespace, holds no secret and cannot be
// edited into more rights; revoked on one, it is refused on the other within cache_ttl.
func TestAPITokensAcrossReplicasOnTheCluster(t *testing.T) {
	env := testenv.Require(t)
	user := fmt.Sprintf("pat%d", time.Now().UnixNano()%1_000_000)
	plugins := func() map[string]config.Plugin {
		return map[string]config.Plugin{"k8s": {Kind: "region", Path: testplugin.Path(t, "basalt-plugin-kubernetes"),
			Config: map[string]any{"kubeconfig": env.Kubeconfig}}}
	}
	sets := []string{"auth.local.username=" + user, "auth.tokens.cache_ttl=1s"}
	one := startWithPlugins(t, plugins(), sets...) + "/api/v1"
	two := startWithPlugins(t, plugins(), sets...) + "/api/v1"
	personal := "user-" + user
	t.Cleanup(func() { deleteNamespace(t, env, personal) })

	made := makeToken(t, one, "cron", []string{"read"}, time.Hour)
	if code, body := bearer(t, "GET", two+"/projects/"+personal+"/services", made.Value, ""); code != 200 {
		t.Fatalf("the token on the other replica: %d %s", code, body)
	}
	var secret struct {
		Data map[string][]byte `json:"data"`
	}
	kubeGet(t, env, "/api/v1/namespaces/"+personal+"/secrets/basalt-tokens."+personal, &secret)
	record := string(secret.Data["tokens"])
	if !strings.Contains(record, made.Token.ID) || strings.Contains(record, made.Value[len(made.Value)-43:]) {
		t.Fatalf("the record kept in the cluster: %s, want the token's id and not its secret", record)
	}

	// Someone who may write Secrets in the namespace (its owner has admin there) widens the
	// record's scopes: it no longer matches its signature, and the token is refused.
	forged := strings.Replace(record, `"scopes":["read"]`, `"scopes":["read","write","admin"]`, 1)
	if forged == record {
		t.Fatalf("record %s has no read scope to widen", record)
	}
	kubePatch(t, env, "/api/v1/namespaces/"+personal+"/secrets/basalt-tokens."+personal,
		`{"data":{"tokens":"`+base64.StdEncoding.EncodeToString([]byte(forged))+`"}}`)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		code, _ := bearer(t, "GET", two+"/me", made.Value, "")
		if code == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a record edited in the cluster: still %d after 5 s, want 401", code)
		}
	}

	kept := makeToken(t, one, "kept", []string{"read"}, time.Hour)
	if code, body := bearer(t, "GET", two+"/me", kept.Value, ""); code != 200 {
		t.Fatalf("the second token on the other replica: %d %s", code, body)
	}
	if resp, body := do(t, "DELETE", one+"/me/tokens/"+kept.Token.ID, nil); resp.StatusCode != 204 {
		t.Fatalf("revoking: %d %s", resp.StatusCode, body)
	}
	if code, _ := bearer(t, "GET", one+"/me", kept.Value, ""); code != 401 {
		t.Errorf("the revoked token on the replica that revoked it: %d, want 401 at once", code)
	}
	revoked := time.Now()
	for {
		code, _ := bearer(t, "GET", two+"/me", kept.Value, "")
		if code == 401 {
			break
		}
		if time.Since(revoked) > 3*time.Second {
			t.Fatalf("the revoked token still works on the other replica after %s (cache_ttl 1s)", time.Since(revoked))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("a revocation reached the other replica in %s (cache_ttl 1s)", time.Since(revoked).Round(10*time.Millisecond))
}

// kubePatch merges patch into an object of the test environment's cluster as its administrator.
func kubePatch(t *testing.T, env *testenv.Env, path, patch string) {
	t.Helper()
	kube, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPatch, env.KubeServer+path, strings.NewReader(patch))
	req.Header.Set("Authorization", "Bearer "+env.KubeToken)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	resp, err := kube.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PATCH %s: %d", path, resp.StatusCode)
	}
}

// With auth.tokens.enabled false, the portal is told, nothing makes a token and a token-shaped
// bearer is refused as such.
func TestAPITokensOff(t *testing.T) {
	api := startPlatform(t, "auth.tokens.enabled=false")
	var cfg UIConfig
	if code := getJSON(t, api+"/config", &cfg); code != 200 || cfg.Auth.APITokens {
		t.Errorf("config: %d, auth %+v, want no API tokens", code, cfg.Auth)
	}
	if code, body := postJSON(t, api+"/me/tokens", `{"name":"x","scopes":["read"],"expires":"2099-01-01T00:00:00Z"}`); code != 501 {
		t.Errorf("making a token: %d %s, want 501", code, body)
	}
	if code, body := bearer(t, "GET", api+"/me", "basalt_pat_user-alice_Q3kG7tVt2mZpX8rL0aBc_k2Jd8sLq0WmZxC4vB7nR1tY6uI3oP9aS5dF2gH8jKlQ", ""); code != 401 || !strings.Contains(body, "takes no API tokens") {
		t.Errorf("a token: %d %s, want 401", code, body)
	}
}

// MinIO's STS and Vault's JWT login take only the identity provider's token: a script's API
// token reaches neither, and hears why in Basalt's words; its launches get a context without
// S3 keys or a Vault token, where the provider's token gets both.
func TestAPITokensReachNeitherS3NorVault(t *testing.T) {
	env := testenv.Require(t)
	cfg, ln, base := oidcConfig(t, env)
	onyxiaRegion(t, env, cfg, env.S3Endpoint, env.VaultAddr, true)
	serveOIDC(t, cfg, ln, base, logscan.Logger(t, "core"))
	idToken, err := env.IDToken(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	api := base + "/api/v1"
	body, _ := json.Marshal(NewAPIToken{Name: "script", Scopes: []string{"read", "write"}, Expires: time.Now().Add(time.Hour)})
	code, raw := bearer(t, "POST", api+"/me/tokens", idToken, string(body))
	var made CreatedAPIToken
	if code != 201 || json.Unmarshal([]byte(raw), &made) != nil {
		t.Fatalf("making a token with the provider's: %d %s", code, raw)
	}

	p := api + "/projects/user-alice"
	for _, c := range []struct{ path, store string }{
		{p + "/credentials/storage", "S3 store"},
		{p + "/files?path=user-alice/", "S3 store"},
		{p + "/credentials/secrets", "secrets store"},
		{p + "/secrets", "secrets store"},
	} {
		code, body := bearer(t, "GET", c.path, made.Value, "")
		if code != 403 || !strings.Contains(body, "an API token cannot reach the "+c.store+": it accepts only the identity provider's token") {
			t.Errorf("GET %s with an API token: %d %s, want 403 naming the %s", c.path, code, body, c.store)
		}
	}
	if code, body := bearer(t, "GET", p+"/credentials/storage", idToken, ""); code != 200 {
		t.Errorf("the storage credentials with the provider's token: %d %.300s", code, body)
	}

	plan := func(token string) (s3Key, vaultToken string) {
		t.Helper()
		code, raw := bearer(t, "POST", p+"/launch/plan", token, `{"catalog":"ide","chart":"jupyter-python","version":"2.5.2"}`)
		var out struct {
			Values struct {
				S3 struct {
					AccessKeyID string `json:"accessKeyId"`
				} `json:"s3"`
				Vault struct {
					Token string `json:"token"`
				} `json:"vault"`
			} `json:"values"`
		}
		if code != 200 || json.Unmarshal([]byte(raw), &out) != nil {
			t.Fatalf("plan: %d %.300s", code, raw)
		}
		return out.Values.S3.AccessKeyID, out.Values.Vault.Token
	}
	if key, vault := plan(idToken); key == "" || vault == "" {
		t.Errorf("a plan with the provider's token: S3 key %t, Vault token %t, want both", key != "", vault != "")
	}
	if key, vault := plan(made.Value); key != "" || vault != "" {
		t.Errorf("a plan with an API token: S3 key %t, Vault token %t, want neither", key != "", vault != "")
	}
}
