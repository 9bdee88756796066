package schema

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecode holds Decode to json.Unmarshal: the same documents accepted, the same content
// once the order annotations are set aside, and Encode giving it back.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`{"properties":{"b":{},"a":{"default":{"properties":{"x":1}}}}}`, `{"items":[{"properties":{"z":{}}}]}`,
		`{"a":1,"a":2}`, `[]`, `{"$defs":{"x":{"properties":{"q":true}}}}`, `{"x": 1e400}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want map[string]any
		wantErr := json.Unmarshal(b, &want)
		got, err := Decode(b)
		if (err == nil) != (wantErr == nil) || (err == nil && want == nil) {
			if wantErr == nil && want == nil && err != nil {
				return // "null" decodes to a nil map; Decode asks for an object
			}
			t.Fatalf("Decode error %v, json.Unmarshal error %v", err, wantErr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(withoutOrder(got), want) {
			t.Fatalf("content differs:\n%#v\n%#v", got, want)
		}
		out, err := Encode(got)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, want) {
			t.Fatalf("Encode: %v\n%s", err, out)
		}
	})
}

// withoutOrder drops the annotations Decode adds; data that held the key already is kept
// by comparing only maps that have properties.
func withoutOrder(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if k == OrderKey {
				if _, schemaNode := v["properties"].(map[string]any); schemaNode {
					continue
				}
			}
			out[k] = withoutOrder(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = withoutOrder(x)
		}
		return out
	}
	return v
}
