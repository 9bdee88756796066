// Package onyxiaimport converts an Onyxia instance's configuration (its regions and catalogs
// JSON, and optionally the Helm values of its chart) into a Basalt configuration, keeping
// every setting that has an equivalent and reporting, by name, each one that has none.
package onyxiaimport

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Input is what an Onyxia instance is configured with.
type Input struct {
	Regions  []byte // regions.json: {"regions": [...]} or a bare array; nil: the values' api.regions
	Catalogs []byte // catalogs.json: {"catalogs": [...]} or a bare array; nil: the values' api.catalogs
	Values   []byte // the Onyxia chart's values.yaml (web.env, api.env, ingress); nil for none
	// SettingsDir is where the region settings files will be, as the configuration names them.
	SettingsDir string
}

// Unmapped is an Onyxia setting Basalt has no equivalent for.
type Unmapped struct {
	Field  string // where it was, e.g. regions.json: regions[0].services.monitoring.URLPattern
	Value  string // a short rendering; secrets are hidden
	Reason string
}

func (u Unmapped) String() string {
	if u.Value == "" {
		return u.Field + ": " + u.Reason
	}
	return fmt.Sprintf("%s (%s): %s", u.Field, u.Value, u.Reason)
}

// Result is the converted configuration.
type Result struct {
	Config   []byte            // basalt.yaml
	Settings map[string][]byte // region settings files by file name (inside SettingsDir)
	Unmapped []Unmapped
	// Notes are things the administrator must still do (secrets Basalt cannot import).
	Notes []string
}

// Convert converts an Onyxia configuration.
func Convert(in Input) (*Result, error) {
	var values map[string]any
	if len(in.Values) > 0 {
		if err := yaml.Unmarshal(in.Values, &values); err != nil {
			return nil, fmt.Errorf("values: %w", err)
		}
	}
	var report []Unmapped
	vals := newObject("values.yaml:", values, &report)
	api := vals.child("api")

	regions, err := list(in.Regions, "regions", api, "regions.json")
	if err != nil {
		return nil, err
	}
	catalogs, err := list(in.Catalogs, "catalogs", api, "catalogs.json")
	if err != nil {
		return nil, err
	}
	if len(regions) == 0 {
		return nil, fmt.Errorf("regions: none given (--regions, or api.regions in the values)")
	}

	c := &converter{out: newConfig(), settings: map[string][]byte{}, settingsDir: in.SettingsDir, report: &report}
	c.instance(api.child("env"))
	c.theme(vals.child("web").child("env"))
	c.ingress(vals.child("ingress"))
	c.catalogs(catalogs)
	for n, r := range regions {
		if err := c.region(n, r); err != nil {
			return nil, err
		}
	}
	if c.hidePersonalInfo {
		for i := range c.out.Regions {
			c.out.Regions[i].HidePersonalInfoInGroups = true
		}
	}

	cfg, err := marshal(c.out)
	if err != nil {
		return nil, err
	}
	return &Result{Config: cfg, Settings: c.settings, Unmapped: report, Notes: c.notes}, nil
}

// list reads a JSON document holding a list under key (or the bare list), else the values'
// api.<key>.
func list(doc []byte, key string, api *object, file string) ([]*object, error) {
	var raw any
	label := key
	switch {
	case len(doc) > 0:
		if err := json.Unmarshal(doc, &raw); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if m, ok := raw.(map[string]any); ok {
			raw = m[key]
		}
	default:
		raw, _ = api.take(key)
		file, label = "values.yaml", "api."+key
	}
	if raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: %s must be a list", file, label)
	}
	out := make([]*object, len(items))
	for i, item := range items {
		if _, ok := item.(map[string]any); !ok {
			return nil, fmt.Errorf("%s: %s[%d] must be an object", file, label, i)
		}
		out[i] = newObject(fmt.Sprintf("%s: %s[%d]", file, label, i), item, api.report)
	}
	return out, nil
}

type converter struct {
	out              *basaltConfig
	settings         map[string][]byte
	settingsDir      string
	report           *[]Unmapped
	notes            []string
	hidePersonalInfo bool
	refreshInterval  string
}

func (c *converter) note(format string, args ...any) {
	c.notes = append(c.notes, fmt.Sprintf(format, args...))
}

// instance maps the API's environment (api.env of the chart): authentication and catalogs.
func (c *converter) instance(env *object) {
	a := &c.out.Auth
	switch mode := env.str("authentication.mode"); mode {
	case "":
	case "openidconnect":
		a.Mode = "oidc"
	case "none":
		a.Mode = "local"
	default:
		*c.report = append(*c.report, Unmapped{Field: env.at("authentication.mode"), Value: mode, Reason: "Basalt knows local and oidc only"})
	}
	a.OIDC.IssuerURL = env.str("oidc.issuer-uri")
	a.OIDC.ClientID = env.str("oidc.clientID")
	a.OIDC.Audience = env.str("oidc.audience")
	a.OIDC.UsernameClaim = env.str("oidc.username-claim")
	a.OIDC.GroupsClaim = env.str("oidc.groups-claim")
	a.OIDC.RolesClaim = env.str("oidc.roles-claim")
	if scope := env.str("oidc.scope"); scope != "" {
		a.OIDC.Scopes = strings.FieldsFunc(scope, func(r rune) bool { return r == ' ' || r == ',' })
	}
	if params := env.str("oidc.extra-query-params"); params != "" {
		a.OIDC.ExtraParams = map[string]string{}
		for _, pair := range strings.Split(params, "&") {
			k, v, _ := strings.Cut(pair, "=")
			a.OIDC.ExtraParams[k] = v
		}
	}
	if ms, ok := env.take("catalog.refresh.ms"); ok {
		var n int64
		if _, err := fmt.Sscan(fmt.Sprint(ms), &n); err == nil && n >= 0 {
			c.refreshInterval = (time.Duration(n) * time.Millisecond).String()
		} else {
			*c.report = append(*c.report, Unmapped{Field: env.at("catalog.refresh.ms"), Value: fmt.Sprint(ms), Reason: "not a number of milliseconds"})
		}
	}
	env.rest("an Onyxia API setting without a Basalt equivalent")
}

// theme maps the web's environment (web.env of the chart).
func (c *converter) theme(env *object) {
	ui := &c.out.UI
	if title := env.str("TAB_TITLE"); title != "" {
		ui.Name = title
	}
	bold, focus := env.str("HEADER_TEXT_BOLD"), env.str("HEADER_TEXT_FOCUS")
	switch header := strings.TrimSpace(bold + " " + focus); {
	case header == "":
	case ui.Name == "":
		ui.Name = header
	default:
		*c.report = append(*c.report, Unmapped{Field: env.at("HEADER_TEXT_BOLD/HEADER_TEXT_FOCUS"), Value: header,
			Reason: "Basalt shows one name (ui.name, taken from TAB_TITLE) in the header and the tab"})
	}
	if logo := env.str("HEADER_LOGO"); logo != "" {
		if strings.Contains(logo, "%PUBLIC_URL%") || strings.HasPrefix(logo, "{") {
			*c.report = append(*c.report, Unmapped{Field: env.at("HEADER_LOGO"), Value: logo,
				Reason: "an asset of Onyxia's own build or a light/dark pair: give ui.logo_url an absolute URL"})
		} else {
			ui.LogoURL = logo
		}
	}
	if palette := env.str("PALETTE_OVERRIDE"); palette != "" {
		var p map[string]any
		if err := json.Unmarshal([]byte(palette), &p); err != nil {
			*c.report = append(*c.report, Unmapped{Field: env.at("PALETTE_OVERRIDE"), Value: brief(palette), Reason: "not JSON"})
		} else {
			po := newObject(env.at("PALETTE_OVERRIDE"), p, c.report)
			ui.Palette.Primary = po.child("focus").str("main")
			po.rest("Basalt's palette has one colour (ui.palette.primary, from focus.main)")
		}
	}
	if langs := env.str("ENABLED_LANGUAGES"); langs != "" {
		var list []string
		if json.Unmarshal([]byte(langs), &list) != nil {
			for _, l := range strings.Split(langs, ",") {
				if l = strings.TrimSpace(l); l != "" {
					list = append(list, l)
				}
			}
		}
		ui.Languages = list
	}
	if hide, _ := env.boolean("DISABLE_PERSONAL_INFOS_INJECTION_IN_GROUP"); hide {
		c.hidePersonalInfo = true
	}
	env.rest("an Onyxia web setting without a Basalt equivalent")
}

// ingress maps the chart's ingress host to the public URL.
func (c *converter) ingress(ing *object) {
	hosts, _ := ing.take("hosts")
	if list, ok := hosts.([]any); ok && len(list) > 0 {
		if h, ok := list[0].(map[string]any); ok {
			if host, _ := h["host"].(string); host != "" {
				c.out.Server.PublicURL = "https://" + host
			}
		}
	}
	// The rest of the chart's values describe Onyxia's deployment, not its behaviour.
}

// regionID makes an Onyxia region id a valid Basalt one.
func regionID(id string, n int) string {
	id = strings.ToLower(id)
	id = regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(id, "-")
	id = strings.Trim(id, "-")
	if id == "" || id[0] < 'a' || id[0] > 'z' {
		id = fmt.Sprintf("region-%d%s", n, id)
	}
	if len(id) > 31 {
		id = id[:31]
	}
	return id
}

func (c *converter) settingsPath(file string) string {
	if c.settingsDir == "" {
		return file
	}
	return filepath.Join(c.settingsDir, file)
}
