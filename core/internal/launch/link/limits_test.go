package link

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// bombs are links of a few bytes that once padded a list up to their index (about 800 MB
// each). a[10000000]=1 itself names no dotted key, so Onyxia's syntax ignores it.
var bombs = []string{"a[10000000].=1", "a.b[10000000]=1", "a.b[999].c=1"}

// allocated returns how many bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestLinkCannotExhaustMemory(t *testing.T) {
	for _, q := range bombs {
		var err error
		n := allocated(func() {
			var l Link
			if l, err = Parse(q); err == nil {
				_, err = Apply(map[string]any{}, l.Overrides)
			}
		})
		if err == nil {
			t.Errorf("%s: accepted, want an error", q)
		}
		if n > 1<<20 {
			t.Errorf("%s: allocated %d bytes, want under 1 MiB", q, n)
		}
	}
}

func TestParseCapsIndexDepthAndLength(t *testing.T) {
	if _, err := ParseKey("a[" + strconv.Itoa(values.MaxItems) + "]"); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("index %d: %v, want an error naming the cap", values.MaxItems, err)
	}
	if _, err := ParseKey("a[" + strconv.Itoa(values.MaxItems-1) + "]"); err != nil {
		t.Errorf("index %d: %v", values.MaxItems-1, err)
	}
	deep := strings.Repeat("a.", MaxDepth) + "a"
	if _, err := ParseKey(deep); err == nil || !strings.Contains(err.Error(), "deeper than") {
		t.Errorf("%d levels: %v, want an error naming the cap", MaxDepth+1, err)
	}
	if _, err := ParseKey(strings.Repeat("a.", MaxDepth-1) + "a"); err != nil {
		t.Errorf("%d levels: %v", MaxDepth, err)
	}
	long := "x.y=%C2%AB" + strings.Repeat("v", MaxBytes) + "%C2%BB"
	if _, err := Parse(long); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("a link of %d bytes: %v, want an error naming the cap", len(long), err)
	}
}

// An override may add the next item of a list, not one further on: the error names the path.
func TestApplyGrowsListsOneItemAtATime(t *testing.T) {
	l, err := Parse("env[0].name=%C2%ABA%C2%BB&env[1].name=%C2%ABB%C2%BB")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Apply(map[string]any{}, l.Overrides)
	want := map[string]any{"env": []any{map[string]any{"name": "A"}, map[string]any{"name": "B"}}}
	if err != nil || !values.Equal(got, want) {
		t.Fatalf("two items in order: %v, %v", got, err)
	}
	l, _ = Parse("env[0].name=%C2%ABA%C2%BB&env[2].name=%C2%ABC%C2%BB")
	_, err = Apply(map[string]any{}, l.Overrides)
	var ae *ApplyError
	if !errors.As(err, &ae) || ae.Path.String() != "env[2].name" || !errors.Is(err, values.ErrIndex) {
		t.Fatalf("a gap: %v, want an ApplyError at env[2].name", err)
	}
}
