package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// mintCounter stands between a plugin and a real backend (MinIO's STS, Vault), forwards every
// request and counts those that mint a credential.
type mintCounter struct {
	URL   string
	count atomic.Int32
}

func newMintCounter(t *testing.T, backend string, mints func(r *http.Request, body []byte) bool) *mintCounter {
	t.Helper()
	target, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	m := &mintCounter{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if mints(r, body) {
			m.count.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

// onyxiaRegion makes cfg's one region Onyxia's way: the test environment's MinIO through STS
// and Vault through JWT login (reached at stsURL and vaultURL), the user's own Vault token in
// every launch context, the memory catalog with Onyxia's jupyter-python 2.5.2 and, withServices,
// the memory region.
func onyxiaRegion(t *testing.T, env *testenv.Env, cfg *config.Config, stsURL, vaultURL string, withServices bool) {
	t.Helper()
	build := func(name string) string {
		return testplugin.Path(t, "basalt-plugin-"+name)
	}
	charts := map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD",
		"charts": []any{onyxiaChart(t, "jupyter-python-2.5.2.tgz")}}}}
	cfg.Plugins = map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Memory(t), Args: []string{"catalog"}, Config: charts},
		"s3": {Kind: "storage", Path: build("s3"), Config: map[string]any{"endpoint": env.S3Endpoint, "region": env.S3Region,
			"sts": map[string]any{"endpoint": stsURL, "durationSeconds": 3600}}},
		"vault": {Kind: "secrets", Path: build("vault"), Config: map[string]any{"address": vaultURL, "kvMount": env.VaultKVMount,
			"jwtMount": env.VaultJWTMount, "jwtRole": env.VaultJWTRole, "userHome": testenv.UserVaultPath("{username}"),
			"groupHome": testenv.GroupVaultPath("{group}")}},
	}
	// The region's Vault section puts the token in the values (vault.token), as Onyxia's does.
	settings := filepath.Join(t.TempDir(), "region.yaml")
	if err := os.WriteFile(settings, fmt.Appendf(nil, "vault:\n  URL: %s\n  kvEngine: %s\n", env.VaultAddr, env.VaultKVMount), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.Regions = []config.Region{{ID: "onyxia", Name: "onyxia", Storage: "s3", Secrets: "vault", Settings: settings,
		SecretInjection: config.SecretInjectionUserToken}}
	if withServices {
		cfg.Plugins["k8s"] = config.Plugin{Kind: "region", Path: testplugin.Memory(t), Args: []string{"region"}}
		cfg.Regions[0].Region = "k8s"
	}
}

// TestFormsAndPlansMintCredentialsOnce: the forms and plans of a user, in a region that puts
// their own Vault token and STS keys in every launch context (Onyxia's way), share one STS
// session and one Vault login for their ID token instead of minting new ones each time.
// MinIO and Vault are the test environment's; the requests that reach them are counted.
func TestFormsAndPlansMintCredentialsOnce(t *testing.T) {
	env := testenv.Require(t)
	sts := newMintCounter(t, env.S3Endpoint, func(r *http.Request, body []byte) bool {
		form, _ := url.ParseQuery(string(body))
		return r.URL.Query().Get("Action") == "AssumeRoleWithWebIdentity" || form.Get("Action") == "AssumeRoleWithWebIdentity"
	})
	vault := newMintCounter(t, env.VaultAddr, func(r *http.Request, _ []byte) bool {
		return (r.Method == http.MethodPut || r.Method == http.MethodPost) && r.URL.Path == "/v1/auth/"+env.VaultJWTMount+"/login"
	})

	cfg, ln, base := oidcConfig(t, env, "server.rate_limit.launch_per_minute=0")
	onyxiaRegion(t, env, cfg, sts.URL, vault.URL, false)
	serveOIDC(t, cfg, ln, base, logscan.Logger(t, "core"))
	token, err := env.IDToken(t.Context(), "alice")
	if err != nil {
		t.Fatal(err)
	}

	launch := base + "/api/v1/projects/user-alice/launch"
	const forms, plans = 5, 3
	var keys, vaultTokens []string
	for range forms {
		resp, raw := do(t, http.MethodGet, launch+"/form?catalog=ide&chart=jupyter-python&version=2.5.2", nil, jsonAs(token, "")...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("form: %d %.300s", resp.StatusCode, raw)
		}
	}
	for range plans {
		body := `{"catalog":"ide","chart":"jupyter-python","version":"2.5.2"}`
		resp, raw := do(t, http.MethodPost, launch+"/plan", bytes.NewReader([]byte(body)), jsonAs(token, body)...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("plan: %d %.300s", resp.StatusCode, raw)
		}
		var plan struct {
			Values struct {
				S3 struct {
					AccessKeyID string `json:"accessKeyId"`
				} `json:"s3"`
				Vault struct {
					Token string `json:"token"`
				} `json:"vault"`
			} `json:"values"`
		}
		if err := json.Unmarshal(raw, &plan); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, plan.Values.S3.AccessKeyID)
		vaultTokens = append(vaultTokens, plan.Values.Vault.Token)
	}
	if n := sts.count.Load(); n != 1 {
		t.Errorf("%d forms and %d plans of one user made %d STS sessions, want 1", forms, plans, n)
	}
	if n := vault.count.Load(); n != 1 {
		t.Errorf("%d forms and %d plans of one user made %d Vault logins, want 1", forms, plans, n)
	}
	for i := range plans {
		if keys[i] == "" || keys[i] != keys[0] {
			t.Errorf("plan %d has another STS access key than the first plan (or none)", i)
		}
		if vaultTokens[i] == "" || vaultTokens[i] != vaultTokens[0] {
			t.Errorf("plan %d has another Vault token than the first plan (or none)", i)
		}
	}
}
