package action

import (
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// A running service's values, when the service is changed or its chart upgraded, are carried
// over: the target version's values pre-filled for today's launch context, with everything
// the service's values changed from what its own version pre-fills for that same context.
// The launch context is made the service's own first (its subdomain, its one-time password),
// so that what the platform chose at launch stays; what the context renews (S3 credentials,
// the secrets token) comes fresh.

// The launch context's parts a change renews rather than carries over: the S3 credentials
// always, the secrets token when the change makes a new one.
var (
	renewS3   = []string{"s3."}
	renewBoth = []string{"s3.", "vault."}
)

// renewedPaths are the values the schema fills from a renewed part of the launch context.
func renewedPaths(schema map[string]any, sources []string) []values.Path {
	var out []values.Path
	var walk func(s map[string]any, p values.Path)
	walk = func(s map[string]any, p values.Path) {
		if x, ok := s["x-onyxia"].(map[string]any); ok {
			if src, ok := x["overwriteDefaultWith"].(string); ok && renewed(src, sources) {
				out = append(out, slices.Clone(p))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, v := range props {
			if child, ok := v.(map[string]any); ok {
				walk(child, p.Child(k))
			}
		}
	}
	walk(schema, values.Path{})
	return out
}

func renewed(source string, sources []string) bool {
	source = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(source), "{{"))
	for _, r := range sources {
		if strings.HasPrefix(source, r) {
			return true
		}
	}
	return false
}

// carryOver is newPrefilled with the changes that turn oldPrefilled into current, except at
// the renewed paths. Changes the target version has no place for (a value under what is no
// longer an object) are dropped and named.
func carryOver(oldPrefilled, current, newPrefilled map[string]any, renewedAt []values.Path) (map[string]any, []values.Path) {
	out := values.Clone(newPrefilled)
	var dropped []values.Path
	for _, c := range values.Diff(oldPrefilled, current) {
		if slices.ContainsFunc(renewedAt, func(r values.Path) bool { return hasPrefix(c.Path, r) }) {
			continue
		}
		if c.Removed {
			out = values.Unset(out, c.Path)
			continue
		}
		next, err := values.Set(out, c.Path, values.Clone(c.Value))
		if err != nil {
			dropped = append(dropped, c.Path)
			continue
		}
		out = next
	}
	m, _ := out.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, dropped
}

// hasPrefix reports whether p is prefix or below it.
func hasPrefix(p, prefix values.Path) bool {
	if len(p) < len(prefix) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// valueSeeded finds where a pre-fill put seed (a probe of a context value) and returns what
// current holds there: how a service's own one-time password is found again.
func valueSeeded(prefilled, current map[string]any, seed string) (string, bool) {
	var found values.Path
	var walk func(v any, p values.Path) bool
	walk = func(v any, p values.Path) bool {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if walk(v[k], p.Child(k)) {
					return true
				}
			}
		case []any:
			for i, e := range v {
				if walk(e, p.Child(i)) {
					return true
				}
			}
		case string:
			if v == seed {
				found = slices.Clone(p)
				return true
			}
		}
		return false
	}
	if !walk(prefilled, values.Path{}) {
		return "", false
	}
	v, ok := values.Get(current, found)
	s, isString := v.(string)
	return s, ok && isString && s != ""
}
