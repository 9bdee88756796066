package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// gitCatalog has one chart whose values take the user's git identity, as Onyxia's do.
var gitCatalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "git:\n  name: \"\"\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{"git": map[string]any{"type": "object", "properties": map[string]any{
				"name":  map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "git.name"}},
				"email": map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "git.email"}},
				"token": map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "git.token"}},
			}}},
		}},
}}}}

func TestSettingsReachLaunches(t *testing.T) {
	mem := testplugin.Memory(t)
	plugins := map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: gitCatalog},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
	}
	base := startWithPlugins(t, plugins, "auth.local.username=alice", "auth.local.groups=[data-team]") + "/api/v1"

	var empty documents.Settings
	if code := getJSON(t, base+"/me/settings", &empty); code != 200 || empty.GitName != "" || empty.Profile == nil {
		t.Fatalf("settings before any save: %d %+v", code, empty)
	}
	put := func(body string) (*http.Response, []byte) {
		return do(t, http.MethodPut, base+"/me/settings", strings.NewReader(body), "Content-Type", "application/json")
	}
	resp, body := put(`{"gitName":"Alice A.","gitEmail":"alice@example.org","gitToken":"glpat-0123","profile":{"team":"x"}}`)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("save: %d %s (Cache-Control %q)", resp.StatusCode, body, resp.Header.Get("Cache-Control"))
	}
	var got documents.Settings
	if code := getJSON(t, base+"/me/settings", &got); code != 200 || got.GitEmail != "alice@example.org" || got.Profile["team"] != "x" {
		t.Fatalf("read back: %d %+v", code, got)
	}

	// Every launch gets them, in the personal project and in a group's.
	for _, project := range []string{"user-alice", "project-data-team"} {
		code, body := postJSON(t, base+"/projects/"+project+"/launch/plan", `{"catalog":"ide","chart":"notebook"}`)
		var plan PlanView
		if code != 200 || json.Unmarshal(body, &plan) != nil {
			t.Fatalf("%s plan: %d %s", project, code, body)
		}
		git, _ := plan.Values["git"].(map[string]any)
		if git["name"] != "Alice A." || git["email"] != "alice@example.org" || git["token"] != "glpat-0123" {
			t.Errorf("%s: git values %v", project, git)
		}
	}

	// Bad settings are refused field by field, and nothing is lost.
	resp, body = put(`{"gitEmail":"not-an-address","gitCredentialsCacheTTL":-1,"gitName":"two\nlines"}`)
	for _, field := range []string{`"gitEmail"`, `"gitCredentialsCacheTTL"`, `"gitName"`} {
		if resp.StatusCode != 400 || !strings.Contains(string(body), field) {
			t.Errorf("bad settings: %d %s, want 400 naming %s", resp.StatusCode, body, field)
		}
	}
	if resp, body := put(`{"gitNmae":"typo"}`); resp.StatusCode != 400 || !strings.Contains(string(body), "gitNmae") {
		t.Errorf("unknown field: %d %s", resp.StatusCode, body)
	}
	if code := getJSON(t, base+"/me/settings", &got); code != 200 || got.GitName != "Alice A." {
		t.Errorf("after refused saves: %d %+v", code, got)
	}
	// They are not secrets the user browses: the reserved folder stays hidden.
	if code := getJSON(t, base+"/projects/user-alice/secrets/secret?path=.basalt/settings", &map[string]any{}); code != 404 {
		t.Errorf("settings through the secrets API: %d, want 404", code)
	}
}
