package launch

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/core/internal/schemacheck"
	"github.com/basalt-dev/basalt/sdk"
)

// check validates the final values: the JSON Schema, then what the schema dialect adds and
// JSON Schema cannot say — platform-set fields (x-onyxia readonly and hidden) the user
// changed or removed, list options, slider bounds and units, range sliders in order, the
// region's allowedURIPattern on URLs the user typed, and template delimiters in what the
// user typed.
func check(v *schemacheck.Schema, s, prefilled, final map[string]any, ctx prefill.Context) []sdk.FieldViolation {
	var out []sdk.FieldViolation
	for _, vio := range v.Violations(final) {
		out = append(out, sdk.FieldViolation{Field: locate(final, vio.Location).String(), Rule: vio.Rule})
	}
	c := checker{prefilled: prefilled, final: final, ranges: map[string][]rangeEnd{}}
	if p, ok := ctx["region"].(map[string]any)["allowedURIPattern"].(string); ok && p != "" {
		c.uriPattern = p
		c.allowedURI, c.uriPatternErr = compiledURIPattern(p)
	}
	c.walk(s, values.Path{}, "")
	out = append(out, c.out...)
	out = append(out, c.rangeViolations()...)
	out = append(out, templateViolations(prefilled, final)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return dedupe(out)
}

// templateRule is broken by a value the user supplied that holds Helm's template delimiters.
// Charts may render values with tpl (Onyxia's library chart does, for extraEnvVars[].value
// and Spark settings), and a template can call lookup, which reads the cluster with the
// installer's rights.
const templateRule = "must not contain template delimiters {{ }}: the chart could run it as a Helm template"

// templateViolations reports the strings and keys of final that hold template delimiters
// where prefilled does not hold the same: the user's. What the platform filled (values.yaml,
// the launch context) passes as long as it is left as it was.
func templateViolations(prefilled, final map[string]any) []sdk.FieldViolation {
	var out []sdk.FieldViolation
	templates(final, prefilled, values.Path{}, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func templates(v, before any, p values.Path, out *[]sdk.FieldViolation) {
	switch v := v.(type) {
	case string:
		if hasTemplateDelimiters(v) && before != any(v) {
			*out = append(*out, sdk.FieldViolation{Field: p.String(), Rule: templateRule})
		}
	case map[string]any:
		was, _ := before.(map[string]any)
		for k, x := range v {
			b, known := was[k]
			if !known && hasTemplateDelimiters(k) {
				*out = append(*out, sdk.FieldViolation{Field: p.Child(k).String(), Rule: "key " + templateRule})
				continue
			}
			templates(x, b, p.Child(k), out)
		}
	case []any:
		was, _ := before.([]any)
		for i, x := range v {
			var b any
			if i < len(was) {
				b = was[i]
			}
			templates(x, b, p.Child(i), out)
		}
	}
}

func hasTemplateDelimiters(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "}}")
}

// locate turns a JSON Schema instance location into a values path, reading the instance to
// tell array indices from object keys.
func locate(root any, tokens []string) values.Path {
	p := make(values.Path, 0, len(tokens))
	cur := root
	for _, t := range tokens {
		if a, ok := cur.([]any); ok {
			if i, err := strconv.Atoi(t); err == nil {
				p = append(p, i)
				if i >= 0 && i < len(a) {
					cur = a[i]
				} else {
					cur = nil
				}
				continue
			}
		}
		p = append(p, t)
		if m, ok := cur.(map[string]any); ok {
			cur = m[t]
		} else {
			cur = nil
		}
	}
	return p
}

type rangeEnd struct {
	path      values.Path
	extremity string
	n         float64
}

type checker struct {
	prefilled, final map[string]any
	// uriPattern is the region's allowedURIPattern as written; uriPatternErr says why it
	// does not compile, and then no URL the user typed passes.
	uriPattern    string
	allowedURI    *regexp.Regexp
	uriPatternErr error
	ranges        map[string][]rangeEnd
	out           []sdk.FieldViolation
}

func (c *checker) add(p values.Path, rule string) {
	c.out = append(c.out, sdk.FieldViolation{Field: p.String(), Rule: rule})
}

func (c *checker) walk(s map[string]any, p values.Path, key string) {
	v, present := values.Get(c.final, p)
	before, prefilled := values.Get(c.prefilled, p)
	if !present && !prefilled {
		return
	}
	// a pre-filled value the final values lack was removed: that is a change too
	changed := !present || !values.Equal(v, before)
	x, _ := s["x-onyxia"].(map[string]any)
	if len(p) > 0 && changed {
		if b, _ := x["readonly"].(bool); b {
			c.add(p, "read-only: set by the platform, it cannot be changed")
			return
		}
		if b, _ := x["hidden"].(bool); b {
			c.add(p, "hidden: set by the platform, it cannot be changed")
			return
		}
	}
	if !present { // and so is everything it held
		c.walkChildren(s, p, key, nil, before)
		return
	}
	if opts, ok := s["listEnum"].([]any); ok && len(opts) > 0 && changed {
		if !member(v, opts) {
			c.add(p, fmt.Sprintf("must be one of %s", list(opts)))
		}
	}
	c.slider(s, p, v)
	if str, ok := v.(string); ok && changed && c.uriPattern != "" && str != "" && urlish(s, key, str) {
		switch {
		case c.uriPatternErr != nil: // fail closed: a pattern that cannot be checked lets nothing through
			c.add(p, "URL not allowed in this region: its allowedURIPattern cannot be checked, an administrator must correct it")
		case !c.allowedURI.MatchString(str):
			c.add(p, fmt.Sprintf("URL not allowed in this region (must match %s)", c.uriPattern))
		}
	}
	c.walkChildren(s, p, key, v, before)
}

// walkChildren walks the properties or items of the node at p, in the final values or in the
// pre-filled ones: a child only the pre-filled values hold was removed.
func (c *checker) walkChildren(s map[string]any, p values.Path, key string, v, before any) {
	_, isMap := v.(map[string]any)
	_, wasMap := before.(map[string]any)
	if props, ok := s["properties"].(map[string]any); ok && (isMap || wasMap) {
		for k, ps := range props {
			if m, ok := ps.(map[string]any); ok {
				c.walk(m, p.Child(k), k)
			}
		}
	}
	list, _ := v.([]any)
	was, _ := before.([]any)
	if items, ok := s["items"].(map[string]any); ok {
		for i := range max(len(list), len(was)) {
			c.walk(items, p.Child(i), key)
		}
	}
}

func (c *checker) slider(s map[string]any, p values.Path, v any) {
	min, hasMin := values.Number(s["sliderMin"])
	max, hasMax := values.Number(s["sliderMax"])
	if !hasMin && !hasMax {
		return
	}
	unit, _ := s["sliderUnit"].(string)
	var n float64
	switch v := v.(type) {
	case string:
		num, ok := strings.CutSuffix(v, unit)
		f, err := strconv.ParseFloat(num, 64)
		if !ok || err != nil || math.IsNaN(f) {
			if unit != "" {
				c.add(p, fmt.Sprintf("must be a number followed by %s", unit))
			} else {
				c.add(p, "must be a number")
			}
			return
		}
		n = f
	default:
		f, ok := values.Number(v)
		if !ok {
			return // the type is JSON Schema's business
		}
		if unit != "" {
			c.add(p, fmt.Sprintf("must be a number followed by %s", unit))
			return
		}
		n = f
	}
	if (hasMin && n < min) || (hasMax && n > max) {
		c.add(p, fmt.Sprintf("must be between %s%s and %s%s", num(min), unit, num(max), unit))
		return
	}
	if id, ok := s["sliderRangeId"].(string); ok && id != "" {
		ext, _ := s["sliderExtremity"].(string)
		c.ranges[id] = append(c.ranges[id], rangeEnd{path: p, extremity: ext, n: n})
	}
}

// rangeViolations reports range sliders whose lower end (requests) exceeds the upper one
// (limits), pairing ends under the same parent of their parents (requests.cpu with
// limits.cpu).
func (c *checker) rangeViolations() []sdk.FieldViolation {
	var out []sdk.FieldViolation
	for _, ends := range c.ranges {
		for _, down := range ends {
			if down.extremity != "down" {
				continue
			}
			for _, up := range ends {
				if up.extremity == "up" && sameGrandparent(down.path, up.path) && down.n > up.n {
					out = append(out, sdk.FieldViolation{Field: down.path.String(), Rule: fmt.Sprintf("must not exceed %s", up.path)})
				}
			}
		}
	}
	return out
}

func sameGrandparent(a, b values.Path) bool {
	if len(a) != len(b) || len(a) < 2 {
		return len(a) == len(b)
	}
	for i := 0; i < len(a)-2; i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var urlKey = regexp.MustCompile(`(?i)(url|uri|init|repository|apibase)$`)
var schemeURL = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*://`)

// urlish says whether a string field holds a URL: its schema says so (format uri or iri),
// its name does (…Url, …Uri, personalInit, repository…), or the value looks like one.
func urlish(s map[string]any, key, v string) bool {
	if f, _ := s["format"].(string); strings.HasPrefix(f, "uri") || strings.HasPrefix(f, "iri") || f == "url" {
		return true
	}
	return urlKey.MatchString(key) || schemeURL.MatchString(v)
}

func member(v any, opts []any) bool {
	for _, o := range opts {
		if values.Equal(v, o) {
			return true
		}
	}
	return false
}

func list(opts []any) string {
	parts := make([]string, len(opts))
	for i, o := range opts {
		parts[i] = fmt.Sprint(o)
	}
	return strings.Join(parts, ", ")
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func dedupe(in []sdk.FieldViolation) []sdk.FieldViolation {
	out := in[:0]
	seen := map[sdk.FieldViolation]bool{}
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
