// Package values holds Helm values as plain JSON-shaped Go data (maps, slices, strings,
// float64 or int numbers, booleans, nil): paths into them, reads, writes, deletes and the
// deep merge that layers defaults, pre-filled values, the user's values and launch-link
// overrides.
package values

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Path is a location in a values tree: each element is a string (an object key) or an int
// (an array index).
type Path []any

// String writes p the way violations name fields: keys joined by dots, indices as [n], and
// keys holding a dot or a bracket quoted as ["k.with.dots"].
func (p Path) String() string {
	var b strings.Builder
	for i, e := range p {
		switch e := e.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", e)
		case string:
			if strings.ContainsAny(e, `.[]"`) || e == "" {
				b.WriteString("[")
				b.WriteString(strconv.Quote(e))
				b.WriteString("]")
				continue
			}
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(e)
		}
	}
	return b.String()
}

// Child returns a copy of p extended with e, never sharing p's backing array.
func (p Path) Child(e any) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, e)
}

// ParsePath reads a context path as Onyxia's templates write it: dot-separated keys,
// [n] indices and ["k.with.dots"] quoted keys, e.g. user.decodedIdToken.groups[0].
func ParsePath(s string) (Path, error) {
	var p Path
	i := 0
	expectKey := true
	for i < len(s) {
		switch {
		case s[i] == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", s)
			}
			inner := s[i+1 : i+end]
			if strings.HasPrefix(inner, `"`) || strings.HasPrefix(inner, `'`) {
				// a quoted key may itself hold "]": find the closing quote first
				q := inner[0]
				close := strings.IndexByte(s[i+2:], q)
				if close < 0 || i+2+close+1 >= len(s) || s[i+2+close+1] != ']' {
					return nil, fmt.Errorf("path %q: bad quoted key", s)
				}
				p = append(p, s[i+2:i+2+close])
				i = i + 2 + close + 2
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("path %q: bad index [%s]", s, inner)
				}
				p = append(p, n)
				i += end + 1
			}
			expectKey = false
		case s[i] == '.':
			if expectKey {
				return nil, fmt.Errorf("path %q: empty key", s)
			}
			expectKey = true
			i++
		default:
			if !expectKey {
				return nil, fmt.Errorf("path %q: missing dot before %q", s, s[i:])
			}
			end := strings.IndexAny(s[i:], ".[")
			if end < 0 {
				end = len(s) - i
			}
			p = append(p, s[i:i+end])
			i += end
			expectKey = false
		}
	}
	if expectKey {
		return nil, fmt.Errorf("path %q: empty key", s)
	}
	return p, nil
}

// Get returns the value at p in root.
func Get(root any, p Path) (any, bool) {
	cur := root
	for _, e := range p {
		switch e := e.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[e]; !ok {
				return nil, false
			}
		case int:
			a, ok := cur.([]any)
			if !ok || e < 0 || e >= len(a) {
				return nil, false
			}
			cur = a[e]
		default:
			return nil, false
		}
	}
	return cur, true
}

// MaxItems caps the length of a list a write may grow. With Set's other rule (a write adds at
// most the next item), a launch link's index costs memory in proportion to the link, never to
// the number it spells.
const MaxItems = 1000

// ErrIndex is wrapped by the error of a write whose index a list cannot take.
var ErrIndex = errors.New("index out of range")

// Set writes v at p in root, creating missing objects (for keys) and lists (for indices) and
// replacing scalars that stand in the way. An index may name an item of the list or the one
// just after it (which appends it), below MaxItems; any other is an ErrIndex. It returns the
// new root, which differs from root only when root itself had to be replaced.
func Set(root any, p Path, v any) (any, error) {
	if len(p) == 0 {
		return v, nil
	}
	switch e := p[0].(type) {
	case string:
		m, ok := root.(map[string]any)
		if !ok {
			m = map[string]any{}
		}
		child, err := Set(m[e], p[1:], v)
		if err != nil {
			return root, err
		}
		m[e] = child
		return m, nil
	case int:
		a, _ := root.([]any)
		switch {
		case e >= MaxItems:
			return root, fmt.Errorf("%w: a list holds at most %d items", ErrIndex, MaxItems)
		case e < 0 || e > len(a):
			return root, fmt.Errorf("%w: index %d is past the end of the list (%d items); items are added one at a time, in order", ErrIndex, e, len(a))
		case e == len(a):
			a = append(a, nil)
		}
		child, err := Set(a[e], p[1:], v)
		if err != nil {
			return root, err
		}
		a[e] = child
		return a, nil
	}
	return root, nil
}

// Unset deletes the key at p, or truncates the array at p's last index (Onyxia drops that
// item and every one after it). It returns the new root.
func Unset(root any, p Path) any {
	if len(p) == 0 {
		return nil
	}
	switch e := p[0].(type) {
	case string:
		m, ok := root.(map[string]any)
		if !ok {
			return root
		}
		if len(p) == 1 {
			delete(m, e)
			return m
		}
		if child, ok := m[e]; ok {
			m[e] = Unset(child, p[1:])
		}
		return m
	case int:
		a, ok := root.([]any)
		if !ok || e < 0 || e >= len(a) {
			return root
		}
		if len(p) == 1 {
			return a[:e]
		}
		a[e] = Unset(a[e], p[1:])
		return a
	}
	return root
}

// Clone deep-copies a values tree.
func Clone(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = Clone(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = Clone(x)
		}
		return out
	}
	return v
}

// Merge layers src over dst: objects merge key by key, anything else in src replaces what
// dst holds. dst is modified and returned; src is copied, never shared.
func Merge(dst, src any) any {
	sm, ok := src.(map[string]any)
	if !ok {
		return Clone(src)
	}
	dm, ok := dst.(map[string]any)
	if !ok {
		return Clone(src)
	}
	for k, v := range sm {
		dm[k] = Merge(dm[k], v)
	}
	return dm
}

// Normalize converts what a YAML or JSON decoder produced into the plain shapes this
// package works on: map[any]any becomes map[string]any, every integer kind becomes int and
// float32 becomes float64.
func Normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = Normalize(x)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[fmt.Sprint(k)] = Normalize(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = Normalize(x)
		}
		return v
	case int64:
		return int(v)
	case int32:
		return int(v)
	case uint64:
		return int(v)
	case uint:
		return int(v)
	case float32:
		return float64(v)
	}
	return v
}

// Equal reports whether two values trees are equal, numbers compared by value whatever
// their Go type.
func Equal(a, b any) bool {
	if fa, ok := Number(a); ok {
		fb, ok := Number(b)
		return ok && fa == fb
	}
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, x := range a {
			y, ok := b[k]
			if !ok || !Equal(x, y) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !Equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case nil:
		return b == nil
	case string:
		s, ok := b.(string)
		return ok && s == a
	case bool:
		x, ok := b.(bool)
		return ok && x == a
	}
	return false
}

// Number returns v as a float64 when v is a number.
func Number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case float32:
		return float64(v), true
	}
	return 0, false
}

// Size returns the length of v written as JSON (strings counted without escapes): what a
// values tree weighs once sent to a plugin and stored in a Helm release.
func Size(v any) int {
	switch v := v.(type) {
	case nil:
		return len("null")
	case bool:
		if v {
			return len("true")
		}
		return len("false")
	case string:
		return len(v) + 2
	case map[string]any:
		n := 2 + max(len(v)-1, 0) // braces and commas
		for k, x := range v {
			n += len(k) + 3 + Size(x) // "k":
		}
		return n
	case []any:
		n := 2 + max(len(v)-1, 0)
		for _, x := range v {
			n += Size(x)
		}
		return n
	}
	if f, ok := Number(v); ok {
		return len(strconv.FormatFloat(f, 'g', -1, 64))
	}
	return len(fmt.Sprint(v))
}
