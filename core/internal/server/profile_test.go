package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// profileCatalog has a chart whose team comes from the user's profile, as an administrator's
// chart would take it (x-onyxia.overwriteDefaultWith: user.profile.team).
var profileCatalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "team: nobody\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"team":     map[string]any{"type": "string", "default": "nobody", "x-onyxia": map[string]any{"overwriteDefaultWith": "user.profile.team"}},
				"language": map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "{{user.profile.preferredLanguage}}"}},
				"global": map[string]any{"type": "object", "properties": map[string]any{
					"suspend": map[string]any{"type": "boolean", "default": false}}},
			},
		}},
}}}}

const profileSchemaJSON = `{
  "type": "object",
  "required": ["team"],
  "properties": {
    "team": {"type": "string", "title": "Team", "enum": ["data-science", "statistics"]},
    "preferredLanguage": {"type": "string", "default": "python", "maxLength": 20},
    "cpuBudget": {"type": "integer", "minimum": 1, "maximum": 16, "default": 2}
  }
}`

func TestProfileFeedsLaunches(t *testing.T) {
	schemaFile := filepath.Join(t.TempDir(), "profile.json")
	if err := os.WriteFile(schemaFile, []byte(profileSchemaJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	mem := testplugin.Memory(t)
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: profileCatalog},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username=alice", "auth.local.groups=[data-team]", "profile.schema_file="+schemaFile) + "/api/v1"

	// Before any save: the schema, its form in the file's order, no values.
	var view ProfileView
	if code := getJSON(t, base+"/me/profile", &view); code != 200 || view.Schema == nil || view.Form == nil || len(view.Values) != 0 {
		t.Fatalf("profile before any save: %d %+v", code, view)
	}
	var keys []string
	for _, f := range view.Form.Fields {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"team", "preferredLanguage", "cpuBudget"}) || !view.Form.Fields[0].Required || len(view.Form.Fields[0].Options) != 2 {
		t.Fatalf("the form: %v %+v", keys, view.Form.Fields[0])
	}

	put := func(body string) (int, []byte) {
		resp, data := do(t, http.MethodPut, base+"/me/profile", strings.NewReader(body), "Content-Type", "application/json")
		return resp.StatusCode, data
	}
	// Bad values are refused field by field, each with its rule.
	code, body := put(`{"values":{"team":"astronomy","cpuBudget":40,"colour":"red"}}`)
	var e httpapi.ErrorBody
	_ = json.Unmarshal(body, &e)
	details, _ := json.Marshal(e.Error.Details)
	for _, want := range []string{
		`"field":"values.team","rule":"must be one of data-science, statistics"`,
		`"field":"values.cpuBudget","rule":"must be at most 16"`,
		`"field":"values.colour","rule":"is not a field of the profile`,
	} {
		if code != 400 || !strings.Contains(string(details), want) {
			t.Errorf("bad values: %d %s, want %s", code, body, want)
		}
	}
	if code, body := put(`{"values":{"cpuBudget":4}}`); code != 400 || !strings.Contains(string(body), `"field":"values.team","rule":"is required"`) {
		t.Errorf("required field left out: %d %s", code, body)
	}
	if code, body := put(`{"values":{"team":"statistics","preferredLanguage":"` + strings.Repeat("x", 20<<10) + `"}}`); code != 400 || !strings.Contains(string(body), `"field":"values"`) {
		t.Errorf("a profile over 16 KiB: %d %.200s", code, body)
	}

	code, body = put(`{"values":{"team":"statistics","cpuBudget":4,"preferredLanguage":null}}`)
	if code != 200 {
		t.Fatalf("save: %d %s", code, body)
	}
	resp, _ := do(t, http.MethodGet, base+"/me/profile", nil)
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	if code := getJSON(t, base+"/me/profile", &view); code != 200 || view.Values["team"] != "statistics" || view.Values["cpuBudget"] != float64(4) || len(view.Values) != 2 {
		t.Fatalf("read back: %d %v", code, view.Values)
	}
	// Kept in the reserved folder, which the secrets browser does not reach.
	if code := getJSON(t, base+"/projects/user-alice/secrets/secret?path=.basalt/profile", &map[string]any{}); code != 404 {
		t.Errorf("the profile through the secrets API: %d, want 404", code)
	}

	// The launcher learns which profile fields the chart reads.
	var lf LaunchForm
	if code := getJSON(t, base+"/projects/user-alice/launch/form?catalog=ide&chart=notebook", &lf); code != 200 || !slices.Equal(lf.Form.Profile, []string{"team", "preferredLanguage"}) {
		t.Fatalf("launch form's profile fields: %d %+v", code, lf.Form)
	}

	// Opted out, the form is pre-filled with the chart's default.
	formValue := func(q string) any {
		t.Helper()
		var lf LaunchForm
		if code := getJSON(t, base+"/projects/user-alice/launch/form?catalog=ide&chart=notebook"+q, &lf); code != 200 {
			t.Fatalf("launch form %s: %d", q, code)
		}
		for _, f := range lf.Form.Root.Fields {
			if f.Key == "team" {
				return f.Value
			}
		}
		return nil
	}
	if got, opted := formValue(""), formValue("&profileOptOut=team"); got != "statistics" || opted != "nobody" {
		t.Errorf("the form's team: %v, and opted out %v; want statistics and nobody", got, opted)
	}

	// A launch carries the user's answer (and the default of a field left unanswered), in the
	// personal project and in a group's; opted out, the chart's default.
	launch := func(project, optOut string) map[string]any {
		t.Helper()
		code, body := postJSON(t, base+"/projects/"+project+"/services", `{"catalog":"ide","chart":"notebook","profileOptOut":`+optOut+`}`)
		var launched struct{ Service ServiceView }
		if code != 202 || json.Unmarshal(body, &launched) != nil {
			t.Fatalf("%s launch: %d %s", project, code, body)
		}
		var detail struct{ Values map[string]any }
		if code := getJSON(t, base+"/projects/"+project+"/services/"+launched.Service.ID, &detail); code != 200 {
			t.Fatalf("%s service: %d", project, code)
		}
		return detail.Values
	}
	for _, project := range []string{"user-alice", "project-data-team"} {
		if v := launch(project, `[]`); v["team"] != "statistics" || v["language"] != "python" {
			t.Errorf("%s: the release's values %v, want team statistics and language python", project, v)
		}
	}
	if v := launch("user-alice", `["team"]`); v["team"] != "nobody" || v["language"] != "python" {
		t.Errorf("opted out of team: the release's values %v, want the chart's default team nobody", v)
	}
	code, body = postJSON(t, base+"/projects/user-alice/launch/plan", `{"catalog":"ide","chart":"notebook","profileOptOut":["team","tema"]}`)
	if code != 400 || !strings.Contains(string(body), `"field":"profileOptOut[1]"`) || !strings.Contains(string(body), "names no field of the profile (team, preferredLanguage, cpuBudget)") {
		t.Errorf("opting out of an unknown field: %d %s", code, body)
	}
}

func TestProfileWithoutSchema(t *testing.T) {
	mem := testplugin.Memory(t)
	base := startWithPlugins(t, map[string]config.Plugin{"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}}}, "auth.local.username=alice") + "/api/v1"
	var view ProfileView
	if code := getJSON(t, base+"/me/profile", &view); code != 200 || view.Schema != nil || view.Form != nil || view.Values == nil {
		t.Fatalf("no profile declared: %d %+v", code, view)
	}
	if code, body := putJSON(t, base+"/me/profile", `{"values":{"team":"x"}}`); code != 400 || !strings.Contains(string(body), `"field":"values.team"`) {
		t.Errorf("a value without a profile: %d %s", code, body)
	}
	if code, body := putJSON(t, base+"/me/profile", `{"values":{}}`); code != 200 {
		t.Errorf("an empty profile: %d %s", code, body)
	}
}
