package helm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/basalt-dev/basalt/config"
)

// loadAsThePod loads the rendered configuration the way `basalt serve` in the pod would: the
// ConfigMap's files in a directory standing for /etc/basalt, the Secret's files for
// /etc/basalt-secrets, and the container's BASALT_* variables resolved from the Secret.
func loadAsThePod(t *testing.T, ms manifests) (*config.Config, error) {
	t.Helper()
	var d deployment
	ms.decode(t, "Deployment", &d)
	c := d.container(t)
	var cm configMap
	ms.decode(t, "ConfigMap", &cm)
	var s secret
	ms.decode(t, "Secret", &s)

	etc, secrets := t.TempDir(), t.TempDir()
	for name, content := range cm.Data {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		for _, item := range v.Secret.Items {
			value, ok := s.value(t, item.Key)
			if !ok {
				t.Fatalf("volume %s mounts key %s, which Secret %s lacks", v.Name, item.Key, s.Metadata.Name)
			}
			if err := os.WriteFile(filepath.Join(secrets, item.Path), []byte(value), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The longer path first: /etc/basalt is a prefix of /etc/basalt-secrets.
	text := strings.NewReplacer("/etc/basalt-secrets/", secrets+"/", "/etc/basalt/", etc+"/").Replace(cm.Data["basalt.yaml"])
	file := filepath.Join(t.TempDir(), "basalt.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(c.Args, " "), "--config /etc/basalt/basalt.yaml") {
		t.Fatalf("the container does not read the ConfigMap's file: args %v", c.Args)
	}

	var environ []string
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			environ = append(environ, e.Name+"="+e.Value)
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if ref.Name != s.Metadata.Name {
				t.Fatalf("%s reads Secret %s, the chart made %s", e.Name, ref.Name, s.Metadata.Name)
			}
			value, ok := s.value(t, ref.Key)
			if !ok && !ref.Optional {
				t.Fatalf("%s reads key %s, which the Secret lacks", e.Name, ref.Key)
			}
			if ok {
				environ = append(environ, e.Name+"="+value)
			}
		}
	}
	return config.Load(config.Sources{File: file, Environ: environ})
}

// checkPluginSchemas validates each plugin instance's section against the JSON Schema of the
// repository's plugin of that binary (basalt-plugin-<name> is plugins/<name>), as the plugin
// host does at start.
func checkPluginSchemas(t *testing.T, cfg *config.Config) {
	t.Helper()
	for name, p := range cfg.Plugins {
		dir, ok := strings.CutPrefix(p.Path, "basalt-plugin-")
		if !ok {
			t.Fatalf("plugins.%s.path: %q is not a plugin of the image", name, p.Path)
		}
		schemaFile := filepath.Join("..", "..", "plugins", dir, "schema.json")
		compiler := jsonschema.NewCompiler()
		schema, err := compiler.Compile(schemaFile)
		if err != nil {
			t.Fatalf("plugins.%s: %v", name, err)
		}
		section := p.Config
		if section == nil {
			section = map[string]any{}
		}
		if err := schema.Validate(jsonValue(t, section)); err != nil {
			t.Errorf("plugins.%s.config does not match %s: %v", name, schemaFile, err)
		}
	}
}

// jsonValue turns YAML-decoded values into the JSON values a schema validates.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDefaultValuesAreAValidConfiguration(t *testing.T) {
	t.Parallel()
	cfg, err := loadAsThePod(t, render(t))
	if err != nil {
		t.Fatalf("Basalt refuses the chart's default configuration:\n%v", err)
	}
	if cfg.Server.Address != "0.0.0.0:8080" {
		t.Errorf("server.address %q: the pod must listen on containerPort on every interface", cfg.Server.Address)
	}
	if cfg.Log.Format != "json" {
		t.Errorf("log.format %q, want json from values.yaml", cfg.Log.Format)
	}
	checkPluginSchemas(t, cfg)
}

func TestProductionValuesAreAValidConfiguration(t *testing.T) {
	t.Parallel()
	values, err := os.ReadFile(productionValues)
	if err != nil {
		t.Fatal(err)
	}
	ms := render(t, "-f", productionValues)
	cfg, err := loadAsThePod(t, ms)
	if err != nil {
		t.Fatalf("Basalt refuses %s:\n%v", productionValues, err)
	}
	// Secrets reach Basalt exactly, whatever YAML would make of them as bare scalars.
	for _, c := range []struct{ key, got, want string }{
		{"auth.session.key", cfg.Auth.Session.Key, "0123456789 #session-key-of-the-datalab: [x]"},
		{"auth.oidc.client_secret", cfg.Auth.OIDC.ClientSecret, "12345678"},
		{"ui.name", cfg.UI.Name, "Datalab #1"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.key, c.got, c.want)
		}
	}
	if cfg.Auth.Mode != "oidc" || len(cfg.Regions) != 1 || cfg.Regions[0].Region != "cluster" {
		t.Errorf("the configuration of %s was not applied: mode %q, regions %+v", productionValues, cfg.Auth.Mode, cfg.Regions)
	}
	if tr := cfg.Telemetry.Tracing; !tr.Enabled || tr.Endpoint == "" || len(tr.Headers) != 0 {
		t.Errorf("tracing %+v: want it on, with an endpoint, its headers in the Secret only", tr)
	}
	checkTracingHeadersFromTheSecret(t, ms)
	if _, ok := cfg.Plugins["files"]; ok {
		t.Error("plugins.files.enabled false did not drop the embedded local files plugin")
	}
	checkPluginSchemas(t, cfg)
	if !strings.Contains(string(values), "caFile: /etc/basalt-secrets/charts-ca.crt") {
		t.Fatal("the production example no longer reads a file from the Secret; keep that case covered")
	}
}

// A configuration Basalt refuses is refused from the rendered chart too, naming the key: the
// check above is not vacuous.
func TestBrokenConfigurationIsRefused(t *testing.T) {
	t.Parallel()
	_, err := loadAsThePod(t, render(t, "--set", "config.auth.mode=oidc", "--set", "config.log.level=loud"))
	if err == nil {
		t.Fatal("oidc mode without an issuer and a bad log level loaded")
	}
	for _, key := range []string{"auth.oidc.issuer_url", "log.level"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
	if strings.Contains(err.Error(), "auth.session.key") {
		t.Errorf("the chart generates a session key in oidc mode, yet it is reported missing:\n%v", err)
	}
}

// The chart's schema knows every top-level section of Basalt's configuration, and no other:
// a new section must be added to values.schema.json (config.properties).
func TestSchemaKnowsEveryConfigurationSection(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(chartDir + "/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			Config struct {
				AdditionalProperties *bool                      `json:"additionalProperties"`
				Properties           map[string]json.RawMessage `json:"properties"`
			} `json:"config"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	c := schema.Properties.Config
	if c.AdditionalProperties == nil || *c.AdditionalProperties {
		t.Error("config.additionalProperties must be false, so that a misspelt section is refused")
	}
	ty := reflect.TypeFor[config.Config]()
	sections := map[string]bool{}
	for i := range ty.NumField() {
		key := ty.Field(i).Tag.Get("koanf")
		sections[key] = true
		if _, ok := c.Properties[key]; !ok {
			t.Errorf("values.schema.json lacks config section %q", key)
		}
	}
	for key := range c.Properties {
		if !sections[key] {
			t.Errorf("values.schema.json has config section %q, which Basalt does not know", key)
		}
	}
}

// checkTracingHeadersFromTheSecret: the trace exporter's credentials reach the container from
// the Secret (OTEL_EXPORTER_OTLP_HEADERS, which the core and its plugins read), never through
// the ConfigMap.
func checkTracingHeadersFromTheSecret(t *testing.T, ms manifests) {
	t.Helper()
	var d deployment
	ms.decode(t, "Deployment", &d)
	var cm configMap
	ms.decode(t, "ConfigMap", &cm)
	fromSecret := false
	for _, e := range d.container(t).Env {
		if e.Name == "OTEL_EXPORTER_OTLP_HEADERS" {
			fromSecret = e.Value == "" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
		}
	}
	if !fromSecret {
		t.Error("OTEL_EXPORTER_OTLP_HEADERS does not come from the Secret")
	}
	for name, content := range cm.Data {
		if strings.Contains(content, "collector-token") {
			t.Errorf("the ConfigMap's %s shows the collector's token", name)
		}
	}
}
