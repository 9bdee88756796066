package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// A region whose plugins answer that they hand out no keys or token (local files, the local
// secrets store) says so in /api/v1/config after their first answer, so that the portal's
// account page stops asking for them at every visit.
func TestConfigSaysWhatTheRegionLacks(t *testing.T) {
	plugins := localFiles(t)
	plugins["secrets"] = config.Plugin{Kind: "secrets", Path: testplugin.Path(t, "basalt-plugin-localsecrets"),
		Config: map[string]any{"file": filepath.Join(t.TempDir(), "secrets.enc")}}
	base := startWithPlugins(t, plugins, "auth.local.username=alice")
	lacks := func() []string {
		t.Helper()
		resp, body := get(t, base+"/api/v1/config")
		var got UIConfig
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got.Regions) != 1 {
			t.Fatalf("config: %d %s", resp.StatusCode, body)
		}
		if r := got.Regions[0]; !r.Files || !r.Secrets {
			t.Fatalf("the region has files and secrets: %+v", r)
		}
		return got.Regions[0].Lacks
	}
	if got := lacks(); got != nil {
		t.Fatalf("before any answer, the region lacks %v", got)
	}
	creds := base + "/api/v1/projects/user-alice/credentials/"
	if resp, body := do(t, http.MethodGet, creds+"secrets", nil); resp.StatusCode != http.StatusNotImplemented {
		t.Fatalf("a token of the local secrets store: %d %s", resp.StatusCode, body)
	}
	if got := lacks(); !reflect.DeepEqual(got, []string{"secretsToken"}) {
		t.Errorf("after the secrets store's answer, the region lacks %v", got)
	}
	if resp, body := do(t, http.MethodGet, creds+"storage", nil); resp.StatusCode != http.StatusNotImplemented {
		t.Fatalf("keys to local files: %d %s", resp.StatusCode, body)
	}
	if got := lacks(); !reflect.DeepEqual(got, []string{"storageCredentials", "secretsToken"}) {
		t.Errorf("after both answers, the region lacks %v", got)
	}
	// What the region has still answers: its files.
	if resp, body := do(t, http.MethodGet, base+"/api/v1/projects/user-alice/files", nil); resp.StatusCode != 200 {
		t.Errorf("files: %d %s", resp.StatusCode, body)
	}
}

// defaultJupyter is the default catalog's Jupyter as the memory catalog takes it: its Vault
// and S3 tabs are Basalt's ide/vault.json and ide/s3.json.
func defaultJupyter(t *testing.T) map[string]any {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "config", "catalog", "jupyter")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return map[string]any{"name": "jupyter", "version": "1.0.0", "values": string(read("values.yaml")), "schema": json.RawMessage(read("values.schema.json"))}
}

// In a region like make run's without its sandbox (local files, the local secrets store), the
// launch form's S3 and Vault tabs start off and say why, and a launch of the form as it comes
// carries neither section on: the service would get empty settings.
func TestLaunchFormSwitchesOffWhatTheRegionLacks(t *testing.T) {
	plugins := localFiles(t)
	mem := testplugin.Memory(t)
	plugins["secrets"] = config.Plugin{Kind: "secrets", Path: testplugin.Path(t, "basalt-plugin-localsecrets"),
		Config: map[string]any{"file": filepath.Join(t.TempDir(), "secrets.enc")}}
	plugins["charts"] = config.Plugin{Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: map[string]any{"catalogs": []any{
		map[string]any{"id": "basalt", "status": "PROD", "charts": []any{defaultJupyter(t)}}}}}
	plugins["k8s"] = config.Plugin{Kind: "region", Path: mem, Args: []string{"region"}}
	project := startWithPlugins(t, plugins, "auth.local.username=alice") + "/api/v1/projects/user-alice"

	var lf LaunchForm
	if code := getJSON(t, project+"/launch/form?catalog=basalt&chart=jupyter", &lf); code != 200 || lf.Form.Root == nil {
		t.Fatalf("launch form: %d %+v", code, lf)
	}
	sections := map[string]*form.Field{}
	for _, f := range lf.Form.Root.Fields {
		sections[f.Key] = f
	}
	for key, lack := range map[string]string{"vault": "secretsToken", "s3": "storageCredentials"} {
		f := sections[key]
		if f == nil {
			t.Fatalf("the form has no %s section", key)
		}
		if f.Lacks != lack {
			t.Errorf("%s section lacks %q, want %q", key, f.Lacks, lack)
		}
		for _, c := range f.Fields {
			if c.Key == "enabled" && (c.Value != false || c.Default != false) {
				t.Errorf("%s.enabled is %v (default %v), want off", key, c.Value, c.Default)
			}
		}
	}
	if g := sections["git"]; g == nil || g.Lacks != "" {
		t.Errorf("the git section, which reads the user's settings, lacks nothing: %+v", g)
	}

	code, body := postJSON(t, project+"/launch/plan", `{"catalog":"basalt","chart":"jupyter","release":"`+lf.Release+`"}`)
	var plan PlanView
	if code != 200 || json.Unmarshal(body, &plan) != nil {
		t.Fatalf("plan: %d %s", code, body)
	}
	for _, key := range []string{"vault", "s3"} {
		if section, _ := plan.Values[key].(map[string]any); section["enabled"] != false {
			t.Errorf("the planned %s section is %v, want enabled false", key, plan.Values[key])
		}
	}
	// The user may still turn a section on (to pick a secret that reaches the service another way).
	code, body = postJSON(t, project+"/launch/plan", `{"catalog":"basalt","chart":"jupyter","release":"`+lf.Release+`","values":{"vault":{"enabled":true}}}`)
	if code != 200 || json.Unmarshal(body, &plan) != nil {
		t.Fatalf("plan: %d %s", code, body)
	}
	if section, _ := plan.Values["vault"].(map[string]any); section["enabled"] != true {
		t.Errorf("the user's vault.enabled true is planned as %v", plan.Values["vault"])
	}
}
