package server

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// /api/v1/config serves the theme as configured: the portal applies it without a rebuild.
func TestUIConfigServesTheTheme(t *testing.T) {
	base := start(t, nil,
		"ui.palette.secondary=#f2a541",
		"ui.dark_palette.background=#0f1715",
		"ui.favicon_url=/branding/icon.png",
		"ui.font.family=Inter, sans-serif",
		"ui.font.css_url=https://fonts.example.org/inter.css",
		"ui.home.title.fr=Bonjour",
		"ui.alert.text.en=Maintenance tonight",
		"ui.alert.severity=warning",
		"ui.features.all_catalogs=false",
	)
	resp, body := get(t, base+"/api/v1/config")
	if resp.StatusCode != 200 {
		t.Fatalf("config: %d %s", resp.StatusCode, body)
	}
	var got UIConfig
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	b := got.Branding
	if b.Palette.Primary != "#3b5bdb" || b.Palette.Secondary != "#f2a541" || b.DarkPalette.Background != "#0f1715" ||
		b.FaviconURL != "/branding/icon.png" || b.Font.Family != "Inter, sans-serif" {
		t.Errorf("branding = %+v", b)
	}
	if got.Home.Title["fr"] != "Bonjour" || got.Alert.Text["en"] != "Maintenance tonight" || got.Alert.Severity != "warning" {
		t.Errorf("home %+v, alert %+v", got.Home, got.Alert)
	}
	if got.Features.AllCatalogs || !got.Features.CommandPanel || got.Features.AutoLaunch {
		t.Errorf("features = %+v", got.Features)
	}
	// Lists are [] rather than null.
	for _, list := range []string{`"header":[]`, `"cards":[]`, `"bookmarks":[]`} {
		if !strings.Contains(body, list) {
			t.Errorf("%s missing from %s", list, body)
		}
	}
	// The font's style sheet is allowed by the page's policy; nothing else from its origin is.
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "style-src 'self' 'unsafe-inline' https://fonts.example.org;") || strings.Contains(csp, "script-src 'self' https://fonts") {
		t.Errorf("CSP %q", csp)
	}
}

// /api/v1/config lists the regions for the portal's switcher, each with the features whose
// plugin runs: here none, as this server starts no plugins.
func TestUIConfigListsTheRegions(t *testing.T) {
	base := start(t, nil)
	resp, body := get(t, base+"/api/v1/config")
	if resp.StatusCode != 200 {
		t.Fatalf("config: %d %s", resp.StatusCode, body)
	}
	var got UIConfig
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := []RegionInfo{{ID: "local", Name: "This machine", Description: "Services and files on the machine Basalt runs on."}}
	if !reflect.DeepEqual(got.Regions, want) {
		t.Errorf("regions = %+v, want %+v", got.Regions, want)
	}
}
