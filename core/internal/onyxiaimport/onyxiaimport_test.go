package onyxiaimport

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/schemacheck"
)

const pluginsDir = "../../../plugins"

// sessionKey is what an administrator gives in the environment after an import.
var sessionKey = []string{"BASALT_AUTH__SESSION__KEY=" + strings.Repeat("k", 40)}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// write puts a conversion's files in a new folder and returns the configuration's path.
func write(t *testing.T, res *Result, dir string) string {
	t.Helper()
	for name, body := range res.Settings {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "basalt.yaml")
	if err := os.WriteFile(path, res.Config, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// load converts and loads the result through the config package, as basalt serve would.
func load(t *testing.T, in Input) (*config.Config, *Result) {
	t.Helper()
	dir := t.TempDir()
	in.SettingsDir = dir
	res, err := Convert(in)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Sources{File: write(t, res, dir), Environ: sessionKey})
	if err != nil {
		t.Fatalf("the imported configuration does not load:\n%v\n%s", err, res.Config)
	}
	return cfg, res
}

// checkPluginSchemas validates each plugin section against its plugin's schema.json.
func checkPluginSchemas(t *testing.T, cfg *config.Config) {
	t.Helper()
	for name, p := range cfg.Plugins {
		dir := strings.TrimPrefix(filepath.Base(p.Path), "basalt-plugin-")
		raw, err := os.ReadFile(filepath.Join(pluginsDir, dir, "schema.json"))
		if err != nil {
			t.Logf("plugins.%s: no schema for %s here, not checked", name, dir)
			continue
		}
		schema, err := schemacheck.Compile(dir, raw)
		if err != nil {
			t.Fatal(err)
		}
		var inst any
		b, _ := json.Marshal(p.Config)
		_ = json.Unmarshal(b, &inst)
		if v := schema.Violations(inst); len(v) > 0 {
			t.Errorf("plugins.%s.config breaks %s/schema.json: %+v", name, dir, v)
		}
	}
}

const oneRegion = `{"regions": [{"id": "r", "services": {"singleNamespace": false}}]}`

// TestCatalogOptions converts each catalog option of Onyxia on its own: it must arrive in the
// catalog plugin's configuration, and the section must pass the plugin's schema.
func TestCatalogOptions(t *testing.T) {
	cases := []struct {
		option      string
		onyxia, out any // out nil: the same as onyxia
	}{
		{"name", map[string]any{"en": "IDEs", "fr": "IDE"}, nil},
		{"description", "Notebooks *and* IDEs.", nil},
		{"maintainer", "team@example.org", nil},
		{"scm", "https://git.example.org/charts", nil},
		{"status", "TEST", nil},
		{"type", "helm", nil},
		{"highlightedCharts", []any{"jupyter-python", "rstudio"}, nil},
		{"excludedCharts", []any{"old-chart"}, nil},
		{"includeKeywords", []any{"ide"}, nil},
		{"excludeKeywords", []any{"deprecated"}, nil},
		{"includeAnnotations", map[string]any{"kind": "ide"}, nil},
		{"excludeAnnotations", map[string]any{"hidden": "true"}, nil},
		{"multipleServicesMode", "skipPatches", nil},
		{"maxNumberOfVersions", 3.0, nil},
		{"skipTlsVerify", true, nil},
		{"caFile", "/etc/basalt/ca.pem", nil},
		{"timeout", "10m", nil},
		{"timeout", 600.0, "600s"}, // helm reads a bare number as seconds
		{"username", "reader", nil},
		{"password", "repo-password", nil},
		{"allowSharing", false, nil},
		{"visible", map[string]any{"user": true, "project": false}, nil},
		{"restrictions", []any{map[string]any{"userAttribute": map[string]any{"key": "groups", "matches": "^lab-.*$"}}}, nil},
	}
	tested := map[string]bool{"id": true, "location": true}
	for _, c := range cases {
		tested[c.option] = true
		t.Run(c.option, func(t *testing.T) {
			catalog := map[string]any{"id": "cat", "location": "https://charts.example.org", c.option: c.onyxia}
			doc, _ := json.Marshal(map[string]any{"catalogs": []any{catalog}})
			cfg, res := load(t, Input{Regions: []byte(oneRegion), Catalogs: doc})
			for _, u := range res.Unmapped {
				if strings.Contains(u.Field, "catalogs[0]") {
					t.Errorf("reported as unmapped: %s", u)
				}
			}
			entry := cfg.Plugins["catalogs"].Config["catalogs"].([]any)[0].(map[string]any)
			want := c.out
			if want == nil {
				want = c.onyxia
			}
			if got := normalizeJSON(entry[c.option]); !reflect.DeepEqual(got, normalizeJSON(want)) {
				t.Errorf("%s = %#v, want %#v", c.option, got, want)
			}
			if entry["id"] != "cat" || entry["location"] != "https://charts.example.org" {
				t.Errorf("id and location lost: %v", entry)
			}
			checkPluginSchemas(t, cfg)
		})
	}
	for _, option := range catalogOptions {
		if !tested[option] {
			t.Errorf("catalog option %s has no case", option)
		}
	}
}

func normalizeJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func TestCatalogOptionWithoutEquivalent(t *testing.T) {
	doc := `{"catalogs": [{"id": "c", "location": "https://x.example", "timeout": "ten minutes", "certificateAuthority": "x"}]}`
	_, res := load(t, Input{Regions: []byte(oneRegion), Catalogs: []byte(doc)})
	got := fields(res)
	for _, want := range []string{"catalogs.json: catalogs[0].timeout", "catalogs.json: catalogs[0].certificateAuthority"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s not reported; got %v", want, got)
		}
	}
}

func fields(res *Result) []string {
	var out []string
	for _, u := range res.Unmapped {
		out = append(out, u.Field)
	}
	return out
}

// TestFixture converts a full instance (testdata/) and checks what arrives where, and that
// exactly the settings without an equivalent are reported.
func TestFixture(t *testing.T) {
	cfg, res := load(t, Input{
		Regions:  readFile(t, "testdata/regions.json"),
		Catalogs: readFile(t, "testdata/catalogs.json"),
		Values:   readFile(t, "testdata/values.yaml"),
	})
	checkPluginSchemas(t, cfg)

	if cfg.Auth.Mode != "oidc" || cfg.Auth.OIDC.IssuerURL != "https://auth.example.org/realms/datalab" ||
		cfg.Auth.OIDC.RolesClaim != "realm_access.roles" || cfg.Auth.OIDC.ExtraParams["kc_idp_hint"] != "corporate" ||
		!slices.Equal(cfg.Auth.OIDC.Scopes, []string{"openid", "profile", "groups"}) {
		t.Errorf("auth: %+v", cfg.Auth.OIDC)
	}
	if cfg.Server.PublicURL != "https://datalab.example.org" {
		t.Errorf("public_url = %q", cfg.Server.PublicURL)
	}
	if cfg.UI.Name != "Datalab" || cfg.UI.Palette.Primary != "#0f4c81" || !slices.Equal(cfg.UI.Languages, []string{"en", "fr"}) ||
		cfg.UI.LogoURL != "https://datalab.example.org/static/logo.svg" {
		t.Errorf("theme: %+v", cfg.UI)
	}
	if cfg.Projects.UserPrefix != "user-" || cfg.Projects.GroupPrefix != "projet-" {
		t.Errorf("projects: %+v", cfg.Projects)
	}
	if len(cfg.Regions) != 2 || cfg.Regions[1].ID != "gpu-lyon" || !cfg.Regions[0].HidePersonalInfoInGroups {
		t.Fatalf("regions: %+v", cfg.Regions)
	}
	r := cfg.Regions[0]
	if r.Region != "datalab-kubernetes" || r.Storage != "datalab-s3" || r.Secrets != "datalab-vault" {
		t.Errorf("region plugins: %+v", r)
	}
	if r.MonitoringURL != "https://grafana.example.org/d/$NAMESPACE-$INSTANCE" || cfg.Regions[1].MonitoringURL != "" {
		t.Errorf("monitoring_url: %q, %q", r.MonitoringURL, cfg.Regions[1].MonitoringURL)
	}
	if _, ok := cfg.Plugins["files"]; ok {
		t.Error("the local default plugins must be off in an imported instance")
	}
	k8s := cfg.Plugins["datalab-kubernetes"].Config
	if q := k8s["quotas"].(map[string]any); q["user"].(map[string]any)["requests.memory"] != "32Gi" || q["roles"] == nil {
		t.Errorf("quotas: %v", q)
	}
	if a := k8s["access"].(map[string]any); a["authenticationMode"] != "impersonate" || a["usernamePrefix"] != "oidc-" {
		t.Errorf("access: %v", a)
	}
	if ns := k8s["namespaces"].(map[string]any); ns["includedGroupPattern"] != "^datalab-(.+)$" || ns["singleNamespace"] != nil {
		t.Errorf("namespaces: %v", ns)
	}
	if ca := k8s["clusterAccess"].(map[string]any); ca["mode"] != "idToken" || ca["server"] != "https://kube.example.org" {
		t.Errorf("clusterAccess from k8sPublicEndpoint: %v", ca)
	}
	s3 := cfg.Plugins["datalab-s3"].Config
	sts := s3["sts"].(map[string]any)
	if s3["endpoint"] != "https://minio.example.org" || sts["durationSeconds"] != 86400 ||
		sts["roles"].([]any)[0].(map[string]any)["roleARN"] != "arn:aws:iam::000000000000:role/datalab" {
		t.Errorf("s3: %v", s3)
	}
	if v := cfg.Plugins["datalab-vault"].Config; v["kvMount"] != "onyxia-kv" || v["jwtRole"] != "onyxia-user" || v["groupHome"] != "projet-{group}" {
		t.Errorf("vault: %v", v)
	}
	if cat := cfg.Plugins["catalogs"].Config; cat["refreshInterval"] != "5m0s" || len(cat["catalogs"].([]any)) != 2 {
		t.Errorf("catalogs: %v", cat)
	}

	settings, err := launch.LoadRegion(r.Settings)
	if err != nil {
		t.Fatalf("region settings: %v", err)
	}
	s := settings.Services
	if s.Expose.Domain != "lab.example.org" || s.Expose.CertManager == nil || s.Expose.CertManager.CertManagerClusterIssuer != "letsencrypt" ||
		s.AllowedURIPattern != "^https://" || s.InitScript == "" || s.DefaultConfiguration == nil || s.DefaultConfiguration.Resources.MemoryLimit != "8Gi" ||
		s.CustomValues == nil || settings.Vault == nil || settings.Vault.KVEngine != "onyxia-kv" ||
		settings.ProxyInjection == nil || settings.ProxyInjection.NoProxy == "" || settings.PackageRepositoryInjection.PypiProxyURL == "" ||
		settings.CertificateAuthorityInjection.Cacerts == "" {
		t.Errorf("region settings: %+v", settings)
	}

	want := []string{
		"values.yaml: api.env.security.cors.allowed_origins",
		"values.yaml: web.env.HEADER_TEXT_BOLD/HEADER_TEXT_FOCUS",
		"values.yaml: web.env.DISABLE_COMMAND_BAR",
		"values.yaml: web.env.FAVICON",
		"values.yaml: web.env.HOMEPAGE_HERO_TEXT",
		"values.yaml: web.env.QUOTA_WARNING_THRESHOLD",
		"catalogs.json: catalogs[1].certificateAuthority",
		"regions.json: regions[0].onyxiaAPI",
		"regions.json: regions[0].git",
		"regions.json: regions[0].services.namespaceAnnotationsDynamic",
		"regions.json: regions[0].services.expose.annotations",
		"regions.json: regions[0].services.expose.useDefaultCertificate",
		"regions.json: regions[0].data.S3.sts.oidcConfiguration",
		"regions.json: regions[0].data.S3.sts.role.profileName",
		"regions.json: regions[0].data.S3.sts.role.roleSessionName",
		"regions.json: regions[0].data.S3.bookmarks",
		"regions.json: regions[0].vault.oidcConfiguration",
		"regions.json: regions[1].services.authenticationMode",
		"regions.json: regions[1].services.server.URL",
		"regions.json: regions[1].services.server.auth",
		"regions.json: regions[1].services.quotas.default",
		"regions.json: regions[1].services.quotas.enabled",
		"regions.json: regions[1].data.S3[1]",
	}
	if got := fields(res); !slices.Equal(got, want) {
		t.Errorf("unmapped:\n got %q\nwant %q", got, want)
	}
	for _, u := range res.Unmapped {
		if strings.Contains(u.Value, "s3cr3t") {
			t.Errorf("a credential reached the report: %s", u)
		}
	}
}

// TestReferenceExamples converts the Onyxia example files of the shared reference, read in place.
func TestReferenceExamples(t *testing.T) {
	dir := shared(t, "reference/onyxia-config-examples")
	cfg, res := load(t, Input{Regions: readFile(t, dir+"/regions.json"), Catalogs: readFile(t, dir+"/catalogs.json")})
	checkPluginSchemas(t, cfg)
	catalogs := cfg.Plugins["catalogs"].Config["catalogs"].([]any)
	if len(catalogs) != 3 || catalogs[1].(map[string]any)["highlightedCharts"] == nil {
		t.Errorf("catalogs: %v", catalogs)
	}
	k8s := cfg.Plugins["kub-kubernetes"].Config
	if k8s["namespaces"].(map[string]any)["singleNamespace"] != "onyxia" || k8s["expose"].(map[string]any)["domain"] != "fakedomain.kub.example.com" {
		t.Errorf("kubernetes: %v", k8s)
	}
	got := fields(res)
	for _, want := range []string{"regions.json: regions[0].services.quotas.default", "regions.json: regions[0].auth"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s not reported; got %v", want, got)
		}
	}
	// Its monitoring pattern is mapped; its placeholder, which Onyxia's web does not fill
	// either, is noted.
	if cfg.Regions[0].MonitoringURL != "https://graphana.kub.example.com/$appIdSlug" ||
		!slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "monitoring.URLPattern: $appIdSlug stays as written") }) {
		t.Errorf("monitoring_url %q, notes %q", cfg.Regions[0].MonitoringURL, res.Notes)
	}
}

func TestSingleNamespaceByDefault(t *testing.T) {
	cfg, res := load(t, Input{Regions: []byte(`[{"id": "r"}]`)})
	ns := cfg.Plugins["r-kubernetes"].Config["namespaces"].(map[string]any)
	if ns["singleNamespace"] != "onyxia" || len(res.Notes) == 0 {
		t.Errorf("Onyxia's singleNamespace defaults to true: %v, notes %v", ns, res.Notes)
	}
}

func TestBadInput(t *testing.T) {
	for name, in := range map[string]Input{
		"not JSON":         {Regions: []byte(`{`)},
		"regions a string": {Regions: []byte(`{"regions": "eu"}`)},
		"region a number":  {Regions: []byte(`[3]`)},
		"no regions":       {Catalogs: []byte(`[]`)},
		"values not YAML":  {Regions: []byte(oneRegion), Values: []byte("a: [")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Convert(in)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), "regions") && !strings.Contains(err.Error(), "values") {
				t.Errorf("the error must name the input: %v", err)
			}
		})
	}
}

// TestRegionsAndCatalogsFromValues reads api.regions and api.catalogs of the chart's values
// when no JSON file is given, as an Onyxia chart holds them.
func TestRegionsAndCatalogsFromValues(t *testing.T) {
	values := `
api:
  regions:
    - id: lab
      services: {singleNamespace: false, expose: {domain: lab.example.org}}
  catalogs:
    - id: ide
      location: https://charts.example.org
      highlightedCharts: [jupyter-python]
`
	cfg, res := load(t, Input{Values: []byte(values)})
	if cfg.Regions[0].ID != "lab" || cfg.Plugins["lab-kubernetes"].Config["expose"].(map[string]any)["domain"] != "lab.example.org" {
		t.Errorf("regions from values: %+v", cfg.Regions)
	}
	if c := cfg.Plugins["catalogs"].Config["catalogs"].([]any); len(c) != 1 || c[0].(map[string]any)["id"] != "ide" {
		t.Errorf("catalogs from values: %v", c)
	}
	if len(res.Unmapped) != 0 {
		t.Errorf("nothing is unmapped here: %v", res.Unmapped)
	}
}

// A pattern Basalt would refuse as monitoring_url is reported, with the rule, not written.
func TestMonitoringPatternBasaltRefuses(t *testing.T) {
	cfg, res := load(t, Input{Regions: []byte(`[{"id": "r", "services": {"monitoring": {"URLPattern": "grafana/$NAMESPACE"}}}]`)})
	if cfg.Regions[0].MonitoringURL != "" {
		t.Errorf("monitoring_url = %q", cfg.Regions[0].MonitoringURL)
	}
	if len(res.Unmapped) != 1 || res.Unmapped[0].Field != "regions.json: regions[0].services.monitoring.URLPattern" ||
		!strings.Contains(res.Unmapped[0].Reason, "http or https URL") {
		t.Errorf("unmapped: %v", res.Unmapped)
	}
}
