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
// changed, list options, slider bounds and units, range sliders in order, and the region's
// allowedURIPattern on URLs the user typed.
func check(v *schemacheck.Schema, s, prefilled, final map[string]any, ctx prefill.Context) []sdk.FieldViolation {
	var out []sdk.FieldViolation
	for _, vio := range v.Violations(final) {
		out = append(out, sdk.FieldViolation{Field: locate(final, vio.Location).String(), Rule: vio.Rule})
	}
	c := checker{prefilled: prefilled, final: final, ranges: map[string][]rangeEnd{}}
	if p, ok := ctx["region"].(map[string]any)["allowedURIPattern"].(string); ok && p != "" {
		if re, err := regexp.Compile(p); err == nil {
			c.allowedURI = re
		}
	}
	c.walk(s, values.Path{}, "")
	out = append(out, c.out...)
	out = append(out, c.rangeViolations()...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return dedupe(out)
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
	allowedURI       *regexp.Regexp
	ranges           map[string][]rangeEnd
	out              []sdk.FieldViolation
}

func (c *checker) add(p values.Path, rule string) {
	c.out = append(c.out, sdk.FieldViolation{Field: p.String(), Rule: rule})
}

func (c *checker) walk(s map[string]any, p values.Path, key string) {
	v, present := values.Get(c.final, p)
	if !present {
		return
	}
	before, _ := values.Get(c.prefilled, p)
	changed := !values.Equal(v, before)
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
	if opts, ok := s["listEnum"].([]any); ok && len(opts) > 0 && changed {
		if !member(v, opts) {
			c.add(p, fmt.Sprintf("must be one of %s", list(opts)))
		}
	}
	c.slider(s, p, v)
	if str, ok := v.(string); ok && changed && c.allowedURI != nil && str != "" && urlish(s, key, str) {
		if !c.allowedURI.MatchString(str) {
			c.add(p, fmt.Sprintf("URL not allowed in this region (must match %s)", c.allowedURI))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		if props, ok := s["properties"].(map[string]any); ok {
			for k, ps := range props {
				if m, ok := ps.(map[string]any); ok {
					c.walk(m, p.Child(k), k)
				}
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i := range v {
				c.walk(items, p.Child(i), key)
			}
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
