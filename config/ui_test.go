package config

import (
	"errors"
	"strings"
	"testing"
)

// The rebranding example loads through the config package with every part of the theme kept.
func TestThemeRebrandExample(t *testing.T) {
	cfg, err := Load(Sources{File: "examples/theme-rebrand.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	ui := cfg.UI
	checks := map[string][2]string{
		"name":                 {ui.Name, "Nordlys Lab"},
		"header_text.fr":       {ui.HeaderText["fr"], "Office statistique · plateforme de data science"},
		"favicon_url":          {ui.FaviconURL, "/branding/nordlys-favicon.png"},
		"palette.secondary":    {ui.Palette.Secondary, "#f2a541"},
		"dark_palette.primary": {ui.DarkPalette.Primary, "#4fc1a6"},
		"dark_palette.text":    {ui.DarkPalette.Text, "#e4efe9"},
		"font.css_url":         {ui.Font.CSSURL, "/branding/fonts.css"},
		"links.footer[1].url":  {ui.Links.Footer[1].URL, "https://status.nordlys.example.org"},
		"home.cta.label.en":    {ui.Home.CallToAction.Label["en"], "Start a notebook"},
		"home.cards[1].icon":   {ui.Home.Cards[1].Icon, "files"},
		"alert.severity":       {ui.Alert.Severity, "warning"},
		"terms.version":        {ui.Terms.Version, "2026-01"},
		"bookmarks[1].path":    {ui.Bookmarks[1].Path, "nordlys-shared/census/2025/"},
		"languages[0]":         {ui.Languages[0], "fr"},
	}
	for key, c := range checks {
		if c[0] != c[1] {
			t.Errorf("ui.%s = %q, want %q", key, c[0], c[1])
		}
	}
	if ui.Features.AutoLaunch || ui.Features.AllCatalogs || !ui.Features.CommandPanel {
		t.Errorf("features = %+v", ui.Features)
	}
	if !strings.Contains(ui.Terms.Markdown["fr"], "Conditions d'utilisation") {
		t.Errorf("terms.markdown.fr = %q", ui.Terms.Markdown["fr"])
	}
}

// Every feature is on by default except auto-launch: a launch link from anyone would start a
// service (and its init script) in the user's name without them seeing it.
func TestDefaultFeatures(t *testing.T) {
	cfg, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if f := cfg.UI.Features; !f.CommandPanel || f.AutoLaunch || !f.AllCatalogs {
		t.Errorf("features = %+v, want command_panel and all_catalogs on, auto_launch off", f)
	}
}

func TestUIErrorsNameTheKey(t *testing.T) {
	cases := []struct{ name, yaml, key string }{
		{"colour", "ui:\n  palette:\n    primary: 'red; background: url(x)'\n", "ui.palette.primary"},
		{"dark colour", "ui:\n  dark_palette:\n    surface: '#12345'\n", "ui.dark_palette.surface"},
		{"font family", "ui:\n  font:\n    family: 'Arial; } body { display: none'\n", "ui.font.family"},
		{"script url", "ui:\n  favicon_url: 'javascript:alert(1)'\n", "ui.favicon_url"},
		{"link without url", "ui:\n  links:\n    footer:\n      - label: {en: Help}\n", "ui.links.footer[0].url"},
		{"link without label", "ui:\n  links:\n    header:\n      - url: https://x.example\n", "ui.links.header[0].label"},
		{"label keyed by a non-language", "ui:\n  links:\n    side_bar:\n      - {label: {English: Help}, url: /catalog}\n", "ui.links.side_bar[0].label.English"},
		{"alert severity", "ui:\n  alert:\n    severity: loud\n    text: {en: hi}\n", "ui.alert.severity"},
		{"terms without version", "ui:\n  terms:\n    url: https://x.example/terms\n", "ui.terms.version"},
		{"unknown language", "ui:\n  languages: [en, de]\n", "ui.languages[1]"},
		{"card without url", "ui:\n  home:\n    cards:\n      - title: {en: A}\n", "ui.home.cards[0].url"},
		{"bookmark escaping", "ui:\n  bookmarks:\n    - {label: {en: A}, path: ../other/}\n", "ui.bookmarks[0].path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(Sources{File: writeFile(t, c.yaml)})
			var ke *KeyError
			if !errors.As(err, &ke) || !strings.Contains(err.Error(), c.key+":") {
				t.Fatalf("error %v does not name %s", err, c.key)
			}
		})
	}
}
