package launch

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
)

// FuzzResolve runs arbitrary schemas and expressions through resolution, personalisation
// and pre-filling: none may panic, whatever the chart says.
func FuzzResolve(f *testing.F) {
	dialect, err := os.ReadFile("testdata/dialect/values.schema.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(dialect), "{{user.decodedIdToken.groups[0]}}")
	f.Add(`{"type":"object","properties":{"a":{"x-onyxia":{"overwriteSchemaWith":"ide/resources.json"}}}}`, "region.resources.cpuRequest")
	f.Add(`{"definitions":{"a":{"$ref":"#/definitions/a"}},"properties":{"x":{"$ref":"#/definitions/a"}}}`, "{{")
	f.Add(`{"properties":{"x":{"type":"array","minItems":3,"items":{"type":"object","properties":{"k":{"type":"string"}}},"x-onyxia":{"overwriteDefaultWith":"s3_array"}}}}`, `user["a.b"][0]`)
	f.Add(`{"properties":{"x":{"type":["string","null"],"x-onyxia":{"overwriteDefaultWith":{"a":"{{k8s.randomSubdomain}}"},"overwriteListEnumWith":"{{user.decodedIdToken.groups}}","useRegionSliderConfig":"cpu"}}}}`, "}}{{a}}{{")
	reg, err := schema.NewRegistry(nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	ctx := NewContext(contextCases()[0].in).Map()
	f.Fuzz(func(t *testing.T, doc, expr string) {
		prefill.Resolve(expr, ctx)
		prefill.Resolve([]any{expr, 1}, ctx)
		var s map[string]any
		if json.Unmarshal([]byte(doc), &s) != nil {
			return
		}
		resolved, err := reg.Resolve(s, []string{"admins"})
		if err != nil {
			return
		}
		personal := prefill.Personalize(resolved, ctx)
		prefill.Defaults(personal, ctx, map[string]any{"x": []any{1}})
	})
}
