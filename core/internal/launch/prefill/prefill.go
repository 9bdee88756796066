package prefill

import (
	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// maxMinItems caps how many copies of an item default minItems may ask for.
const maxMinItems = 1000

// Defaults computes the pre-filled values of a resolved, personalised schema for a launch
// context; chartValues is the chart's values.yaml (step 5 of the rules).
func Defaults(schema map[string]any, ctx Context, chartValues map[string]any) map[string]any {
	v, ok := node(schema, ctx, chartValues, values.Path{}, true)
	if m, isMap := v.(map[string]any); ok && isMap {
		return m
	}
	return map[string]any{}
}

// node computes one schema node's value; the first applicable rule wins. withChart says
// whether path addresses the chart's values.yaml (it does not inside mapped array items).
func node(s map[string]any, ctx Context, chart map[string]any, path values.Path, withChart bool) (any, bool) {
	// 1. const
	if c, ok := s["const"]; ok {
		return values.Clone(c), true
	}
	// 2. an object with properties: recurse, ignoring its own default and overwrite
	if props, ok := s["properties"].(map[string]any); ok && isObjectSchema(s) {
		out := make(map[string]any, len(props))
		for k, p := range props {
			ps, ok := p.(map[string]any)
			if !ok {
				continue
			}
			if v, ok := node(ps, ctx, chart, path.Child(k), withChart); ok {
				out[k] = v
			}
		}
		return out, true
	}
	le := listEnumIn(s, ctx)
	// 3. overwriteDefaultWith
	if x, ok := s["x-onyxia"].(map[string]any); ok {
		if expr, ok := x["overwriteDefaultWith"]; ok {
			if v, ok := Resolve(expr, ctx); ok {
				if items, ok := s["items"].(map[string]any); ok {
					if arr, isArr := v.([]any); isArr && hasProperties(items) {
						v = mapItems(arr, items, ctx)
					}
				}
				if fits(v, s, le) {
					return v, true
				}
				if c, ok := coerce(v, s); ok && fits(c, s, le) {
					return c, true
				}
			}
		}
	}
	// 4. default, if valid
	if d, ok := s["default"]; ok && fits(d, s, le) {
		return values.Clone(d), true
	}
	// 5. the same path in values.yaml
	if withChart {
		if v, ok := values.Get(chart, path); ok {
			return values.Clone(v), true
		}
	}
	// 6. arrays: minItems copies of the item default, else []
	if hasType(s, "array") {
		n := 0
		if f, ok := values.Number(s["minItems"]); ok && f > 0 {
			n = int(min(f, maxMinItems))
		}
		out := make([]any, 0, n)
		items, _ := s["items"].(map[string]any)
		for i := 0; i < n; i++ {
			var item any
			if items != nil {
				item, _ = node(items, ctx, nil, nil, false)
			}
			out = append(out, item)
		}
		return out, true
	}
	return nil, false
}

// mapItems rebuilds an array of objects element by element from the item schema: each
// element's keys shadow the context, and properties without an expression read their own
// name ({{name}}).
func mapItems(arr []any, items map[string]any, ctx Context) []any {
	props, _ := items["properties"].(map[string]any)
	out := make([]any, 0, len(arr))
	for _, el := range arr {
		elem, ok := el.(map[string]any)
		if !ok {
			out = append(out, el)
			continue
		}
		shadowed := make(Context, len(ctx)+len(elem))
		for k, v := range ctx {
			shadowed[k] = v
		}
		for k, v := range elem {
			shadowed[k] = v
		}
		obj := make(map[string]any, len(props))
		for k, p := range props {
			ps, ok := p.(map[string]any)
			if !ok {
				continue
			}
			if _, has := xOnyxia(ps)["overwriteDefaultWith"]; !has && !hasProperties(ps) {
				ps = withExpr(ps, "{{"+k+"}}")
			}
			if v, ok := node(ps, shadowed, nil, nil, false); ok {
				obj[k] = v
			}
		}
		out = append(out, obj)
	}
	return out
}

func withExpr(s map[string]any, expr string) map[string]any {
	out := make(map[string]any, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	x := map[string]any{}
	for k, v := range xOnyxia(s) {
		x[k] = v
	}
	x["overwriteDefaultWith"] = expr
	out["x-onyxia"] = x
	return out
}

// listEnumIn returns the options a value must be one of: those of overwriteListEnumWith
// when it yields any valid option in ctx, else the schema's listEnum.
func listEnumIn(s map[string]any, ctx Context) []any {
	if expr, ok := xOnyxia(s)["overwriteListEnumWith"]; ok {
		if opts := options(expr, s, ctx); len(opts) > 0 {
			return opts
		}
	}
	return listEnumOf(s)
}

// options evaluates an overwriteListEnumWith expression into the options that fit the
// node's type, coercing those that do not.
func options(expr any, s map[string]any, ctx Context) []any {
	v, ok := Resolve(expr, ctx)
	arr, isArr := v.([]any)
	if !ok || !isArr {
		return nil
	}
	bare := typeOnly(s)
	var out []any
	for _, o := range arr {
		if fits(o, bare, nil) {
			out = append(out, o)
		} else if c, ok := coerce(o, bare); ok && fits(c, bare, nil) {
			out = append(out, c)
		}
	}
	return out
}

func typeOnly(s map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"type", "pattern"} {
		if v, ok := s[k]; ok {
			out[k] = v
		}
	}
	return out
}

func xOnyxia(s map[string]any) map[string]any {
	x, _ := s["x-onyxia"].(map[string]any)
	return x
}

func hasProperties(s map[string]any) bool {
	_, ok := s["properties"].(map[string]any)
	return ok
}

func isObjectSchema(s map[string]any) bool {
	t, ok := s["type"]
	return !ok || hasType(s, "object") || t == nil
}

func hasType(s map[string]any, want string) bool {
	for _, t := range typesOf(s["type"]) {
		if t == want {
			return true
		}
	}
	return false
}
