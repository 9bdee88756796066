package values

import "sort"

// Change is one place where two values trees differ: the value found there after, or Removed
// when it is gone (a removed object or array is one change, not one per leaf).
type Change struct {
	Path    Path
	Value   any
	Removed bool
}

// Diff lists what turns before into after, leaf by leaf: object keys in sorted order, array
// indices ascending. Numbers are compared by value, as Equal does.
func Diff(before, after any) []Change {
	var out []Change
	diff(Path{}, before, true, after, &out)
	return out
}

func diff(p Path, before any, had bool, after any, out *[]Change) {
	if had && Equal(before, after) {
		return
	}
	switch a := after.(type) {
	case map[string]any:
		b, wasObject := before.(map[string]any)
		if !wasObject && len(a) == 0 {
			*out = append(*out, Change{Path: p, Value: after})
			return
		}
		keys := make([]string, 0, len(a)+len(b))
		for k := range a {
			keys = append(keys, k)
		}
		for k := range b {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			x, inBefore := b[k]
			y, inAfter := a[k]
			if !inAfter {
				*out = append(*out, Change{Path: p.Child(k), Removed: true})
				continue
			}
			diff(p.Child(k), x, inBefore, y, out)
		}
	case []any:
		b, wasArray := before.([]any)
		if !wasArray && len(a) == 0 {
			*out = append(*out, Change{Path: p, Value: after})
			return
		}
		for i, y := range a {
			var x any
			if i < len(b) {
				x = b[i]
			}
			diff(p.Child(i), x, i < len(b), y, out)
		}
		if len(b) > len(a) {
			// A link truncates an array at one index: the rest goes with it.
			*out = append(*out, Change{Path: p.Child(len(a)), Removed: true})
		}
	default:
		*out = append(*out, Change{Path: p, Value: after})
	}
}
