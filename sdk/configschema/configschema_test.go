package configschema_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
)

// schema uses every rule the plugins' schemas use, and defaults at every depth.
var schema = configschema.MustCompile([]byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["url"],
  "properties": {
    "url": {"type": "string", "pattern": "^https?://"},
    "name": {"type": "string", "minLength": 1, "maxLength": 8, "default": "basalt"},
    "mode": {"enum": ["multi", "shared"], "default": "multi"},
    "kind": {"const": "helm"},
    "pageSize": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000},
    "qps": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 500},
    "step": {"type": "integer", "multipleOf": 5},
    "pathStyle": {"type": "boolean", "default": true},
    "timeout": {"$ref": "#/$defs/duration", "default": "5m"},
    "interval": {"$ref": "#/$defs/duration"},
    "upload": {
      "type": "object", "default": {}, "additionalProperties": false,
      "properties": {"partSizeMiB": {"type": "integer", "minimum": 5, "default": 16}}
    },
    "sts": {
      "type": "object", "additionalProperties": false,
      "properties": {
        "durationSeconds": {"type": "integer", "default": 3600},
        "roles": {
          "type": "array", "maxItems": 2,
          "items": {
            "type": "object", "additionalProperties": false, "required": ["arn"],
            "properties": {"arn": {"type": "string"}, "pattern": {"type": "string", "default": "^(.+)$"}}
          }
        }
      }
    },
    "labels": {"type": "object", "additionalProperties": {"$ref": "#/$defs/label"}},
    "tags": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"type": "string"}},
    "username": {"type": "string"},
    "password": {"type": "string"},
    "key": {"type": "string"},
    "keyFile": {"type": "string"}
  },
  "dependentRequired": {"username": ["password"]},
  "oneOf": [{"required": ["key"]}, {"required": ["keyFile"]}],
  "$defs": {
    "duration": {"type": "string", "pattern": "^[0-9]+(s|m|h)$", "default": "1m"},
    "label": {"type": "object", "properties": {"color": {"type": "string", "default": "grey"}}}
  }
}`))

type config struct {
	URL       string  `json:"url"`
	Name      string  `json:"name"`
	Mode      string  `json:"mode"`
	Kind      string  `json:"kind"`
	PageSize  int     `json:"pageSize"`
	QPS       float64 `json:"qps"`
	Step      int     `json:"step"`
	PathStyle bool    `json:"pathStyle"`
	Timeout   string  `json:"timeout"`
	Interval  string  `json:"interval"`
	Upload    struct {
		PartSizeMiB int `json:"partSizeMiB"`
	} `json:"upload"`
	STS *struct {
		DurationSeconds int `json:"durationSeconds"`
		Roles           []struct {
			ARN     string `json:"arn"`
			Pattern string `json:"pattern"`
		} `json:"roles"`
	} `json:"sts"`
	Labels   map[string]struct{ Color string } `json:"labels"`
	Tags     []string                          `json:"tags"`
	Username string                            `json:"username"`
	Password string                            `json:"password"`
	Key      string                            `json:"key"`
	KeyFile  string                            `json:"keyFile"`
}

func decode(t *testing.T, raw string) (config, configschema.Violations) {
	t.Helper()
	var cfg config
	bad, err := schema.Decode([]byte(raw), &cfg)
	if err != nil {
		t.Fatalf("Decode(%s): %v", raw, err)
	}
	return cfg, bad
}

func TestDecodeAppliesDefaults(t *testing.T) {
	cfg, bad := decode(t, `{"url": "https://dav", "key": "k", "sts": {"roles": [{"arn": "a"}, {"arn": "b", "pattern": "x"}]}, "labels": {"team": {}}}`)
	if len(bad) > 0 {
		t.Fatalf("violations: %v", bad)
	}
	// Top level, through a $ref (the property's own default wins over the definition's),
	// an object that a default of {} brings, list items, additionalProperties values.
	if cfg.Name != "basalt" || cfg.Mode != "multi" || cfg.PageSize != 1000 || !cfg.PathStyle || cfg.Timeout != "5m" ||
		cfg.Interval != "1m" || cfg.Upload.PartSizeMiB != 16 {
		t.Errorf("defaults: %+v", cfg)
	}
	if cfg.STS == nil || cfg.STS.DurationSeconds != 3600 || cfg.STS.Roles[0].Pattern != "^(.+)$" || cfg.STS.Roles[1].Pattern != "x" {
		t.Errorf("defaults inside sts: %+v", cfg.STS)
	}
	if cfg.Labels["team"].Color != "grey" {
		t.Errorf("defaults of an additional property: %+v", cfg.Labels)
	}
}

func TestDecodeKeepsWhatIsSet(t *testing.T) {
	cfg, bad := decode(t, `{"url": "https://dav", "key": "k", "name": "x", "pathStyle": false, "pageSize": 10, "upload": {"partSizeMiB": 5}}`)
	if len(bad) > 0 {
		t.Fatalf("violations: %v", bad)
	}
	if cfg.Name != "x" || cfg.PathStyle || cfg.PageSize != 10 || cfg.Upload.PartSizeMiB != 5 {
		t.Errorf("set values: %+v", cfg)
	}
	// An object without a default stays absent: its presence means something (sts or not).
	if cfg.STS != nil {
		t.Errorf("sts appeared: %+v", cfg.STS)
	}
}

func TestDecodeNamesFieldAndRule(t *testing.T) {
	for _, tc := range []struct {
		name, raw   string
		field, rule string
	}{
		{"required", `{"key": "k"}`, "url", "is required"},
		{"required in a list item", `{"url": "http://a", "key": "k", "sts": {"roles": [{}]}}`, "sts.roles[0].arn", "is required"},
		{"unknown key", `{"url": "http://a", "key": "k", "bucket": "x"}`, "bucket", "is not a setting of this plugin"},
		{"unknown nested key", `{"url": "http://a", "key": "k", "upload": {"parts": 1}}`, "upload.parts", "is not a setting of this plugin"},
		{"type", `{"url": "http://a", "key": "k", "pageSize": "ten"}`, "pageSize", "must be an integer, not a string"},
		{"enum", `{"url": "http://a", "key": "k", "mode": "single"}`, "mode", "must be one of multi, shared"},
		{"const", `{"url": "http://a", "key": "k", "kind": "oci"}`, "kind", "must be helm"},
		{"minimum", `{"url": "http://a", "key": "k", "pageSize": 0}`, "pageSize", "must be at least 1"},
		{"maximum", `{"url": "http://a", "key": "k", "pageSize": 1001}`, "pageSize", "must be at most 1000"},
		{"nested minimum", `{"url": "http://a", "key": "k", "upload": {"partSizeMiB": 1}}`, "upload.partSizeMiB", "must be at least 5"},
		{"exclusiveMinimum", `{"url": "http://a", "key": "k", "qps": 0}`, "qps", "must be more than 0"},
		{"exclusiveMaximum", `{"url": "http://a", "key": "k", "qps": 500}`, "qps", "must be less than 500"},
		{"multipleOf", `{"url": "http://a", "key": "k", "step": 7}`, "step", "must be a multiple of 5"},
		{"minLength", `{"url": "http://a", "key": "k", "name": ""}`, "name", "must not be empty"},
		{"maxLength", `{"url": "http://a", "key": "k", "name": "much too long"}`, "name", "must be at most 8 characters long"},
		{"pattern", `{"url": "dav:9000", "key": "k"}`, "url", "must match the pattern ^https?://"},
		{"pattern through $ref", `{"url": "http://a", "key": "k", "timeout": "soon"}`, "timeout", "must match the pattern ^[0-9]+(s|m|h)$"},
		{"minItems", `{"url": "http://a", "key": "k", "tags": []}`, "tags", "must have at least 1 items"},
		{"maxItems", `{"url": "http://a", "key": "k", "sts": {"roles": [{"arn": "a"}, {"arn": "b"}, {"arn": "c"}]}}`, "sts.roles", "must have at most 2 items"},
		{"uniqueItems", `{"url": "http://a", "key": "k", "tags": ["a", "a"]}`, "tags", "must not repeat an item (items 0 and 1 are equal)"},
		{"dependentRequired", `{"url": "http://a", "key": "k", "username": "u"}`, "password", "is required when username is set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, bad := decode(t, tc.raw)
			want := configschema.Violations{{Field: tc.field, Rule: tc.rule}}
			if !slices.Equal(bad, want) {
				t.Errorf("got %q, want %q", bad, want)
			}
		})
	}
}

// TestDecodeReportsEveryFault: all the faults come at once, sorted by field, and what could be
// decoded is, so that the plugin's own rules can run on it and add theirs.
func TestDecodeReportsEveryFault(t *testing.T) {
	cfg, bad := decode(t, `{"key": "k", "pageSize": 0, "mode": "single", "name": "ok"}`)
	var fields []string
	for _, f := range bad {
		fields = append(fields, f.Field)
	}
	if !slices.Equal(fields, []string{"mode", "pageSize", "url"}) {
		t.Errorf("fields %q", fields)
	}
	if cfg.Name != "ok" || cfg.PageSize != 0 || cfg.Mode != "single" || !cfg.PathStyle {
		t.Errorf("decoded despite the faults: %+v", cfg)
	}
}

// TestDecodeLeavesAlternativesToThePlugin: a oneOf between fields is not reported (the plugin
// words it), but a rule inside the alternatives' shared properties still is.
func TestDecodeLeavesAlternativesToThePlugin(t *testing.T) {
	_, bad := decode(t, `{"url": "http://a"}`)
	if len(bad) != 0 {
		t.Errorf("neither key nor keyFile: %q, want nothing", bad)
	}
	_, bad = decode(t, `{"url": "http://a", "key": "k", "keyFile": "f", "pageSize": -1}`)
	if !slices.Equal(bad, configschema.Violations{{Field: "pageSize", Rule: "must be at least 1"}}) {
		t.Errorf("got %q", bad)
	}
}

func TestDecodeEmptyIsAnEmptyObject(t *testing.T) {
	s := configschema.MustCompile([]byte(`{"type": "object", "properties": {"qps": {"type": "number", "default": 100}}}`))
	for _, raw := range []string{"", "  ", "null", "{}"} {
		var cfg struct {
			QPS float32 `json:"qps"`
		}
		bad, err := s.Decode([]byte(raw), &cfg)
		if err != nil || len(bad) > 0 || cfg.QPS != 100 {
			t.Errorf("%q: %+v, %v, %v", raw, cfg, bad, err)
		}
	}
}

func TestDecodeRefusesWhatIsNotAnObject(t *testing.T) {
	for _, raw := range []string{`[1]`, `"x"`, `{"url": `, `{} {}`} {
		var cfg config
		_, err := schema.Decode([]byte(raw), &cfg)
		if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.HasPrefix(err.Error(), "invalid configuration: ") {
			t.Errorf("%q: %v", raw, err)
		}
	}
}

// TestDecodeRefusesKeysTheStructLacks: a schema that allows a key the plugin's type has no
// field for is a bug the plugin's tests must see, not a setting silently dropped.
func TestDecodeRefusesKeysTheStructLacks(t *testing.T) {
	var narrow struct {
		URL string `json:"url"`
		Key string `json:"key"`
	}
	_, err := schema.Decode([]byte(`{"url": "http://a", "key": "k"}`), &narrow)
	if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), `unknown field "interval"`) {
		t.Errorf("a default for a key the struct lacks: %v", err)
	}
}

func TestCompileRefusesABrokenSchema(t *testing.T) {
	for _, doc := range []string{`{`, `{"type": "object", "properties": {"a": {"minimum": "x"}}}`, `{"$ref": "#/$defs/missing"}`} {
		if _, err := configschema.Compile([]byte(doc)); err == nil {
			t.Errorf("%s: compiled", doc)
		}
	}
	doc := []byte(`{"type": "object"}`)
	if got := configschema.MustCompile(doc).Document(); !reflect.DeepEqual(got, doc) {
		t.Errorf("Document: %s", got)
	}
}

// TestViolations: the plugin's own rules add to the schema's, one fault per field (the
// schema's first), and the error lists them sorted by field.
func TestViolations(t *testing.T) {
	cfg, bad := decode(t, `{"url": "http://a", "key": "k", "timeout": "soon", "pageSize": 0}`)
	if len(bad) != 2 {
		t.Fatalf("schema violations: %q", bad)
	}
	bad.Add("timeout", "must be a Go duration") // refused by the schema already
	bad.Add("mode", "is "+cfg.Mode+", which needs a bucket name")
	err := bad.Err("invalid configuration")
	want := "invalid configuration: mode: is multi, which needs a bucket name; pageSize: must be at least 1; timeout: must match the pattern ^[0-9]+(s|m|h)$"
	if !errors.Is(err, sdk.ErrInvalidArgument) || err.Error() != want || len(sdk.FieldsOf(err)) != 3 {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if !bad.Has("mode") || bad.Has("name") {
		t.Errorf("Has: %q", bad)
	}
	if err := configschema.Violations(nil).Err("invalid configuration"); err != nil {
		t.Errorf("no violations: %v", err)
	}
}
