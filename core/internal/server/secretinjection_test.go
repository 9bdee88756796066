package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// injectionWorld is Basalt in oidc mode on the test environment with the real plugins: Onyxia's
// charts through helmrepo, MinIO with STS, Vault with JWT login, and the sandbox cluster. It
// has one region per secret injection mode, all on the same plugins.
type injectionWorld struct {
	env   *testenv.Env
	base  string
	token string       // alice's ID token, for Basalt, MinIO and Vault
	ns    string       // the token's user's personal namespace (user-alice)
	kube  *http.Client // the cluster's API server, as its administrator
}

func newInjectionWorld(t *testing.T) *injectionWorld {
	t.Helper()
	env := testenv.Require(t)
	repo, err := filepath.Abs(sharedCatalog)
	if err != nil {
		t.Fatal(err)
	}
	return startInjectionWorld(t, env, "ide", repo, env.S3Endpoint, env.VaultAddr)
}

// startInjectionWorld serves the world with the catalog (id, Helm repository) and the
// addresses at which services reach MinIO and Vault (the launch context's).
func startInjectionWorld(t *testing.T, env *testenv.Env, catalogID, catalog, s3ForServices, vaultForServices string) *injectionWorld {
	t.Helper()
	ctx := t.Context()
	build := func(name string) string {
		return testplugin.Path(t, "basalt-plugin-"+name)
	}
	work := t.TempDir()
	issuer := filepath.Join(work, "vault-issuer")
	if err := os.WriteFile(issuer, []byte(vaultIssuerToken(t, env)), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(work, "region.yaml")
	if err := os.WriteFile(settings, fmt.Appendf(nil, "services:\n  expose:\n    domain: example.test\nvault:\n  URL: %s\n  kvEngine: %s\n  prefix: %s/\n",
		vaultForServices, env.VaultKVMount, strings.TrimSuffix(testenv.UserVaultPath("x"), "/x")), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg, ln, base := oidcConfig(t, env)
	cfg.Plugins = map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: build("helmrepo"), Config: map[string]any{"cacheDir": filepath.Join(work, "cache"),
			"refreshInterval": "0s", "catalogs": []any{map[string]any{"id": catalogID, "location": catalog}}}},
		"s3": {Kind: "storage", Path: build("s3"), Config: map[string]any{"endpoint": env.S3Endpoint, "serviceEndpoint": s3ForServices,
			"region": env.S3Region, "sts": map[string]any{"durationSeconds": 3600}}},
		"vault": {Kind: "secrets", Path: build("vault"), Config: map[string]any{"address": env.VaultAddr, "serviceAddress": vaultForServices, "kvMount": env.VaultKVMount,
			"jwtMount": env.VaultJWTMount, "jwtRole": env.VaultJWTRole, "userHome": testenv.UserVaultPath("{username}"),
			"groupHome": testenv.GroupVaultPath("{group}"), "issuerTokenFile": issuer}},
		"k8s": {Kind: "region", Path: build("kubernetes"), Config: map[string]any{"kubeconfig": env.Kubeconfig}},
	}
	cfg.Regions = nil
	for _, mode := range []string{config.SecretInjectionScopedToken, config.SecretInjectionUserToken, config.SecretInjectionKubernetesSecret} {
		cfg.Regions = append(cfg.Regions, config.Region{ID: mode, Name: mode, Region: "k8s", Storage: "s3", Secrets: "vault",
			Settings: settings, SecretInjection: mode, SecretTokenTTL: 10 * time.Minute})
	}
	serveOIDC(t, cfg, ln, base, logscan.Logger(t, "core"))

	token, err := env.IDToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	kube, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	return &injectionWorld{env: env, base: base, token: token, ns: "user-alice", kube: kube}
}

// vaultIssuerToken configures the token role and issuer policy the Vault plugin's README asks
// for, and returns a new issuer token.
func vaultIssuerToken(t *testing.T, env *testenv.Env) string {
	t.Helper()
	ctx := t.Context()
	policy := `path "sys/policies/acl/basalt-secret-*" { capabilities = ["create", "update"] }
path "auth/token/create/basalt-secret" { capabilities = ["update"] }
path "auth/token/lookup-accessor" { capabilities = ["update"] }
path "auth/token/revoke-accessor" { capabilities = ["update"] }
`
	if err := env.Vault(ctx, "", "PUT", "/v1/sys/policies/acl/basalt-token-issuer", map[string]any{"policy": policy}, nil); err != nil {
		t.Fatal(err)
	}
	if err := env.Vault(ctx, "", "POST", "/v1/auth/token/roles/basalt-secret", map[string]any{
		"allowed_policies_glob": []string{"basalt-secret-*"}, "orphan": true, "renewable": false, "token_explicit_max_ttl": "720h"}, nil); err != nil {
		t.Fatal(err)
	}
	var created struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if err := env.Vault(ctx, "", "POST", "/v1/auth/token/create", map[string]any{
		"policies": []string{"basalt-token-issuer"}, "ttl": "1h", "no_parent": true}, &created); err != nil {
		t.Fatal(err)
	}
	return created.Auth.ClientToken
}

// call sends a request to Basalt's API as alice and decodes a JSON answer into out.
func (w *injectionWorld) call(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	// do's request has no context: cleanups call too, once the test's is done.
	resp, raw := do(t, method, w.base+"/api/v1"+path, strings.NewReader(body), jsonAs(w.token, body)...)
	if resp.StatusCode/100 != 2 {
		t.Logf("%s %s: %d %.400s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
	return resp.StatusCode
}

// launchRequest launches what body asks in w.ns in the region, deletes it when the test ends,
// and returns the release's name.
func (w *injectionWorld) launchRequest(t *testing.T, region, body string) string {
	t.Helper()
	var out struct {
		Service struct {
			ID string `json:"id"`
		} `json:"service"`
	}
	if code := w.call(t, "POST", "/projects/"+w.ns+"/services?region="+region, body, &out); code != http.StatusAccepted || out.Service.ID == "" {
		t.Fatalf("launch in %s: %d %+v", region, code, out)
	}
	name := out.Service.ID
	t.Cleanup(func() { w.call(t, "DELETE", "/projects/"+w.ns+"/services/"+name+"?region="+region, "", nil) })
	return name
}

// launch starts jupyter-python in the personal project of w.token's user (w.ns) in the region,
// picking secret, and returns the release's name once Kubernetes has its StatefulSet.
func (w *injectionWorld) launch(t *testing.T, region, secret string) string {
	t.Helper()
	name := w.launchRequest(t, region, fmt.Sprintf(`{"catalog":"ide","chart":"jupyter-python","version":"2.5.2","secret":%q}`, secret))
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if w.kubeGet(t, "/apis/apps/v1/namespaces/"+w.ns+"/statefulsets/"+name, nil) == http.StatusOK {
			return name
		}
		if time.Now().After(deadline) {
			t.Fatalf("no StatefulSet %s after two minutes", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// kubeGet reads an object of the cluster into out and returns the status.
func (w *injectionWorld) kubeGet(t *testing.T, path string, out any) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, w.env.KubeServer+path, nil)
	req.Header.Set("Authorization", "Bearer "+w.env.KubeToken)
	resp, err := w.kube.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// secret returns the data of a Secret in w.ns (nil when there is none).
func (w *injectionWorld) secret(t *testing.T, name string) map[string]string {
	t.Helper()
	var s struct {
		Data map[string][]byte `json:"data"`
	}
	if w.kubeGet(t, "/api/v1/namespaces/"+w.ns+"/secrets/"+name, &s) != http.StatusOK {
		return nil
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

// envFrom lists the Secrets the StatefulSet's containers take their environment from.
func (w *injectionWorld) envFrom(t *testing.T, name string) []string {
	t.Helper()
	var sts struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						EnvFrom []struct {
							SecretRef *struct {
								Name string `json:"name"`
							} `json:"secretRef"`
						} `json:"envFrom"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if code := w.kubeGet(t, "/apis/apps/v1/namespaces/user-alice/statefulsets/"+name, &sts); code != http.StatusOK {
		t.Fatalf("StatefulSet %s: %d", name, code)
	}
	var names []string
	for _, c := range sts.Spec.Template.Spec.Containers {
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				names = append(names, e.SecretRef.Name)
			}
		}
	}
	return names
}

// readAsService reads a secret the way the image's init script does: VAULT_TOKEN on
// <VAULT_MOUNT>/data/<VAULT_TOP_DIR>/<path>.
func (w *injectionWorld) readAsService(t *testing.T, vault map[string]string, path string) (map[string]any, error) {
	t.Helper()
	var out struct {
		Data struct {
			Data map[string]any `json:"data"`
		} `json:"data"`
	}
	err := w.env.Vault(t.Context(), vault["VAULT_TOKEN"], "GET", "/v1/"+vault["VAULT_MOUNT"]+"/data/"+vault["VAULT_TOP_DIR"]+"/"+path, nil, &out)
	return out.Data.Data, err
}

func forbidden(err error) bool {
	var ve *testenv.VaultError
	return errors.As(err, &ve) && ve.Status == http.StatusForbidden
}

// TestSecretInjectionOnTheCluster launches Onyxia's jupyter-python on the sandbox cluster in
// each secret injection mode and checks what the release created: the user's STS credentials
// in the chart's S3 Secret, and the chosen secret reaching the pod's environment.
func TestSecretInjectionOnTheCluster(t *testing.T) {
	w := newInjectionWorld(t)
	ctx := t.Context()
	dir := fmt.Sprintf("injection-%d", time.Now().UnixNano())
	top := testenv.UserVaultPath("alice")
	// Canaries (logscan.Canary): make test fails when one reaches a log, so failures below
	// tell keys and sameness, never values.
	want := map[string]any{"API_KEY": logscan.Canary(), "DB_PASSWORD": logscan.Canary() + " {{ not a template }}"}
	for path, data := range map[string]map[string]any{dir + "/api": want, dir + "/other": {"OTHER": logscan.Canary()}} {
		if err := w.env.Vault(ctx, "", "POST", "/v1/"+w.env.VaultKVMount+"/data/"+top+"/"+path, map[string]any{"data": data}, nil); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("scoped-token", func(t *testing.T) {
		name := w.launch(t, config.SecretInjectionScopedToken, dir+"/api")

		// The user's STS credentials, in the chart's S3 Secret, open alice's bucket.
		s3 := w.secret(t, name+"-secrets3")
		if s3["AWS_ACCESS_KEY_ID"] == "" || s3["AWS_ACCESS_KEY_ID"] == w.env.S3AccessKey || s3["AWS_SESSION_TOKEN"] == "" {
			t.Fatalf("the release's S3 Secret holds no temporary credentials: key id %q, session token %d bytes", s3["AWS_ACCESS_KEY_ID"], len(s3["AWS_SESSION_TOKEN"]))
		}
		creds := testenv.S3Credentials{AccessKey: s3["AWS_ACCESS_KEY_ID"], SecretKey: s3["AWS_SECRET_ACCESS_KEY"], SessionToken: s3["AWS_SESSION_TOKEN"]}
		if err := w.env.S3(creds).PutObject(ctx, testenv.UserBucket("alice"), dir+"/from-the-service.txt", []byte("hi")); err != nil {
			t.Errorf("the service's S3 credentials cannot write alice's bucket: %v", err)
		}
		if _, err := w.env.S3(creds).GetObject(ctx, testenv.UserBucket("bob"), "anything"); err == nil {
			t.Errorf("the service's S3 credentials read bob's bucket")
		}

		vault := w.secret(t, name+"-secretvault")
		if vault["VAULT_TOKEN"] == "" || vault["VAULT_RELATIVE_PATH"] != dir+"/api" || vault["VAULT_TOP_DIR"] != top {
			t.Fatalf("the release's Vault Secret: token %d bytes, relative path %q, top dir %q", len(vault["VAULT_TOKEN"]), vault["VAULT_RELATIVE_PATH"], vault["VAULT_TOP_DIR"])
		}
		if refs := strings.Join(w.envFrom(t, name), ","); !strings.Contains(refs, name+"-secretvault") {
			t.Errorf("the pod's environment comes from %s, not the Vault Secret", refs)
		}
		got, err := w.readAsService(t, vault, vault["VAULT_RELATIVE_PATH"])
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("the service reads its secret: keys %v, as written %v, %v", slices.Sorted(maps.Keys(got)), fmt.Sprint(got) == fmt.Sprint(want), err)
		}
		if _, err := w.readAsService(t, vault, dir+"/other"); !forbidden(err) {
			t.Errorf("the scoped token reads another secret of alice's: %v", err)
		}
		meta := w.secret(t, "sh.onyxia.release.v1."+name)
		accessor := meta["secretsTokenAccessor"]
		var looked struct {
			Data struct {
				TTL int `json:"ttl"`
			} `json:"data"`
		}
		if err := w.env.Vault(ctx, "", "POST", "/v1/auth/token/lookup-accessor", map[string]any{"accessor": accessor}, &looked); err != nil ||
			looked.Data.TTL <= 0 || looked.Data.TTL > 600 {
			t.Errorf("the token kept with the release (accessor %q): ttl %d, %v", accessor, looked.Data.TTL, err)
		}

		if code := w.call(t, "DELETE", "/projects/user-alice/services/"+name+"?region="+config.SecretInjectionScopedToken, "", nil); code != http.StatusOK {
			t.Fatalf("delete: %d", code)
		}
		if _, err := w.readAsService(t, vault, vault["VAULT_RELATIVE_PATH"]); !forbidden(err) {
			t.Errorf("the token still reads after the service was deleted: %v", err)
		}
		if err := w.env.Vault(ctx, "", "POST", "/v1/auth/token/lookup-accessor", map[string]any{"accessor": accessor}, nil); err == nil {
			t.Errorf("Vault still knows the token of the deleted service")
		}
	})

	t.Run("user-token", func(t *testing.T) {
		name := w.launch(t, config.SecretInjectionUserToken, dir+"/api")
		vault := w.secret(t, name+"-secretvault")
		got, err := w.readAsService(t, vault, vault["VAULT_RELATIVE_PATH"])
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("the service reads its secret with the user's token: keys %v, as written %v, %v", slices.Sorted(maps.Keys(got)), fmt.Sprint(got) == fmt.Sprint(want), err)
		}
		// Onyxia's behaviour: the user's own token reads everything the user may.
		if _, err := w.readAsService(t, vault, dir+"/other"); err != nil {
			t.Errorf("the user's own token should read the user's other secrets: %v", err)
		}
		if meta := w.secret(t, "sh.onyxia.release.v1."+name); meta["secretsTokenAccessor"] != "" {
			t.Errorf("a user-token launch keeps an accessor to revoke")
		}
	})

	t.Run("kubernetes-secret", func(t *testing.T) {
		name := w.launch(t, config.SecretInjectionKubernetesSecret, dir+"/api")
		if vault := w.secret(t, name+"-secretvault"); vault["VAULT_TOKEN"] != "" {
			t.Errorf("a kubernetes-secret launch hands the service a Vault token")
		}
		kept := w.secret(t, sdk.ReleaseSecretName(name))
		env := w.secret(t, name+"-secretextraenv")
		for k, v := range want {
			if kept[k] != v || env[k] != v {
				t.Errorf("%s: as written in the release's Secret %v, in the pod's environment Secret %v", k, kept[k] == v, env[k] == v)
			}
		}
		if _, ok := env["OTHER"]; ok {
			t.Errorf("another secret reached the service")
		}
		if refs := strings.Join(w.envFrom(t, name), ","); !strings.Contains(refs, name+"-secretextraenv") {
			t.Errorf("the pod's environment comes from %s, not the secret's", refs)
		}
		if code := w.call(t, "DELETE", "/projects/user-alice/services/"+name+"?region="+config.SecretInjectionKubernetesSecret, "", nil); code != http.StatusOK {
			t.Fatalf("delete: %d", code)
		}
		if w.secret(t, sdk.ReleaseSecretName(name)) != nil {
			t.Errorf("the secret's Secret outlived the service")
		}
	})
}

// TestSecretInjectionWithoutTokens launches jupyter-python with a secret from a store that
// hands out no tokens (the memory plugin, like local secrets): the default mode gives the
// service the secret through a Secret beside the release, and no value reaches the answer.
func TestSecretInjectionWithoutTokens(t *testing.T) {
	mem := testplugin.Memory(t)
	charts := map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD",
		"charts": []any{onyxiaChart(t, "jupyter-python-2.5.2.tgz")}}}}
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: charts},
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username=alice") + "/api/v1/projects/user-alice"
	value := logscan.Canary()
	if resp, body := do(t, http.MethodPut, base+"/secrets/secret?path=app/api", strings.NewReader(`{"data":{"API_KEY":"`+value+`"}}`),
		"Content-Type", "application/json"); resp.StatusCode != 200 {
		t.Fatalf("fixture secret: %d %s", resp.StatusCode, body)
	}
	code, raw := postJSON(t, base+"/services", `{"catalog":"ide","chart":"jupyter-python","secret":"app/api"}`)
	body := string(raw)
	if code != http.StatusAccepted || strings.Contains(body, value) {
		t.Fatalf("launch: %d, the answer holds the secret's value: %v", code, strings.Contains(body, value))
	}
	var launched struct {
		Service struct {
			ID string `json:"id"`
		} `json:"service"`
	}
	_ = json.Unmarshal([]byte(body), &launched)
	var details struct {
		Values   map[string]any `json:"values"`
		Manifest string         `json:"manifest"`
	}
	if code := getJSON(t, base+"/services/"+launched.Service.ID+"?values=true", &details); code != 200 {
		t.Fatalf("service: %d", code)
	}
	if !strings.Contains(details.Manifest, sdk.ReleaseSecretName(launched.Service.ID)) || !strings.Contains(details.Manifest, "keys: API_KEY") {
		t.Errorf("the release has no Secret with the secret's keys:\n%s", details.Manifest)
	}
	env, _ := json.Marshal(details.Values["extraEnvVars"])
	if !strings.Contains(string(env), `lookup \"v1\" \"Secret\"`) || strings.Contains(string(env), value) {
		t.Errorf("extraEnvVars must read the Secret, not hold the value: holds it %v, reads the Secret %v",
			strings.Contains(string(env), value), strings.Contains(string(env), `lookup \"v1\" \"Secret\"`))
	}
	if code, body := postJSON(t, base+"/services", `{"catalog":"ide","chart":"jupyter-python","secret":"../bob/api"}`); code != 400 || !strings.Contains(string(body), `"secret"`) {
		t.Errorf("a secret outside the project: %d %s", code, body)
	}
}
