package server

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk/charticon"
)

// A PNG's first bytes are all charticon reads of it.
var iconPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01")

const iconSVG = `<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>`

// iconCatalogs has an open catalog whose jupyter has a PNG icon and rstudio none, and a
// catalog kept for the group gpu-team whose chart has an SVG icon.
var iconCatalogs = map[string]any{"catalogs": []any{
	map[string]any{"id": "ide", "status": "PROD", "charts": []any{
		map[string]any{"name": "jupyter", "version": "1.0.0", "icon": "data:image/png;base64," + base64.StdEncoding.EncodeToString(iconPNG),
			"schema": map[string]any{"type": "object"}},
		map[string]any{"name": "rstudio", "version": "1.0.0"},
	}},
	map[string]any{"id": "gpu", "status": "PROD", "restrictions": []any{map[string]any{"key": "groups", "match": "gpu-team"}}, "charts": []any{
		map[string]any{"name": "cuda", "version": "1.0.0", "icon": "data:image/svg+xml," + url.PathEscape(iconSVG)},
	}},
}}

// TestChartIcons: a chart's icon comes from Basalt at the address its iconDigest names, kept
// for good by the browser and inert; a chart without one, an unknown chart and a catalog the
// user may not see are not found, the last as if it did not exist.
func TestChartIcons(t *testing.T) {
	mem := testplugin.Memory(t)
	serve := func(groups string) string {
		return startWithPlugins(t, map[string]config.Plugin{
			"charts": {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: iconCatalogs},
		}, "auth.local.username=bob", "auth.local.groups="+groups) + "/api/v1"
	}
	bob := serve("[data-team]")

	var charts struct{ Charts []ChartView }
	if code := getJSON(t, bob+"/catalogs/ide/charts", &charts); code != 200 || len(charts.Charts) != 2 {
		t.Fatalf("charts: %d %+v", code, charts)
	}
	digest := charts.Charts[0].IconDigest
	if charts.Charts[0].Name != "jupyter" || digest != charticon.Digest(iconPNG) || charts.Charts[1].IconDigest != "" {
		t.Fatalf("icon digests: %+v", charts.Charts)
	}
	var version ChartVersionView
	if code := getJSON(t, bob+"/catalogs/ide/charts/jupyter/versions/1.0.0", &version); code != 200 || version.IconDigest != digest {
		t.Errorf("the chart version's icon digest: %d %q, want %q", code, version.IconDigest, digest)
	}

	icon := bob + "/catalogs/ide/charts/jupyter/icon"
	resp, body := get(t, icon+"?v="+digest)
	h := resp.Header
	if resp.StatusCode != 200 || !bytes.Equal([]byte(body), iconPNG) || h.Get("Content-Type") != "image/png" {
		t.Fatalf("GET the icon: %d %s, %d bytes", resp.StatusCode, h.Get("Content-Type"), len(body))
	}
	if got := h.Get("Cache-Control"); got != "private, max-age=31536000, immutable" {
		t.Errorf("Cache-Control of the icon at its digest: %q", got)
	}
	if h.Get("Content-Security-Policy") != iconPolicy || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("ETag") != `"`+digest+`"` {
		t.Errorf("the icon's headers: %v", h)
	}
	// Another digest (an icon since replaced) gets the current icon, not kept.
	if resp, body := get(t, icon+"?v=0123"); resp.StatusCode != 200 || body != string(iconPNG) || resp.Header.Get("Cache-Control") != "private, no-cache" {
		t.Errorf("the icon at an old digest: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest(http.MethodGet, icon, nil)
	req.Header.Set("If-None-Match", `"`+digest+`"`)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("the icon asked again with its ETag: %v %v, want 304", resp.Status, err)
	} else {
		resp.Body.Close()
	}

	for _, path := range []string{"/catalogs/ide/charts/rstudio/icon", "/catalogs/ide/charts/nope/icon", "/catalogs/nope/charts/jupyter/icon",
		"/catalogs/gpu/charts/cuda/icon", "/catalogs/ide/charts/jupyter/icon?project=project-not-mine"} {
		var e httpapi.ErrorBody
		if code := getJSON(t, bob+path, &e); code != 404 || e.Error.Code != "not_found" {
			t.Errorf("bob GET %s: %d %+v, want 404 not_found", path, code, e)
		}
	}

	alice := serve("[gpu-team]")
	resp, body = get(t, alice+"/catalogs/gpu/charts/cuda/icon")
	if resp.StatusCode != 200 || body != iconSVG || resp.Header.Get("Content-Type") != charticon.SVG ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("alice, of gpu-team, GET cuda's SVG icon: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
