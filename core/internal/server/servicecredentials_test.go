package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/audit"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// passwordCatalog's notebook asks for three passwords: the service's own (Basalt's
// ide/password.json, a one-time password), a database password of the chart's own, and the
// user's git token, which is not the service's; its jupyter is one of lifecycle.probes'
// charts, whose token is security.password although its form does not draw it as a password.
var passwordCatalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "image: notebook:1\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"image": map[string]any{"type": "string"},
				"security": map[string]any{"type": "object", "properties": map[string]any{
					"password": map[string]any{"type": "string", "x-onyxia": map[string]any{"overwriteSchemaWith": "ide/password.json"}},
				}},
				"database": map[string]any{"type": "object", "properties": map[string]any{
					"adminPassword": map[string]any{"type": "string", "title": "Database password", "format": "password", "default": "chart-default-pw"},
				}},
				"git": map[string]any{"type": "object", "properties": map[string]any{
					"token": map[string]any{"type": "string", "default": "", "render": "password",
						"x-onyxia": map[string]any{"overwriteDefaultWith": "{{git.token}}"}},
				}},
			},
		}},
	map[string]any{"name": "jupyter", "version": "1.0.0", "values": "security:\n  password: \"\"\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{"security": map[string]any{"type": "object", "properties": map[string]any{
				"password": map[string]any{"type": "string", "default": ""},
			}}},
		}},
}}}}

// TestServiceCredentials: the owner reads the service's own passwords (the one-time password
// the launch chose, the chart's database password) and a Jupyter chart's token, never the git
// token the service was handed; another member gets 403, a service they cannot see 404; the
// answer is not cached, its command carries no password, and each read is audited without it.
func TestServiceCredentials(t *testing.T) {
	h := &hook{}
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	mem := testplugin.Memory(t)
	root, host := startHost(t, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: passwordCatalog},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username=alice", "auth.local.groups=[data-team]", "audit.webhook_url="+receiver.URL)
	base := root + "/api/v1"
	if resp, body := do(t, http.MethodPut, base+"/me/settings", strings.NewReader(`{"gitToken":"glpat-0123"}`), "Content-Type", "application/json"); resp.StatusCode != 200 {
		t.Fatalf("settings: %d %s", resp.StatusCode, body)
	}
	services := base + "/projects/user-alice/services"
	launch := func(body string) string {
		t.Helper()
		code, raw := postJSON(t, services, body)
		var launched LaunchResult
		if code != http.StatusAccepted || json.Unmarshal(raw, &launched) != nil {
			t.Fatalf("launch %s: %d %s", body, code, raw)
		}
		return launched.Service.ID
	}
	reveal := func(url string) (*http.Response, ServiceCredentials, string) {
		t.Helper()
		resp, raw := get(t, url)
		var got ServiceCredentials
		if resp.StatusCode == 200 {
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("%s: %v %s", url, err, raw)
			}
		}
		return resp, got, raw
	}
	byPath := func(cs []ServiceCredential) map[string]ServiceCredential {
		out := map[string]ServiceCredential{}
		for _, c := range cs {
			out[c.Path] = c
		}
		return out
	}

	notebook := launch(`{"catalog":"ide","chart":"notebook"}`)
	resp, got, raw := reveal(services + "/" + notebook + "/credentials")
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("credentials: %d (Cache-Control %q) %s", resp.StatusCode, resp.Header.Get("Cache-Control"), raw)
	}
	found := byPath(got.Credentials)
	own := found["security.password"]
	if len(got.Credentials) != 2 || own.Kind != "password" || own.Title != "Password of the service" || own.Value == "" || own.Value == "changeme" {
		t.Fatalf("the service's passwords: %+v, want the one-time password and the database's", got.Credentials)
	}
	if db := found["database.adminPassword"]; db.Value != "chart-default-pw" || db.Title != "Database password" || db.Kind != "password" {
		t.Errorf("the chart's own password: %+v", db)
	}
	if strings.Contains(raw, "glpat-0123") {
		t.Errorf("the user's git token is not the service's password: %s", raw)
	}
	if len(got.Commands) != 1 || got.Commands[0] != "helm get values "+notebook+" --namespace user-alice --output json" || strings.Contains(got.Commands[0], own.Value) {
		t.Errorf("commands %q, want the helm command without the password", got.Commands)
	}
	// The service's page still shows them masked: this route alone reveals them.
	var details ServiceDetails
	if getJSON(t, services+"/"+notebook, &details); bytes.Contains(details.Values, []byte(own.Value)) || bytes.Contains(details.Values, []byte("chart-default-pw")) {
		t.Errorf("the service's values show a password in clear: %s", details.Values)
	}

	// A password the user typed is the one shown.
	typed := launch(`{"catalog":"ide","chart":"notebook","values":{"security":{"password":"typed-by-alice"}}}`)
	if _, got, _ := reveal(services + "/" + typed + "/credentials"); byPath(got.Credentials)["security.password"].Value != "typed-by-alice" {
		t.Errorf("the typed password: %+v", got.Credentials)
	}

	// Jupyter's token is found through lifecycle.probes, as the gateway finds it.
	jupyter := launch(`{"catalog":"ide","chart":"jupyter","values":{"security":{"password":"jupyter-token-1"}}}`)
	if _, got, raw := reveal(services + "/" + jupyter + "/credentials"); len(got.Credentials) != 1 ||
		got.Credentials[0] != (ServiceCredential{Path: "security.password", Title: "security.password", Kind: "token", Value: "jupyter-token-1"}) {
		t.Errorf("Jupyter's token: %s", raw)
	}

	// A service launched from a catalog that no longer exists still has its token; a chart
	// with no password has none.
	region, _ := host.Region("k8s")
	alice := sdk.Caller{Username: "alice", Groups: []string{"data-team"}}
	group := sdk.Project{ID: "project-data-team", Group: "data-team"}
	installAs := func(caller sdk.Caller, project sdk.Project, name string, meta sdk.ReleaseMetadata, values string) {
		t.Helper()
		archive, err := memory.PackageChart(memory.Chart{Name: meta.Chart, Version: "1.0.0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := region.Onboard(t.Context(), sdk.OnboardRequest{Caller: caller, Project: project}); err != nil {
			t.Fatal(err)
		}
		if _, err := region.Install(t.Context(), sdk.InstallRequest{Caller: caller, Project: project, ReleaseName: name,
			Archive: bytes.NewReader(archive), Values: []byte(values), Metadata: meta}); err != nil {
			t.Fatal(err)
		}
	}
	installAs(alice, sdk.Project{ID: "user-alice"}, "orphan", sdk.ReleaseMetadata{Catalog: "gone", Chart: "jupyter", Owner: "alice"},
		`{"security":{"password":"orphan-token"}}`)
	if _, got, raw := reveal(services + "/orphan/credentials"); len(got.Credentials) != 1 || got.Credentials[0].Value != "orphan-token" {
		t.Errorf("the token of a service whose catalog is gone: %s", raw)
	}
	installAs(alice, sdk.Project{ID: "user-alice"}, "plain", sdk.ReleaseMetadata{Catalog: "ide", Chart: "other", Owner: "alice"},
		`{"security":{"password":"not-a-known-password"}}`)
	if resp, got, raw := reveal(services + "/plain/credentials"); resp.StatusCode != 200 || len(got.Credentials) != 0 || strings.Contains(raw, "not-a-known") {
		t.Errorf("a chart with no password the form or the configuration knows: %d %s", resp.StatusCode, raw)
	}

	// In the group's project: bob's shared service is his alone to read, his private one is
	// not even there for alice.
	bob := sdk.Caller{Username: "bob", Groups: []string{"data-team"}}
	installAs(bob, group, "bobs-shared", sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: "bob", Shared: true}, `{"security":{"password":"bobs-token"}}`)
	installAs(bob, group, "bobs-own", sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: "bob"}, `{"security":{"password":"bobs-token"}}`)
	groupServices := base + "/projects/project-data-team/services/"
	for name, want := range map[string]int{"bobs-shared": 403, "bobs-own": 404, "nothing": 404} {
		if resp, _, raw := reveal(groupServices + name + "/credentials"); resp.StatusCode != want || strings.Contains(raw, "bobs-token") {
			t.Errorf("alice reading %s's passwords: %d %s, want %d", name, resp.StatusCode, raw, want)
		}
	}

	// The settings, three launches, five reads by alice and three refused.
	events := h.wait(t, 12)
	var reads []audit.Event
	for _, e := range events {
		if e.Action == "services.credentials" {
			reads = append(reads, e)
		}
		if raw, _ := json.Marshal(e); bytes.Contains(raw, []byte(own.Value)) || bytes.Contains(raw, []byte("jupyter-token-1")) {
			t.Errorf("an audit event carries a password: %s", raw)
		}
	}
	if len(reads) != 8 || reads[0].Target != notebook || reads[0].Outcome != audit.Success || reads[0].Actor != "alice" ||
		reads[7].Outcome != audit.Denied {
		t.Errorf("audit events of the reads: %+v", reads)
	}
}
