package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	yamlv3 "go.yaml.in/yaml/v3"
)

// EnvPrefix starts every environment variable Basalt reads. A double underscore separates
// levels, so BASALT_SERVER__PUBLIC_URL sets server.public_url.
const EnvPrefix = "BASALT_"

// PluginEnvPrefix starts the variables meant for plugin processes (the handshake's cookie, a
// CPU profile's file...): no configuration key reads them, and the core passes them on.
const PluginEnvPrefix = "BASALT_PLUGIN_"

// Sources lists where configuration comes from, beyond the embedded defaults.
type Sources struct {
	File    string   // a YAML file; "" for none
	Environ []string // KEY=value pairs, usually os.Environ()
	Sets    []string // key=value overrides from flags, values parsed as YAML scalars
}

// Load merges the defaults with every source, decodes the result strictly (unknown keys and
// wrong types are errors naming the key) and validates it.
func Load(src Sources) (*Config, error) {
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(DefaultYAML), yaml.Parser()); err != nil {
		return nil, fmt.Errorf("embedded defaults: %w", err)
	}
	if src.File != "" {
		if _, err := os.Stat(src.File); err != nil {
			return nil, fmt.Errorf("configuration file: %w", err)
		}
		if err := k.Load(file.Provider(src.File), yaml.Parser()); err != nil {
			return nil, fmt.Errorf("configuration file %s: %w", src.File, err)
		}
	}
	if err := k.Load(envProvider(src.Environ), nil); err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	sets, err := parseSets(src.Sets)
	if err != nil {
		return nil, err
	}
	if err := k.Load(confmap.Provider(sets, "."), nil); err != nil {
		return nil, fmt.Errorf("flags: %w", err)
	}

	var cfg Config
	if err := decode(k, &cfg); err != nil {
		return nil, err
	}
	for name, p := range cfg.Plugins {
		if p.Enabled != nil && !*p.Enabled {
			delete(cfg.Plugins, name)
			dropRegionReferences(cfg.Regions, name)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// dropRegionReferences removes a disabled plugin from the regions naming it: such a region
// lacks that feature, as if it named none, so that turning a plugin off takes one key.
func dropRegionReferences(regions []Region, plugin string) {
	for i := range regions {
		r := &regions[i]
		for _, ref := range []*string{&r.Region, &r.Storage, &r.Secrets} {
			if *ref == plugin {
				*ref = ""
			}
		}
	}
}

func envProvider(environ []string) *env.Env {
	return env.Provider(".", env.Opt{
		Prefix:      EnvPrefix,
		EnvironFunc: func() []string { return environ },
		TransformFunc: func(k, v string) (string, any) {
			key := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(k, EnvPrefix)), "__", ".")
			// Other tools share the prefix (BASALT_TESTENV_FILE...): only variables under a
			// section of the configuration are Basalt's; within one, unknown keys are errors.
			section, _, _ := strings.Cut(key, ".")
			if !sections[section] {
				return "", nil
			}
			return key, textValue(v)
		},
	})
}

// sections are the top-level keys of the configuration.
var sections = func() map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		out[t.Field(i).Tag.Get("koanf")] = true
	}
	return out
}()

func parseSets(sets []string) (map[string]any, error) {
	out := make(map[string]any, len(sets))
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			return nil, &KeyError{Key: s, Problem: "a --set override must read key=value"}
		}
		out[key] = textValue(value)
	}
	return out, nil
}

// textValue is a value given as text, in the environment or a --set flag. A string field gets
// the text exactly as written (a secret "abc #x" or "0123" stays what it is); any other field
// gets it read the way YAML would, so that "8080" is a number and "[a, b]" a list.
type textValue string

func decodeText(_, to reflect.Type, data any) (any, error) {
	t, ok := data.(textValue)
	if !ok {
		return data, nil
	}
	if to.Kind() == reflect.String {
		return string(t), nil
	}
	return parseScalar(string(t)), nil
}

// parseScalar reads a value given as text the way YAML would, so that "8080" is a number and
// "[a, b]" a list; what YAML cannot read stays a string.
func parseScalar(s string) any {
	var v any
	if err := yamlv3.Unmarshal([]byte(s), &v); err != nil || v == nil {
		return s
	}
	return v
}

func decode(k *koanf.Koanf, out *Config) error {
	var md mapstructure.Metadata
	err := k.UnmarshalWithConf("", out, koanf.UnmarshalConf{
		Tag: "koanf",
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook: mapstructure.ComposeDecodeHookFunc(
				decodeText,
				mapstructure.StringToTimeDurationHookFunc(),
				mapstructure.TextUnmarshallerHookFunc(),
			),
			Metadata:         &md,
			Result:           out,
			TagName:          "koanf",
			WeaklyTypedInput: false,
		},
	})
	var problems []error
	if err != nil {
		problems = append(problems, decodeErrors(err)...)
	}
	for _, key := range md.Unused {
		if !strings.Contains(key, ".config.") || !strings.HasPrefix(key, "plugins.") {
			problems = append(problems, &KeyError{Key: key, Problem: "unknown key"})
		}
	}
	return errors.Join(problems...)
}

// decodeErrors turns mapstructure's errors into KeyErrors.
func decodeErrors(err error) []error {
	var out []error
	var de *mapstructure.DecodeError
	for _, e := range unwrapAll(err) {
		if errors.As(e, &de) {
			out = append(out, &KeyError{Key: de.Name(), Problem: de.Unwrap().Error()})
			continue
		}
		out = append(out, e)
	}
	return out
}

func unwrapAll(err error) []error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}
