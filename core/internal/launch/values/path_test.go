package values

import (
	"errors"
	"strings"
	"testing"
)

// A write may extend a list by one item, never pad it up to an arbitrary index: the index
// comes from a launch link, and a[10000000] would otherwise allocate ten million slots.
func TestSetGrowsListsOneItemAtATime(t *testing.T) {
	root := map[string]any{"a": []any{"x"}}
	got, err := Set(root, Path{"a", 1}, "y")
	if err != nil || !Equal(got, map[string]any{"a": []any{"x", "y"}}) {
		t.Fatalf("appending at the end: %v, %v", got, err)
	}
	got, err = Set(map[string]any{}, Path{"new", 0, "k"}, 1)
	if err != nil || !Equal(got, map[string]any{"new": []any{map[string]any{"k": 1}}}) {
		t.Fatalf("a new list's first item: %v, %v", got, err)
	}
	for _, p := range []Path{{"a", 3}, {"a", 10_000_000}, {"fresh", 1}, {"a", 0, "deep", 5}} {
		_, err := Set(map[string]any{"a": []any{"x", "y"}}, p, "z")
		if !errors.Is(err, ErrIndex) {
			t.Errorf("Set %v: %v, want ErrIndex", p, err)
		}
	}
}

func TestSetCapsListLength(t *testing.T) {
	long := make([]any, MaxItems)
	if _, err := Set(map[string]any{"a": long}, Path{"a", MaxItems}, 1); !errors.Is(err, ErrIndex) || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("item %d: %v, want ErrIndex naming the cap", MaxItems+1, err)
	}
	if _, err := Set(map[string]any{"a": long}, Path{"a", MaxItems - 1}, 1); err != nil {
		t.Fatalf("replacing the last item: %v", err)
	}
}

func TestSize(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want int
	}{
		{nil, 4},
		{"abc", 5},
		{true, 4},
		{false, 5},
		{12.5, 4},
		{[]any{1, 2}, 5},
		{map[string]any{"k": "v"}, 9},
		{map[string]any{"k": []any{map[string]any{}}}, 10},
	} {
		if got := Size(tt.v); got != tt.want {
			t.Errorf("Size(%#v) = %d, want %d (its JSON length)", tt.v, got, tt.want)
		}
	}
}
