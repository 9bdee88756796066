package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// launchCatalog has one chart whose schema uses Onyxia's conventions.
var launchCatalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "global:\n  suspend: false\ncpu: 1\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"owner":   map[string]any{"type": "string", "x-onyxia": map[string]any{"overwriteDefaultWith": "user.idep", "readonly": true}},
				"cpu":     map[string]any{"type": "integer", "default": 1, "minimum": 1, "maximum": 8},
				"flavour": map[string]any{"type": "string", "default": "python", "enum": []any{"python", "r"}},
				"global": map[string]any{"type": "object", "properties": map[string]any{
					"suspend": map[string]any{"type": "boolean", "default": false}}},
			},
		}},
}}}}

func launchServer(t *testing.T, user, groups string) string {
	t.Helper()
	mem := testplugin.Memory(t)
	return startWithPlugins(t, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: launchCatalog},
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username="+user, "auth.local.groups="+groups) + "/api/v1"
}

func postJSON(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, data := do(t, http.MethodPost, url, strings.NewReader(body), "Content-Type", "application/json")
	return resp.StatusCode, data
}

func TestLaunch(t *testing.T) {
	base := launchServer(t, "alice", "[data-team]")
	p := base + "/projects/user-alice"

	var form struct {
		Form struct {
			Chart string
			Root  map[string]any
		}
	}
	if code := getJSON(t, p+"/launch/form?catalog=ide&chart=notebook", &form); code != 200 || form.Form.Chart != "notebook" || form.Form.Root == nil {
		t.Fatalf("form: %d %+v", code, form)
	}
	raw, _ := json.Marshal(form.Form.Root)
	if !strings.Contains(string(raw), `"alice"`) {
		t.Fatalf("the form must be pre-filled with the user's values: %s", raw)
	}

	code, body := postJSON(t, p+"/launch/plan", `{"catalog":"ide","chart":"notebook","values":{"cpu":"many","flavour":"julia","owner":"bob"}}`)
	var e httpapi.ErrorBody
	_ = json.Unmarshal(body, &e)
	details, _ := json.Marshal(e.Error.Details)
	for _, field := range []string{"cpu", "flavour", "owner"} {
		if !strings.Contains(string(details), `"field":"`+field+`"`) {
			t.Errorf("invalid %s not reported: %d %s", field, code, body)
		}
	}
	if code != 400 {
		t.Fatalf("invalid values: %d, want 400", code)
	}

	code, body = postJSON(t, p+"/launch/plan", `{"catalog":"ide","chart":"notebook","values":{"cpu":2},"link":"name=nb&cpu.=4"}`)
	var plan PlanView
	if json.Unmarshal(body, &plan) != nil || code != 200 || plan.Values["cpu"] != float64(4) || plan.Values["owner"] != "alice" {
		t.Fatalf("plan (the link's overrides apply last): %d %s", code, body)
	}
	if len(plan.Commands) != 1 || !strings.Contains(plan.Commands[0], "helm upgrade --install") || !strings.Contains(plan.Commands[0], "--namespace user-alice") {
		t.Fatalf("plan commands: %v", plan.Commands)
	}

	code, body = postJSON(t, base+"/projects/user-alice/services", `{"catalog":"ide","chart":"notebook","name":"My notebook","values":{"cpu":2}}`)
	var launched struct{ Service ServiceView }
	if json.Unmarshal(body, &launched) != nil || code != 202 || !strings.HasPrefix(launched.Service.ID, "notebook-") {
		t.Fatalf("launch: %d %s", code, body)
	}
	var detail struct {
		Service ServiceView
		Values  map[string]any
	}
	getJSON(t, p+"/services/"+launched.Service.ID, &detail)
	if detail.Service.FriendlyName != "My notebook" || detail.Service.Owner != "alice" || detail.Values["cpu"] != float64(2) {
		t.Fatalf("the launched service: %+v %v", detail.Service, detail.Values)
	}

	if code, body := postJSON(t, base+"/projects/user-alice/services", `{"catalog":"ide","chart":"notebook","shared":true}`); code != 400 {
		t.Fatalf("sharing in a personal project: %d %s", code, body)
	}
	if code, body := postJSON(t, base+"/projects/project-data-team/services", `{"catalog":"ide","chart":"notebook","shared":true}`); code != 202 {
		t.Fatalf("a shared launch in the group: %d %s", code, body)
	}
	for _, bad := range []string{
		`{"catalog":"ide","chart":"notebook","version":"9.9.9"}`,
		`{"catalog":"nope","chart":"notebook"}`,
		`{"catalog":"ide","chart":"nope"}`,
	} {
		if code, body := postJSON(t, p+"/launch/plan", bad); code != 404 {
			t.Errorf("%s: want 404, got %d %s", bad, code, body)
		}
	}
	if code, body := postJSON(t, p+"/launch/plan", `{"chart":"notebook"}`); code != 400 || !strings.Contains(string(body), `"catalog"`) {
		t.Errorf("a missing catalog must be named: %d %s", code, body)
	}
	if code, _ := postJSON(t, base+"/projects/project-finance/services", `{"catalog":"ide","chart":"notebook"}`); code != 404 {
		t.Errorf("launching into a project that is not the caller's: %d, want 404", code)
	}
}

func TestSavedConfigurations(t *testing.T) {
	base := launchServer(t, "alice", "[data-team]")
	cfgs := base + "/projects/user-alice/configurations"
	put := func(name, body string) int {
		resp, _ := do(t, http.MethodPut, cfgs+"/"+name, strings.NewReader(body), "Content-Type", "application/json")
		return resp.StatusCode
	}
	if code := put("big%20notebook", `{"launch":{"catalog":"ide","chart":"notebook","values":{"cpu":4},"name":"big"}}`); code != 200 {
		t.Fatalf("save: %d", code)
	}
	if code := put("bad", `{"launch":{"chart":"notebook"}}`); code != 400 {
		t.Fatalf("a configuration without catalog: %d", code)
	}
	if code := put("..%2Fescape", `{"launch":{"catalog":"ide","chart":"notebook"}}`); code != 400 && code != 404 {
		t.Fatalf("a name with a slash: %d", code)
	}
	var list struct{ Configurations []SavedConfiguration }
	if code := getJSON(t, cfgs, &list); code != 200 || len(list.Configurations) != 1 || list.Configurations[0].Launch.Values["cpu"] != float64(4) {
		t.Fatalf("list: %d %+v", code, list)
	}
	var one SavedConfiguration
	if code := getJSON(t, cfgs+"/big%20notebook", &one); code != 200 || one.Launch.Name != "big" {
		t.Fatalf("get: %d %+v", code, one)
	}
	// Basalt's folder is neither listed nor reachable through the secrets API.
	var secrets SecretList
	getJSON(t, base+"/projects/user-alice/secrets", &secrets)
	for _, e := range secrets.Entries {
		if strings.HasPrefix(e.Name, ".basalt") {
			t.Fatalf("the secrets listing shows Basalt's folder: %+v", secrets)
		}
	}
	if code := getJSON(t, base+"/projects/user-alice/secrets?path=.basalt/configurations", nil); code != 404 {
		t.Fatalf("Basalt's folder through the secrets API: %d", code)
	}
	if code := getJSON(t, base+"/projects/project-data-team/configurations/big%20notebook", nil); code != 404 {
		t.Fatalf("a personal configuration seen from the group: %d", code)
	}
	if resp, _ := do(t, http.MethodDelete, cfgs+"/big%20notebook", nil); resp.StatusCode != 204 {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	if code := getJSON(t, cfgs+"/big%20notebook", nil); code != 404 {
		t.Fatalf("after delete: %d", code)
	}
}

func TestFormAndPlanWithoutRegion(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Memory(t), Args: []string{"catalog"}, Config: launchCatalog},
	}, "auth.local.username=alice")
	p := base + "/api/v1/projects/user-alice"
	if code := getJSON(t, p+"/launch/form?catalog=ide&chart=notebook", nil); code != 200 {
		t.Fatalf("a form needs no region: %d", code)
	}
	code, body := postJSON(t, p+"/launch/plan", `{"catalog":"ide","chart":"notebook"}`)
	if code != 200 || !strings.Contains(string(body), "--namespace user-alice") {
		t.Fatalf("a plan needs no region: %d %s", code, body)
	}
	code, body = postJSON(t, p+"/services", `{"catalog":"ide","chart":"notebook"}`)
	if code != 501 || !strings.Contains(string(body), "runs no services") {
		t.Fatalf("launching without a region: %d %s", code, body)
	}
}

// resourcesCatalog has a chart whose memory limit, like Onyxia's resources sections, takes
// the region's default.
var resourcesCatalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "memory: 50Gi\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"memory": map[string]any{"type": "string", "default": "50Gi",
					"x-onyxia": map[string]any{"overwriteDefaultWith": "region.resources.memoryLimit"}},
			},
		}},
}}}}

// TestRegionResourcesFillTheForm plans a launch in the embedded default's region, whose
// resources (config/default.yaml) size services for one machine.
func TestRegionResourcesFillTheForm(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Memory(t), Args: []string{"catalog"}, Config: resourcesCatalog},
	}, "auth.local.username=alice")
	code, body := postJSON(t, base+"/api/v1/projects/user-alice/launch/plan", `{"catalog":"ide","chart":"notebook"}`)
	var plan PlanView
	if json.Unmarshal(body, &plan) != nil || code != 200 || plan.Values["memory"] != "4Gi" {
		t.Fatalf("plan: %d, memory %v; want the region's 4Gi", code, plan.Values["memory"])
	}
}
