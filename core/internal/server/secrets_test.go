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

func TestSecretsAPI(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"secrets": {Kind: "secrets", Path: testplugin.Memory(t), Args: []string{"secrets"}},
	}, "auth.local.username=alice", "auth.local.groups=[data-team]")
	secrets := base + "/api/v1/projects/user-alice/secrets"
	put := func(path, body string) (int, string) {
		resp, data := do(t, http.MethodPut, secrets+"/secret?path="+path, strings.NewReader(body), "Content-Type", "application/json")
		return resp.StatusCode, string(data)
	}

	if code, body := put("apis/openai", `{"data":{"OPENAI_API_KEY":"sk-1"}}`); code != 200 || strings.Contains(body, "sk-1") {
		t.Fatalf("write: %d %s (the value must not be echoed)", code, body)
	}
	if code, body := put("apis/openai", `{"data":{"OPENAI_API_KEY":"sk-2"},"checkVersion":1}`); code != 200 {
		t.Fatalf("write v2: %d %s", code, body)
	}
	if code, body := put("apis/openai", `{"data":{"OPENAI_API_KEY":"sk-3"},"checkVersion":1}`); code != 409 {
		t.Fatalf("a stale checkVersion must conflict: %d %s", code, body)
	}
	code, body := put("apis/bad", `{"data":{"1X":"a","ok_key":"b","has-dash":"c"}}`)
	var e httpapi.ErrorBody
	_ = json.Unmarshal([]byte(body), &e)
	fields, _ := json.Marshal(e.Error.Details)
	if code != 400 || !strings.Contains(string(fields), "data.1X") || !strings.Contains(string(fields), "data.has-dash") || strings.Contains(string(fields), "ok_key") {
		t.Fatalf("invalid keys must be listed by field: %d %s", code, body)
	}

	var list SecretList
	getJSON(t, secrets, &list)
	if len(list.Entries) != 1 || list.Entries[0].Name != "apis" || !list.Entries[0].Folder {
		t.Fatalf("top folder: %+v", list)
	}
	getJSON(t, secrets+"?path=apis", &list)
	if len(list.Entries) != 1 || list.Entries[0].Path != "apis/openai" {
		t.Fatalf("apis folder: %+v", list)
	}

	var secret SecretView
	getJSON(t, secrets+"/secret?path=apis/openai", &secret)
	if secret.Version != 2 || secret.Data["OPENAI_API_KEY"] != "sk-2" {
		t.Fatalf("latest: %+v", secret)
	}
	getJSON(t, secrets+"/secret?path=apis/openai&version=1", &secret)
	if secret.Data["OPENAI_API_KEY"] != "sk-1" {
		t.Fatalf("version 1: %+v", secret)
	}

	if resp, _ := do(t, http.MethodDelete, secrets+"/secret?path=apis/openai", nil); resp.StatusCode != 200 {
		t.Fatalf("soft delete: %d", resp.StatusCode)
	}
	if code := getJSON(t, secrets+"/secret?path=apis/openai", nil); code != 404 {
		t.Fatalf("a soft-deleted secret reads as not found: %d", code)
	}
	if resp, body := do(t, http.MethodPost, secrets+"/secret/undelete?path=apis/openai&versions=2", nil); resp.StatusCode != 200 {
		t.Fatalf("undelete: %d %s", resp.StatusCode, body)
	}
	getJSON(t, secrets+"/secret?path=apis/openai", &secret)
	if secret.Data["OPENAI_API_KEY"] != "sk-2" {
		t.Fatalf("after undelete: %+v", secret)
	}
	var versions struct {
		CurrentVersion int
		Versions       []VersionInfo
	}
	getJSON(t, secrets+"/secret/versions?path=apis/openai", &versions)
	if versions.CurrentVersion != 2 || len(versions.Versions) != 2 {
		t.Fatalf("versions: %+v", versions)
	}

	// A version destroyed for good stays in the history, marked, and reads as not found; the
	// command is Vault's destroy of that version.
	resp, destroyed := do(t, http.MethodDelete, secrets+"/secret?path=apis/openai&versions=1&destroy=true", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(destroyed), "vault kv destroy -versions=1 ") {
		t.Fatalf("destroy version 1: %d %s", resp.StatusCode, destroyed)
	}
	getJSON(t, secrets+"/secret/versions?path=apis/openai", &versions)
	if len(versions.Versions) != 2 || !versions.Versions[0].Destroyed || versions.Versions[1].Destroyed {
		t.Fatalf("versions after destroying version 1: %+v", versions)
	}
	if code := getJSON(t, secrets+"/secret?path=apis/openai&version=1", nil); code != 404 {
		t.Fatalf("a destroyed version reads as not found: %d", code)
	}

	// Other projects and escapes are not reachable.
	for _, url := range []string{
		base + "/api/v1/projects/user-bob/secrets",
		secrets + "/secret?path=../bob/anything",
		base + "/api/v1/projects/project-finance/secrets",
	} {
		if code := getJSON(t, url, nil); code != 404 && code != 400 {
			t.Errorf("%s: want 404 or 400, got %d", url, code)
		}
	}
	if code := getJSON(t, base+"/api/v1/projects/project-data-team/secrets", nil); code != 200 {
		t.Fatalf("the group's secrets: %d", code)
	}
	if resp, _ := do(t, http.MethodDelete, secrets+"/secret?path=apis/openai&all=true", nil); resp.StatusCode != 200 {
		t.Fatal("delete all")
	}
	if code := getJSON(t, secrets+"/secret/versions?path=apis/openai", nil); code != 404 {
		t.Fatalf("after delete all, no metadata: %d", code)
	}
}
