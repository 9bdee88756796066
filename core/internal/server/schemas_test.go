package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// schemaDir lays out an administrator's schema directory: one schema of their own, one
// that replaces a built-in name for the role datascientist, and one for a role alice lacks.
func schemaDir(t *testing.T) string {
	dir := t.TempDir()
	for path, body := range map[string]string{
		"team/budget.json":                  `{"type": "object", "properties": {"zone": {"type": "string"}, "amount": {"type": "integer"}}}`,
		"roles/datascientist/ide/git.json":  `{"type": "object", "properties": {"token": {"type": "string"}, "enabled": {"type": "boolean"}}}`,
		"roles/admin-only/secret/note.json": `{"type": "string"}`,
	} {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSchemaRegistryEndpoints(t *testing.T) {
	base := startWithPlugins(t, nil, "launch.schemas="+schemaDir(t), "auth.local.username=alice",
		"auth.local.roles=[datascientist]") + "/api/v1"

	var list struct{ Schemas []SchemaView }
	if code := getJSON(t, base+"/schemas", &list); code != 200 {
		t.Fatalf("list: %d", code)
	}
	got := map[string]SchemaView{}
	for _, s := range list.Schemas {
		got[s.Name] = s
		if s.Schema != nil {
			t.Errorf("%s: the list gives names, not schemas", s.Name)
		}
	}
	for name, want := range map[string]SchemaView{
		"ide/resources.json": {Source: "builtin"},
		"team/budget.json":   {Source: "admin"},
		"ide/git.json":       {Source: "role", Role: "datascientist"},
	} {
		if s := got[name]; s.Source != want.Source || s.Role != want.Role {
			t.Errorf("%s: %+v, want %+v", name, s, want)
		}
	}
	if _, ok := got["secret/note.json"]; ok {
		t.Error("a schema of a role alice lacks is listed")
	}

	code, body := getBody(t, base+"/schemas/ide%2Fgit.json")
	var one SchemaView
	if err := json.Unmarshal([]byte(body), &one); err != nil || code != 200 || one.Source != "role" || one.Role != "datascientist" {
		t.Fatalf("role-specific schema first: %d %s", code, body)
	}
	if i, j := strings.Index(body, `"token"`), strings.Index(body, `"enabled"`); i < 0 || j < i || strings.Contains(body, "x-basalt-order") {
		t.Errorf("the schema must come in its file's order, without Basalt's annotation: %s", body)
	}
	if code, body := getBody(t, base+"/schemas/ide%2Fresources.json"); code != 200 || !strings.Contains(body, `"requests"`) {
		t.Errorf("built-in schema: %d %s", code, body)
	}
	for _, path := range []string{"/schemas/ide%2Fnothing.json", "/schemas/secret%2Fnote.json", "/schemas?project=user-bob", "/schemas/team%2Fbudget.json?project=user-bob"} {
		if code, body := getBody(t, base+path); code != 404 {
			t.Errorf("%s: %d %s, want 404", path, code, body)
		}
	}
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, body := get(t, url)
	return resp.StatusCode, body
}
