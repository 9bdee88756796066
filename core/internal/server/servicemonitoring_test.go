package server

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// A region's monitoring_url gives each of its services a link to its monitoring page, in the
// list and on the service's own page; a region without one gives none.
func TestServiceMonitoringLink(t *testing.T) {
	mem := testplugin.Memory(t)
	plugins := map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: launchCatalog},
		"k8s":    {Kind: "region", Path: mem, Args: []string{"region"}},
	}
	for _, pattern := range []string{"https://grafana.example.org/d/pods?var-namespace=$NAMESPACE&var-release=$INSTANCE", ""} {
		cfg, err := config.Load(config.Sources{Sets: []string{"auth.local.username=alice"}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Regions[0].MonitoringURL = pattern
		base, _ := serveConfig(t, cfg, logscan.Logger(t, "core"), plugins)
		services := base + "/api/v1/projects/user-alice/services"
		code, body := postJSON(t, services, `{"catalog":"ide","chart":"notebook"}`)
		var launched LaunchResult
		if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
			t.Fatalf("launch: %d %s", code, body)
		}
		want := ""
		if pattern != "" {
			// The memory region's namespace of a project is the project's id.
			want = "https://grafana.example.org/d/pods?var-namespace=user-alice&var-release=" + launched.Service.ID
		}
		var list ServiceList
		if code := getJSON(t, services, &list); code != 200 || len(list.Services) != 1 || list.Services[0].MonitoringURL != want {
			t.Errorf("list with %q: %d %+v, want %q", pattern, code, list.Services, want)
		}
		var details ServiceDetails
		if code := getJSON(t, services+"/"+launched.Service.ID, &details); code != 200 || details.Service.MonitoringURL != want {
			t.Errorf("details with %q: %d %q, want %q", pattern, code, details.Service.MonitoringURL, want)
		}
	}
}
