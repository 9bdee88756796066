package server

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// startPlatform serves Basalt on real memory plugins (a catalog, a region, files, secrets) as the
// local user alice, with sets.
func startPlatform(t *testing.T, sets ...string) string {
	mem := testplugin.Memory(t)
	return startWithPlugins(t, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: memoryCatalogs},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
	}, append([]string{"auth.local.username=alice"}, sets...)...) + "/api/v1"
}

// An administrator sees each plugin's process and what this replica measured of its calls,
// every catalog whatever its status, and the region's cluster as its plugin reports it.
func TestPlatformHealth(t *testing.T) {
	api := startPlatform(t, "auth.local.roles=[admin]")
	for range 3 {
		if code := getJSON(t, api+"/catalogs", nil); code != 200 {
			t.Fatalf("catalogs: %d", code)
		}
	}
	var h PlatformHealth
	if code := getJSON(t, api+"/admin/platform", &h); code != 200 {
		t.Fatalf("platform: %d", code)
	}
	if h.Replica == "" || h.MeasuredSince.IsZero() || time.Since(h.MeasuredSince) > time.Minute || len(h.Plugins) != 4 {
		t.Fatalf("platform: %+v", h)
	}
	plugins := map[string]PluginHealth{}
	for _, p := range h.Plugins {
		plugins[p.Name] = p
	}
	charts := plugins["charts"]
	if !charts.Running || charts.PID == 0 || charts.Kind != "catalog" || charts.Plugin != "memory" || charts.Version == "" ||
		charts.Calls < 3 || charts.P50Milliseconds == nil || *charts.P50Milliseconds <= 0 || *charts.P99Milliseconds < *charts.P50Milliseconds {
		t.Errorf("charts: %+v", charts)
	}
	if files := plugins["files"]; !files.Running || files.Calls != 0 || files.P50Milliseconds != nil || files.Errors != 0 {
		t.Errorf("files, never called: %+v", files)
	}

	var ids []string
	for _, c := range h.Catalogs {
		if c.Plugin != "charts" || c.Catalog == nil || c.Error != "" {
			t.Fatalf("catalog: %+v", c)
		}
		ids = append(ids, c.Catalog.ID+"/"+c.Catalog.Status)
		if c.Catalog.ID == "ide" && (c.Catalog.ChartCount != 2 || c.Catalog.LastRefresh == nil) {
			t.Errorf("ide: %+v", *c.Catalog)
		}
	}
	if strings.Join(ids, " ") != "ide/PROD beta/TEST" {
		t.Errorf("catalogs: %v, want the TEST one too", ids)
	}

	if len(h.Regions) != 1 {
		t.Fatalf("regions: %+v", h.Regions)
	}
	if r := h.Regions[0]; r.ID != "local" || r.Plugin != "k8s" || r.Storage != "files" || r.Platform != "memory" || r.ClusterVersion != charts.Version || r.Error != "" {
		t.Errorf("region: %+v", r)
	}
	// The cluster's answer was a call of the region plugin, measured like the others.
	if code := getJSON(t, api+"/admin/platform", &h); code != 200 {
		t.Fatal(code)
	}
	for _, p := range h.Plugins {
		if p.Name == "k8s" && p.Calls == 0 {
			t.Errorf("k8s: %+v", p)
		}
	}
}

// The audit trail keeps this replica's recent events: an administrator filters them; others
// are refused, and so is a filter that breaks a rule, with the field named.
func TestAuditTrail(t *testing.T) {
	api := startPlatform(t, "auth.local.roles=[admin]")
	if code, body := postJSON(t, api+"/catalogs/refresh", `{"catalog":"ide"}`); code != 200 {
		t.Fatalf("refresh: %d %s", code, body)
	}
	if code, _ := postJSON(t, api+"/catalogs/refresh", `{"catalog":"nope"}`); code != 404 {
		t.Fatalf("refresh of a catalog that does not exist: %d", code)
	}
	if code, body := putJSON(t, api+"/me/settings", `{"gitName":"Alice"}`); code != 200 {
		t.Fatalf("settings: %d %s", code, body)
	}
	var trail AuditTrail
	if code := getJSON(t, api+"/admin/audit", &trail); code != 200 {
		t.Fatalf("audit: %d", code)
	}
	if trail.Replica == "" || trail.Capacity != 1000 || trail.Held != 3 || len(trail.Events) != 3 {
		t.Fatalf("audit: %+v", trail)
	}
	newest := trail.Events[0]
	if newest.Action != "settings.write" || newest.Actor != "alice" || newest.Outcome != "success" || newest.Status != 200 ||
		newest.Project != "" || newest.RequestID == "" || time.Since(newest.Time) > time.Minute {
		t.Errorf("newest: %+v", newest)
	}
	for query, want := range map[string]string{
		"action=catalogs.":                 "catalogs.refresh/denied catalogs.refresh/success",
		"action=catalogs.&outcome=success": "catalogs.refresh/success",
		"actor=bob":                        "",
		"limit=1":                          "settings.write/success",
		"since=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339): "",
	} {
		if code := getJSON(t, api+"/admin/audit?"+query, &trail); code != 200 {
			t.Fatalf("%s: %d", query, code)
		}
		var got []string
		for _, e := range trail.Events {
			got = append(got, e.Action+"/"+e.Outcome)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %v, want %q", query, got, want)
		}
	}
	for query, field := range map[string]string{"limit=0": "limit", "limit=1001": "limit", "outcome=maybe": "outcome", "since=yesterday": "since",
		"actor=" + strings.Repeat("a", 129): "actor"} {
		resp, body := get(t, api+"/admin/audit?"+query)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", query, resp.StatusCode, body)
		}
	}
}

// Platform health and the audit trail are for administrators only; the policy may let an
// auditor read the trail alone.
func TestPlatformPagesAreForAdministrators(t *testing.T) {
	api := startPlatform(t, "auth.local.roles=[]")
	for _, path := range []string{"/admin/platform", "/admin/audit"} {
		if resp, body := get(t, api+path); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "permission_denied") {
			t.Errorf("%s as a user: %d %s", path, resp.StatusCode, body)
		}
	}
	policy := filepath.Join(t.TempDir(), "policy.csv")
	if err := os.WriteFile(policy, []byte(config.DefaultPolicy+"\np, user:alice, platform, audit, read\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	auditor := startPlatform(t, "auth.local.roles=[]", "authz.policy="+policy)
	if resp, body := get(t, auditor+"/admin/audit"); resp.StatusCode != http.StatusOK {
		t.Errorf("the audit trail as an auditor: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, auditor+"/admin/platform"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the platform as an auditor: %d", resp.StatusCode)
	}
}
