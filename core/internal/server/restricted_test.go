package server

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// TestRestrictedCatalogThroughHelmrepo serves Onyxia's charts twice through the real Helm
// repository plugin: an open catalog and one restricted to the group claim gpu-team. A user
// without the claim neither sees the restricted catalog nor reaches it by any route (404,
// as for what does not exist); a user with it lists it and gets its launch form.
func TestRestrictedCatalogThroughHelmrepo(t *testing.T) {
	helmrepo := testplugin.Path(t, "basalt-plugin-helmrepo")
	mem := testplugin.Memory(t)
	repo, err := filepath.Abs(sharedCatalog)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(user, groups string) string {
		return startWithPlugins(t, map[string]config.Plugin{
			"charts": {Kind: "catalog", Path: helmrepo, Config: map[string]any{"cacheDir": t.TempDir(), "refreshInterval": "0s",
				"catalogs": []any{
					map[string]any{"id": "ide", "location": repo},
					map[string]any{"id": "gpu", "location": repo, "restrictions": []any{
						map[string]any{"userAttribute": map[string]any{"key": "groups", "matches": "gpu-team"}}}},
				}}},
			"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
			"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		}, "auth.local.username="+user, "auth.local.groups="+groups) + "/api/v1"
	}
	listed := func(base string) string {
		var cats struct{ Catalogs []CatalogView }
		if code := getJSON(t, base+"/catalogs", &cats); code != 200 {
			t.Fatalf("catalogs: %d", code)
		}
		var ids []string
		for _, c := range cats.Catalogs {
			ids = append(ids, c.ID)
		}
		return strings.Join(ids, ",")
	}

	bob := serve("bob", "[data-team]")
	if got := listed(bob); got != "ide" {
		t.Errorf("bob lists %q, want only ide", got)
	}
	p := bob + "/projects/user-bob"
	for _, path := range []string{"/catalogs/gpu", "/catalogs/gpu/charts", "/catalogs/gpu/charts/jupyter-python",
		"/catalogs/gpu/charts/jupyter-python/versions/2.5.2", "/projects/user-bob/launch/form?catalog=gpu&chart=jupyter-python"} {
		if code, body := getBody(t, bob+path); code != http.StatusNotFound {
			t.Errorf("bob GET %s: %d %s, want 404", path, code, body)
		}
	}
	for _, path := range []string{"/launch/plan", "/services"} {
		if code, body := postJSON(t, p+path, `{"catalog":"gpu","chart":"jupyter-python"}`); code != http.StatusNotFound {
			t.Errorf("bob POST %s from gpu: %d %s, want 404", path, code, body)
		}
	}
	if code, body := getBody(t, p+"/launch/form?catalog=ide&chart=jupyter-python"); code != 200 {
		t.Errorf("bob's form from the open catalog: %d %.200s", code, body)
	}
	var charts struct{ Charts []ChartView }
	if code := getJSON(t, bob+"/catalogs/all/charts", &charts); code != 200 || len(charts.Charts) == 0 {
		t.Errorf("bob's all-catalogs view: %d, %d charts", code, len(charts.Charts))
	}
	for _, c := range charts.Charts {
		if c.Catalog == "gpu" {
			t.Errorf("the all-catalogs view shows bob a chart of gpu: %+v", c)
		}
	}

	alice := serve("alice", "[gpu-team]")
	if got := listed(alice); got != "ide,gpu" {
		t.Errorf("alice lists %q, want ide,gpu", got)
	}
	if code, body := getBody(t, alice+"/projects/user-alice/launch/form?catalog=gpu&chart=jupyter-python"); code != 200 || !strings.Contains(body, `"chart":"jupyter-python"`) {
		t.Errorf("alice's form from gpu: %d %.200s", code, body)
	}
}
