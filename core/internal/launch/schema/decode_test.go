package schema

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestDecodeKeepsPropertyOrderThroughResolution(t *testing.T) {
	doc, err := Decode([]byte(`{
		"$defs": {"pair": {"type": "object", "properties": {"zeta": {"type": "string"}, "alpha": {"type": "string"}}}},
		"properties": {
			"zulu": {"type": "string", "default": {"properties": {"b": 1, "a": 2}}},
			"mike": {"$ref": "#/$defs/pair", "title": "Pair"},
			"alpha": {"type": "object", "x-onyxia": {"overwriteSchemaWith": "ide/persistence.json"}},
			"kilo": {"type": "array", "items": {"properties": {"y": {}, "x": {}}}}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := NewRegistry(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := reg.Resolve(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	props := res["properties"].(map[string]any)
	for _, c := range []struct {
		name string
		node map[string]any
		want []string
	}{
		{"root", res, []string{"zulu", "mike", "alpha", "kilo"}},
		{"$ref target", props["mike"].(map[string]any), []string{"zeta", "alpha"}},
		{"named schema", props["alpha"].(map[string]any), []string{"enabled", "size"}},
		{"array item", props["kilo"].(map[string]any)["items"].(map[string]any), []string{"y", "x"}},
	} {
		if got := PropertyOrder(c.node); !slices.Equal(got, c.want) {
			t.Errorf("%s: order %v, want %v", c.name, got, c.want)
		}
	}
	def := props["zulu"].(map[string]any)["default"].(map[string]any)
	if _, annotated := def[OrderKey]; annotated || len(def) != 1 {
		t.Errorf("a default is data and must stay as written: %v", def)
	}
}

func TestPropertyOrderWithoutAnnotationSortsNames(t *testing.T) {
	s := map[string]any{"properties": map[string]any{"b": map[string]any{}, "a": map[string]any{}, "c": map[string]any{}},
		OrderKey: []any{"c", "gone"}}
	if got := PropertyOrder(s); !slices.Equal(got, []string{"c", "a", "b"}) {
		t.Errorf("order %v: listed names first, unknown ones skipped, the rest by name", got)
	}
}

func TestDecodeRejectsWhatUnmarshalRejects(t *testing.T) {
	for _, doc := range []string{`[]`, `{"a": }`, `{"a": 1} {}`, `{"a": 1`, `"x"`} {
		if _, err := Decode([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", doc)
		}
	}
}

func TestEncodeWritesFileOrderWithoutAnnotation(t *testing.T) {
	src := `{"properties":{"zulu":{"type":"object","properties":{"b":{"type":"string"},"a":{"type":"string"}}},"alpha":{"enum":[{"z":1,"a":2}]}},"type":"object"}`
	doc, err := Decode([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), OrderKey) {
		t.Errorf("the annotation is published: %s", out)
	}
	if !strings.Contains(string(out), `"properties":{"zulu":{"properties":{"b":{"type":"string"},"a":`) {
		t.Errorf("properties out of file order: %s", out)
	}
	var back, want any
	_ = json.Unmarshal(out, &back)
	_ = json.Unmarshal([]byte(src), &want)
	a, _ := json.Marshal(back)
	b, _ := json.Marshal(want)
	if string(a) != string(b) {
		t.Errorf("content changed:\n%s\n%s", a, b)
	}
}
