package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// twoVersions has one chart in two versions: 2.0.0 moves its image on and adds a value.
var twoVersions = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "image: notebook:1\ncpu: 1\nowner: \"\"\n", "schema": notebookSchema(false)},
	map[string]any{"name": "notebook", "version": "2.0.0", "values": "image: notebook:2\ncpu: 1\nowner: \"\"\ntheme: light\n", "schema": notebookSchema(true)},
}}}}

func notebookSchema(themed bool) map[string]any {
	props := map[string]any{
		"image": map[string]any{"type": "string"},
		"cpu":   map[string]any{"type": "integer", "minimum": 1, "maximum": 8},
		"owner": map[string]any{"type": "string", "x-onyxia": map[string]any{"overwriteDefaultWith": "user.idep", "readonly": true}},
	}
	if themed {
		props["theme"] = map[string]any{"type": "string", "enum": []any{"light", "dark"}}
	}
	return map[string]any{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": props}
}

// TestChangeUpgradeAndRollBack launches version 1.0.0, opens the change form for 2.0.0 (the
// user's cpu carried, the new image), plans it (the difference shown, nothing changed),
// applies it with one more change, lists the history and rolls back to the first revision.
func TestChangeUpgradeAndRollBack(t *testing.T) {
	mem := testplugin.Memory(t)
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: twoVersions},
		"k8s":    {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username=alice") + "/api/v1/projects/user-alice/services"

	code, body := postJSON(t, base, `{"catalog":"ide","chart":"notebook","version":"1.0.0","values":{"cpu":2}}`)
	var launched LaunchResult
	if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
		t.Fatalf("launch: %d %s", code, body)
	}
	svc := base + "/" + launched.Service.ID

	var form ChangeForm
	if code := getJSON(t, svc+"/change/form?version=2.0.0", &form); code != 200 || form.CurrentVersion != "1.0.0" || form.Version != "2.0.0" {
		t.Fatalf("change form: %d %+v", code, form)
	}
	if len(form.Versions) != 2 || form.Versions[0] != "2.0.0" {
		t.Errorf("versions offered: %v, want 2.0.0 first", form.Versions)
	}
	filled := map[string]any{}
	for _, f := range form.Form.Root.Fields {
		filled[f.Path] = f.Value
	}
	if filled["cpu"] != float64(2) || filled["image"] != "notebook:2" || filled["theme"] != "light" {
		t.Errorf("the form must carry the user's cpu (2) and show the new version's image and theme: %v", filled)
	}

	code, body = postJSON(t, svc+"/change/plan", `{"version":"2.0.0"}`)
	var plan ChangeView
	if code != 200 || json.Unmarshal(body, &plan) != nil {
		t.Fatalf("change plan: %d %s", code, body)
	}
	changed := map[string]ValueChangeView{}
	for _, v := range plan.Diff.Values {
		changed[v.Path] = v
	}
	if plan.FromVersion != "1.0.0" || plan.ToVersion != "2.0.0" || changed["image"].After != "notebook:2" || changed["theme"].After != "light" {
		t.Errorf("the plan's difference: %+v", plan)
	}
	if _, ok := changed["cpu"]; ok {
		t.Errorf("the user's cpu must be carried, not changed: %+v", changed["cpu"])
	}
	var details ServiceDetails
	if getJSON(t, svc, &details); details.Service.Version != "1.0.0" {
		t.Fatalf("a dry run changed the service: version %s", details.Service.Version)
	}

	code, body = postJSON(t, svc+"/change/plan", `{"version":"2.0.0","values":{"owner":"bob"}}`)
	if code != http.StatusBadRequest || !strings.Contains(string(body), `"owner"`) {
		t.Errorf("a read-only value changed: %d %s, want 400 naming owner", code, body)
	}

	code, body = postJSON(t, svc+"/change", `{"version":"2.0.0","values":{"cpu":3}}`)
	var applied ChangeView
	if code != http.StatusAccepted || json.Unmarshal(body, &applied) != nil || applied.Service == nil || applied.Service.Version != "2.0.0" {
		t.Fatalf("change: %d %s", code, body)
	}

	var history RevisionList
	if code := getJSON(t, svc+"/history", &history); code != 200 || len(history.Revisions) != 2 || history.Revisions[0].ChartVersion != "2.0.0" {
		t.Fatalf("history: %d %+v", code, history)
	}

	code, body = postJSON(t, svc+"/rollback/plan", `{"revision":1}`)
	var back RollbackView
	if code != 200 || json.Unmarshal(body, &back) != nil || back.ToVersion != "1.0.0" {
		t.Fatalf("rollback plan: %d %s", code, body)
	}
	cpu := false
	for _, v := range back.Diff.Values {
		cpu = cpu || (v.Path == "cpu" && v.Before == float64(3) && v.After == float64(2))
	}
	if !cpu {
		t.Errorf("the rollback's difference must bring cpu back from 3 to 2: %+v", back.Diff.Values)
	}
	code, body = postJSON(t, svc+"/rollback", `{"revision":1}`)
	if code != http.StatusAccepted || json.Unmarshal(body, &back) != nil || back.Service == nil || back.Service.Version != "1.0.0" {
		t.Fatalf("rollback: %d %s", code, body)
	}
	if code, body := postJSON(t, svc+"/rollback", `{"revision":9}`); code != http.StatusBadRequest || !strings.Contains(string(body), "revision") {
		t.Errorf("a revision that does not exist: %d %s, want 400 naming revision", code, body)
	}
}
