package scale

import (
	"slices"
	"testing"
	"time"
)

func TestProfileWindow(t *testing.T) {
	for _, c := range []struct {
		load    time.Duration
		after   time.Duration
		seconds int
	}{
		{3 * time.Minute, time.Minute, 60}, // a minute in the middle
		{5 * time.Second, 0, 5},            // all of a short load
		{1500 * time.Millisecond, 250 * time.Millisecond, 1},
		{0, 0, 1},
	} {
		after, seconds := profileWindow(c.load)
		if after != c.after || seconds != c.seconds {
			t.Errorf("profileWindow(%s) = %s, %d s; want %s, %d s", c.load, after, seconds, c.after, c.seconds)
		}
	}
}

func TestRequestsBetween(t *testing.T) {
	before := map[string]int64{"list secrets": 10, "get pods/name": 5, "watch events": 1}
	after := map[string]int64{"list secrets": 12, "get pods/name": 9, "watch events": 1, "create secrets": 2, "list pods": 1}
	got := requestsBetween(before, after, 3)
	want := []string{"4× get pods/name", "2× create secrets", "2× list secrets"}
	if !slices.Equal(got, want) {
		t.Errorf("requestsBetween = %q, want %q", got, want)
	}
}
