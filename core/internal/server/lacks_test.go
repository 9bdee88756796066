package server

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/basalt-dev/basalt/config"
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
