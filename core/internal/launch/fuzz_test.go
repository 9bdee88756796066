package launch

import (
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/link"
	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
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

// FuzzChanges layers arbitrary user values and launch links over Onyxia's jupyter-python:
// building the values never panics, allocates in proportion to what the user sent (beyond a
// copy of the pre-filled values), and the template filter and size cap answer.
func FuzzChanges(f *testing.F) {
	f.Add(`{"extraEnvVars":[{"name":"A","value":"{{ lookup \"v1\" \"Secret\" \"\" \"\" }}"}]}`, "init.regionInit=-")
	f.Add(`{"resources":{"limits":{"memory":"8Gi"}},"service":{"image":{"custom":{"enabled":true}}}}`, "a[10000000].=1")
	f.Add(`{"tolerations":[1,2,3]}`, "tolerations[3].key=%C2%ABk%C2%BB&tolerations[5].key=1&x.y.z=null")
	f.Add(`[]`, "a.b[10000000]=1&"+strings.Repeat("d.", 70)+"e=1")
	p, err := NewPlanner(nil)
	if err != nil {
		f.Fatal(err)
	}
	c, err := LoadChart(catalogDir + "/jupyter-python-2.5.2.tgz")
	if err != nil {
		f.Fatal(err)
	}
	plan, err := p.Plan(Request{Chart: c, Context: NewContext(contextCases()[0].in)})
	if err != nil {
		f.Fatal(err)
	}
	prefilled := plan.Prefilled
	copyCost := allocated(func() { _, _ = withChanges(prefilled, nil, nil) })
	f.Fuzz(func(t *testing.T, userJSON, query string) {
		var user []map[string]any
		var v map[string]any
		if json.Unmarshal([]byte(userJSON), &v) == nil && v != nil {
			user = append(user, v)
		}
		var final map[string]any
		var buildErr error
		n := allocated(func() {
			l, err := link.Parse(query)
			if err != nil {
				return
			}
			if final, buildErr = withChanges(prefilled, user, l.Overrides); buildErr == nil {
				templateViolations(prefilled, final)
			}
		})
		if bound := 2*copyCost + 64<<10 + 512*uint64(len(userJSON)+len(query)); n > bound {
			t.Fatalf("%d bytes of values and %d of link allocated %d bytes (bound %d)", len(userJSON), len(query), n, bound)
		}
		if buildErr == nil && values.Size(final) > MaxValuesBytes {
			t.Fatalf("built %d bytes of values, above the cap", values.Size(final))
		}
	})
}

// allocated returns how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
