package values

import (
	"reflect"
	"testing"
)

func TestDiff(t *testing.T) {
	before := map[string]any{
		"a":    map[string]any{"b": "x", "c": 1, "same": []any{"p"}},
		"list": []any{"p", "q", "r"},
		"gone": map[string]any{"k": true},
		"n":    2,
		"was":  "scalar",
	}
	after := map[string]any{
		"a":     map[string]any{"b": "y", "c": 1.0, "same": []any{"p"}, "new": map[string]any{"d": false}},
		"list":  []any{"p", "Q"},
		"n":     2.0, // a number is compared by value
		"added": []any{},
		"was":   map[string]any{"now": nil},
	}
	want := []Change{
		{Path: Path{"a", "b"}, Value: "y"},
		{Path: Path{"a", "new", "d"}, Value: false},
		{Path: Path{"added"}, Value: []any{}},
		{Path: Path{"gone"}, Removed: true},
		{Path: Path{"list", 1}, Value: "Q"},
		{Path: Path{"list", 2}, Removed: true},
		{Path: Path{"was", "now"}, Value: nil},
	}
	if got := Diff(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("Diff =\n%v\nwant\n%v", got, want)
	}
	if got := Diff(before, Clone(before)); len(got) != 0 {
		t.Errorf("Diff of equal trees = %v, want none", got)
	}
}
