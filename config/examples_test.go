package config

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// exampleSecrets are what the examples expect from the environment rather than the file.
var exampleSecrets = []string{
	"BASALT_AUTH__SESSION__KEY=" + strings.Repeat("s", 40),
	"BASALT_AUTH__OIDC__CLIENT_SECRET=client-secret",
}

// TestExamples loads every file of examples/ as basalt serve would and checks each plugin
// section against its plugin's published schema.
func TestExamples(t *testing.T) {
	files, _ := filepath.Glob("examples/*.yaml")
	if len(files) < 3 {
		t.Fatalf("examples: %v", files)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			cfg, err := Load(Sources{File: file, Environ: exampleSecrets})
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Regions) == 0 || cfg.Regions[0].Region == "" {
				t.Fatal("an example runs services in its first region")
			}
			for name, p := range cfg.Plugins {
				checkPluginSchema(t, "../plugins", name, p)
			}
		})
	}
}

// checkPluginSchema validates p's config section against the schema.json of the plugin its
// executable names (basalt-plugin-<dir>), when that plugin is in pluginsDir.
func checkPluginSchema(t *testing.T, pluginsDir, name string, p Plugin) {
	t.Helper()
	checked, err := pluginSchemaError(pluginsDir, p)
	if !checked {
		t.Logf("plugins.%s: no schema for %s in %s, section not checked", name, p.Path, pluginsDir)
	}
	if err != nil {
		t.Errorf("plugins.%s.config: %v", name, err)
	}
}

func pluginSchemaError(pluginsDir string, p Plugin) (checked bool, err error) {
	dir := strings.TrimPrefix(filepath.Base(p.Path), "basalt-plugin-")
	schemaFile := filepath.Join(pluginsDir, dir, "schema.json")
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		return false, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return true, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaFile, doc); err != nil {
		return true, err
	}
	schema, err := c.Compile(schemaFile)
	if err != nil {
		return true, err
	}
	// Round-trip through JSON: the validator wants JSON's types, not YAML's.
	b, err := json.Marshal(p.Config)
	if err != nil {
		return true, err
	}
	section, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return true, err
	}
	return true, schema.Validate(section)
}

func TestPluginSchemaCheckRefuses(t *testing.T) {
	checked, err := pluginSchemaError("../plugins", Plugin{Path: "basalt-plugin-kubernetes", Config: map[string]any{"qps": -1}})
	if !checked || err == nil || !strings.Contains(err.Error(), "qps") {
		t.Fatalf("a bad section must be refused naming the key: checked=%v err=%v", checked, err)
	}
}
