package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// memoryCatalogs is the configuration of the memory catalog plugin used below: a PROD
// catalog, a TEST one, and a library chart that must never be listed.
var memoryCatalogs = map[string]any{"catalogs": []any{
	map[string]any{"id": "ide", "status": "PROD", "name": map[string]any{"en": "IDE", "fr": "EDI"}, "charts": []any{
		map[string]any{"name": "jupyter", "version": "1.2.0", "description": "Notebooks for Python", "keywords": []any{"python", "notebook"},
			"schema": map[string]any{"type": "object", "properties": map[string]any{"cpu": map[string]any{"type": "string"}}}, "readme": "# Jupyter"},
		map[string]any{"name": "jupyter", "version": "1.10.0-rc1", "description": "Notebooks for Python"},
		map[string]any{"name": "jupyter", "version": "1.1.0", "description": "Notebooks for Python"},
		map[string]any{"name": "rstudio", "version": "2.0.0", "description": "R in the browser", "keywords": []any{"r"}},
		map[string]any{"name": "library-chart", "version": "1.0.0", "type": "library"},
	}},
	map[string]any{"id": "beta", "status": "TEST", "charts": []any{
		map[string]any{"name": "experimental", "version": "0.1.0"},
	}},
}}

func startWithCatalog(t testing.TB) string {
	return startWithPlugins(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Memory(t), Args: []string{"catalog"}, Config: memoryCatalogs},
	})
}

// startWithPlugins serves the real server with real plugin subprocesses; the default region
// uses the plugins named files, secrets and k8s, if any.
func startWithPlugins(t testing.TB, plugins map[string]config.Plugin, sets ...string) string {
	base, _ := startHost(t, plugins, sets...)
	return base
}

// startHost is startWithPlugins that also returns the plugin host, for setting data up
// through the plugins themselves.
func startHost(t testing.TB, plugins map[string]config.Plugin, sets ...string) (string, *pluginhost.Host) {
	t.Helper()
	return startHostLogging(t, logscan.Logger(t, "core"), plugins, sets...)
}

// startHostLogging is startHost logging to log, for a test that reads the log back.
func startHostLogging(t testing.TB, log *slog.Logger, plugins map[string]config.Plugin, sets ...string) (string, *pluginhost.Host) {
	t.Helper()
	cfg, err := config.Load(config.Sources{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	return serveConfig(t, cfg, log, plugins)
}

// serveConfig serves cfg with plugins, which the default region uses by their names.
func serveConfig(t testing.TB, cfg *config.Config, log *slog.Logger, plugins map[string]config.Plugin) (string, *pluginhost.Host) {
	t.Helper()
	cfg.Plugins = plugins
	r := &cfg.Regions[0]
	r.Storage, r.Secrets, r.Region = "", "", ""
	if _, ok := plugins["files"]; ok {
		r.Storage = "files"
	}
	if _, ok := plugins["secrets"]; ok {
		r.Secrets = "secrets"
	}
	if _, ok := plugins["k8s"]; ok {
		r.Region = "k8s"
	}
	host, err := pluginhost.New(plugins, log, pluginhost.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(host.Close)
	if err := host.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := mustNew(t, Options{Config: cfg, Plugins: host, Log: log, Registry: prometheus.NewRegistry(), Authz: newAuthz(t, cfg)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String(), host
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	resp, body := get(t, url)
	if into != nil {
		if err := json.Unmarshal([]byte(body), into); err != nil {
			t.Fatalf("%s: %v: %s", url, err, body)
		}
	}
	return resp.StatusCode
}

func TestCatalogAPI(t *testing.T) {
	base := startWithCatalog(t) + "/api/v1"

	var cats struct{ Catalogs []CatalogView }
	if code := getJSON(t, base+"/catalogs", &cats); code != 200 || len(cats.Catalogs) != 1 || cats.Catalogs[0].ID != "ide" {
		t.Fatalf("only PROD catalogs are listed: %d %+v", code, cats)
	}
	if cats.Catalogs[0].Name["fr"] != "EDI" {
		t.Errorf("localized name lost: %+v", cats.Catalogs[0].Name)
	}
	var beta CatalogView
	if code := getJSON(t, base+"/catalogs/beta", &beta); code != 200 || beta.Status != "TEST" {
		t.Fatalf("a TEST catalog is reachable by its id: %d %+v", code, beta)
	}

	var charts struct{ Charts []ChartView }
	getJSON(t, base+"/catalogs/ide/charts", &charts)
	var names []string
	for _, c := range charts.Charts {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "jupyter,rstudio" {
		t.Fatalf("charts = %v (library charts must never be listed)", names)
	}
	var versions []string
	for _, v := range charts.Charts[0].Versions {
		versions = append(versions, v.Version)
	}
	if strings.Join(versions, ",") != "1.2.0,1.1.0,1.10.0-rc1" {
		t.Fatalf("versions must be newest first, pre-releases last: %v", versions)
	}

	getJSON(t, base+"/catalogs/ide/charts?search=NOTEBOOK", &charts)
	if len(charts.Charts) != 1 || charts.Charts[0].Name != "jupyter" {
		t.Fatalf("search by keyword, any case: %+v", charts.Charts)
	}
	getJSON(t, base+"/catalogs/all/charts", &charts)
	if len(charts.Charts) != 2 {
		t.Fatalf("the all view gathers PROD catalogs only: %+v", charts.Charts)
	}

	var chart ChartView
	if code := getJSON(t, base+"/catalogs/ide/charts/jupyter", &chart); code != 200 || chart.Name != "jupyter" || len(chart.Versions) != 3 {
		t.Fatalf("one chart with its versions: %d %+v", code, chart)
	}

	var version ChartVersionView
	if code := getJSON(t, base+"/catalogs/ide/charts/jupyter/versions/1.2.0", &version); code != 200 {
		t.Fatalf("chart version: %d", code)
	}
	if version.Readme != "# Jupyter" || !strings.Contains(string(version.Schema), `"cpu"`) {
		t.Fatalf("chart version details: %+v", version)
	}

	for _, path := range []string{"/catalogs/nope", "/catalogs/nope/charts", "/catalogs/ide/charts/nope",
		"/catalogs/ide/charts/jupyter/versions/9.9.9", "/catalogs/ide/charts?project=project-not-mine"} {
		var e httpapi.ErrorBody
		if code := getJSON(t, base+path, &e); code != 404 || e.Error.Code != "not_found" {
			t.Errorf("%s: want 404 not_found, got %d %+v", path, code, e)
		}
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/catalogs/refresh", strings.NewReader(`{"catalog":"ide"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("refresh by the local administrator: %d", resp.StatusCode)
	}
}

func TestRefreshIsForAdministrators(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Memory(t), Args: []string{"catalog"}, Config: memoryCatalogs},
	}, "auth.local.roles=[]")
	resp, body := do(t, http.MethodPost, base+"/api/v1/catalogs/refresh", nil)
	if resp.StatusCode != 403 {
		t.Fatalf("a user without the admin role must not refresh catalogs: %d %s", resp.StatusCode, body)
	}
	var cats struct{ Catalogs []CatalogView }
	if code := getJSON(t, base+"/api/v1/catalogs", &cats); code != 200 || len(cats.Catalogs) != 1 {
		t.Fatalf("but they see the catalogs: %d %+v", code, cats)
	}
}
