package prefill

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// fits reports whether v satisfies the parts of s that decide whether a computed default
// is usable: type, const, enum, a non-empty listEnum, pattern, and the same for array
// items and object properties. It is the check Onyxia's launcher applies to defaults; the
// full JSON Schema validation of the final values comes later.
func fits(v any, s map[string]any, listEnum []any) bool {
	if c, ok := s["const"]; ok && !values.Equal(v, c) {
		return false
	}
	if !typeFits(v, s["type"]) {
		return false
	}
	if enum, ok := s["enum"].([]any); ok && !member(v, enum) {
		return false
	}
	if len(listEnum) > 0 && !member(v, listEnum) {
		return false
	}
	switch v := v.(type) {
	case string:
		if p, ok := s["pattern"].(string); ok {
			re := compiled(p)
			if re != nil && !re.MatchString(v) {
				return false
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for _, x := range v {
				if !fits(x, items, listEnumOf(items)) {
					return false
				}
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, x := range v {
			if ps, ok := props[k].(map[string]any); ok && !fits(x, ps, listEnumOf(ps)) {
				return false
			}
		}
	}
	return true
}

func listEnumOf(s map[string]any) []any {
	l, _ := s["listEnum"].([]any)
	return l
}

func member(v any, options []any) bool {
	for _, o := range options {
		if values.Equal(v, o) {
			return true
		}
	}
	return false
}

func typeFits(v any, t any) bool {
	switch t := t.(type) {
	case nil:
		return true
	case string:
		return isType(v, t)
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && isType(v, s) {
				return true
			}
		}
		return false
	}
	return true
}

func isType(v any, t string) bool {
	switch t {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := values.Number(v)
		return ok
	case "integer":
		f, ok := values.Number(v)
		return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "null":
		return v == nil
	}
	return true
}

var patterns sync.Map // pattern → *regexp.Regexp (nil when Go cannot compile it)

func compiled(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		r, _ := re.(*regexp.Regexp)
		return r
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}

// coerce converts v towards the schema's type as Onyxia does: string → boolean
// (true/false, yes/no, 1/0, on/off) or number; number → string or boolean (≠ 0); boolean →
// "true"/"false" or 1/0; null → "", false or 0.
func coerce(v any, s map[string]any) (any, bool) {
	for _, t := range typesOf(s["type"]) {
		if out, ok := coerceTo(v, t); ok {
			return out, true
		}
	}
	return nil, false
}

func typesOf(t any) []string {
	switch t := t.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func coerceTo(v any, t string) (any, bool) {
	switch v := v.(type) {
	case string:
		switch t {
		case "boolean":
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true", "yes", "1", "on":
				return true, true
			case "false", "no", "0", "off":
				return false, true
			}
		case "number", "integer":
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil && (t == "number" || f == math.Trunc(f)) {
				return f, true
			}
		}
	case bool:
		switch t {
		case "string":
			return strconv.FormatBool(v), true
		case "number", "integer":
			if v {
				return 1.0, true
			}
			return 0.0, true
		}
	case nil:
		switch t {
		case "string":
			return "", true
		case "boolean":
			return false, true
		case "number", "integer":
			return 0.0, true
		}
	default:
		if f, ok := values.Number(v); ok {
			switch t {
			case "string":
				return strconv.FormatFloat(f, 'f', -1, 64), true
			case "boolean":
				return f != 0, true
			}
		}
	}
	return nil, false
}
