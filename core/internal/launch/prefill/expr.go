// Package prefill computes a chart's pre-filled values from its resolved schema and a
// launch context, with Onyxia's rules (computeHelmValues): const, recursion into objects,
// x-onyxia.overwriteDefaultWith resolved against the context and validated or coerced, then
// the schema default, the chart's values.yaml and minItems. It also personalises the schema
// for one user: list options from x-onyxia.overwriteListEnumWith and slider bounds from the
// region's sliders (useRegionSliderConfig).
package prefill

import (
	"strconv"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// Context is the launch context as JSON-shaped data (see launch.Context), in which
// expressions look up paths.
type Context = map[string]any

// pathCache keeps parsed context paths: the same few dozen appear in every chart.
var pathCache sync.Map // string → values.Path (nil when unparsable)

func lookup(ctx Context, expr string) (any, bool) {
	expr = strings.TrimSpace(expr)
	var p values.Path
	if cached, ok := pathCache.Load(expr); ok {
		p, _ = cached.(values.Path)
	} else {
		parsed, err := values.ParsePath(expr)
		if err == nil {
			p = parsed
		}
		pathCache.Store(expr, p)
	}
	if p == nil {
		return nil, false
	}
	return values.Get(ctx, p)
}

// Resolve evaluates an overwriteDefaultWith (or overwriteListEnumWith) expression. The
// second result is false when the expression is undefined: an unknown key is never an
// error and never "".
func Resolve(expr any, ctx Context) (any, bool) {
	switch e := expr.(type) {
	case string:
		if !strings.Contains(e, "{{") {
			return lookup(ctx, e)
		}
		return template(e, ctx)
	case []any:
		out := make([]any, len(e))
		for i, x := range e {
			v, ok := element(x, ctx)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(e))
		for k, x := range e {
			v, ok := element(x, ctx)
			if !ok {
				return nil, false
			}
			out[k] = v
		}
		return out, true
	}
	return nil, false
}

// element evaluates one member of an array or object expression: only strings holding
// "{{" are templates; everything else is taken as written.
func element(x any, ctx Context) (any, bool) {
	if s, ok := x.(string); ok && strings.Contains(s, "{{") {
		return template(s, ctx)
	}
	return values.Clone(x), true
}

// template evaluates a string holding placeholders: a lone {{path}} gives the typed value,
// mixed text is interpolated and undefined unless every placeholder is a string, number or
// boolean.
func template(s string, ctx Context) (any, bool) {
	if strings.HasPrefix(s, "{{") && strings.HasSuffix(s, "}}") && strings.Count(s, "{{") == 1 && strings.Count(s, "}}") == 1 {
		v, ok := lookup(ctx, s[2:len(s)-2])
		return values.Clone(v), ok
	}
	var b strings.Builder
	rest := s
	for {
		open := strings.Index(rest, "{{")
		if open < 0 {
			b.WriteString(rest)
			break
		}
		end := strings.Index(rest[open:], "}}")
		if end < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:open])
		v, ok := lookup(ctx, rest[open+2:open+end])
		if !ok {
			return nil, false
		}
		text, ok := scalarText(v)
		if !ok {
			return nil, false
		}
		b.WriteString(text)
		rest = rest[open+end+2:]
	}
	return b.String(), true
}

// scalarText writes a string, number or boolean as JavaScript's String() would.
func scalarText(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	}
	if f, ok := values.Number(v); ok {
		return strconv.FormatFloat(f, 'f', -1, 64), true
	}
	return "", false
}

// Paths returns the context paths an expression reads, as written: the path itself, or
// the placeholders of its templates.
func Paths(expr any) []string {
	var out []string
	placeholders := func(s string) {
		for {
			open := strings.Index(s, "{{")
			if open < 0 {
				return
			}
			end := strings.Index(s[open:], "}}")
			if end < 0 {
				return
			}
			out = append(out, strings.TrimSpace(s[open+2:open+end]))
			s = s[open+end+2:]
		}
	}
	switch e := expr.(type) {
	case string:
		if !strings.Contains(e, "{{") {
			return []string{strings.TrimSpace(e)}
		}
		placeholders(e)
	case []any:
		for _, x := range e {
			if s, ok := x.(string); ok {
				placeholders(s)
			}
		}
	case map[string]any:
		for _, x := range e {
			if s, ok := x.(string); ok {
				placeholders(s)
			}
		}
	}
	return out
}
