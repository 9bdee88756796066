package reference

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"

	"github.com/basalt-dev/basalt/config"
)

const docPath = "../../docs/configuration.md"

// TestDocIsCurrent fails when docs/configuration.md differs from what the definitions give.
func TestDocIsCurrent(t *testing.T) {
	var want bytes.Buffer
	if err := Markdown(&want, "../../plugins"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v: run make docs", err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("%s is stale: run make docs (go run ./config/cmd/configdoc > docs/configuration.md)", docPath)
	}
}

func TestEveryFieldHasAMeaning(t *testing.T) {
	keys, err := Keys()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 40 {
		t.Fatalf("only %d keys: the walk misses fields", len(keys))
	}
	type inner struct {
		Known string `koanf:"known" doc:"Has one."`
		Bare  string `koanf:"bare"`
	}
	type outer struct {
		Nested map[string]inner `koanf:"nested" doc:"A map of objects."`
	}
	_, err = walk(reflect.TypeFor[outer](), "")
	if err == nil || !strings.Contains(err.Error(), "nested.<name>.bare") || strings.Contains(err.Error(), "known") {
		t.Fatalf("a field without a doc tag must be named, alone: %v", err)
	}
}

// TestEveryDefaultIsListed checks the walk against the defaults: every key default.yaml sets
// (outside plugin sections and the region list) is a row with that default.
func TestEveryDefaultIsListed(t *testing.T) {
	keys, err := Keys()
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]Key{}
	for _, k := range keys {
		byPath[k.Path] = k
	}
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(config.DefaultYAML), yaml.Parser()); err != nil {
		t.Fatal(err)
	}
	for _, path := range k.Keys() {
		if strings.HasPrefix(path, "plugins.") || strings.HasPrefix(path, "regions") {
			continue
		}
		key, ok := byPath[path]
		if !ok {
			// A map-valued key (extra_params, role_claims) is flattened by koanf.
			parent := path[:strings.LastIndex(path, ".")]
			if p, ok := byPath[parent]; ok && strings.HasPrefix(p.Type, "map of") {
				continue
			}
			t.Errorf("default key %s is not in the reference", path)
			continue
		}
		if key.Default == "" {
			t.Errorf("%s: no default shown though default.yaml sets %v", path, k.Get(path))
		}
	}
	if got := byPath["server.address"]; got.Default != "127.0.0.1:8080" || got.Env != "BASALT_SERVER__ADDRESS" || got.Type != "string" {
		t.Errorf("server.address row: %+v", got)
	}
	if got := byPath["plugins.<name>.start_timeout"]; got.Type != "duration" || got.Env != "BASALT_PLUGINS__<NAME>__START_TIMEOUT" {
		t.Errorf("plugin start_timeout row: %+v", got)
	}
	if got := byPath["regions[n].id"]; got.Env != "" {
		t.Errorf("a list element has no variable: %+v", got)
	}
}

// TestEnvNamesAreRead proves documented variable names are the loader's.
func TestEnvNamesAreRead(t *testing.T) {
	keys, _ := Keys()
	env := map[string]string{}
	for _, k := range keys {
		env[k.Path] = k.Env
	}
	cfg, err := config.Load(config.Sources{Environ: []string{
		env["server.public_url"] + "=https://x.example", env["auth.session.idle_timeout"] + "=90m"}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.PublicURL != "https://x.example" || cfg.Auth.Session.IdleTimeout.Minutes() != 90 {
		t.Errorf("documented variables %s and %s were not read", env["server.public_url"], env["auth.session.idle_timeout"])
	}
}

func TestPluginSchemas(t *testing.T) {
	plugins, err := Plugins("../../plugins")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]Plugin{}
	for _, p := range plugins {
		found[p.Dir] = p
	}
	k, ok := found["kubernetes"]
	if !ok || k.Binary != "basalt-plugin-kubernetes" {
		t.Fatalf("kubernetes plugin: %+v", k)
	}
	rows := map[string]Key{}
	for _, key := range k.Keys {
		rows[key.Path] = key
	}
	// $ref into $defs is followed, and an outer description wins over the target's.
	if r := rows["namespaces.namespacePrefix"]; r.Type != "string" || !strings.Contains(r.Doc, "Personal namespace") {
		t.Errorf("namespaces.namespacePrefix: %+v", r)
	}
	if r := rows["defaultTimeout"]; r.Type != "duration" || !strings.Contains(r.Doc, "install or upgrade") {
		t.Errorf("defaultTimeout: %+v", r)
	}
	if r := rows["access.authenticationMode"]; r.Type != "one of serviceAccount, impersonate" {
		t.Errorf("access.authenticationMode: %+v", r)
	}
	h := found["helmrepo"]
	var required bool
	for _, key := range h.Keys {
		if key.Path == "catalogs[n].location" {
			required = strings.HasPrefix(key.Doc, "Required.")
		}
	}
	if !required || h.Binary != "basalt-plugin-helmrepo" {
		t.Errorf("helmrepo: catalogs[n].location must be listed as required; binary %q", h.Binary)
	}
}
