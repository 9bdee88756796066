package pluginhost

import (
	"errors"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

func TestQuantileInterpolatesWithinBuckets(t *testing.T) {
	bounds := []float64{0.1, 0.2, 0.4}
	for _, c := range []struct {
		q          float64
		cumulative []uint64
		total      uint64
		want       float64
	}{
		{0.5, []uint64{0, 0, 0}, 0, 0},          // no calls
		{0.5, []uint64{10, 10, 10}, 10, .05},    // half way into the first bucket, from 0
		{0.5, []uint64{0, 4, 4}, 4, .15},        // half way between 0.1 and 0.2
		{0.99, []uint64{50, 90, 100}, 100, .38}, // 9 tenths of the way from 0.2 to 0.4
		{0.99, []uint64{50, 90, 95}, 100, .4},   // beyond the last bound: the last bound
	} {
		if got := quantile(c.q, bounds, c.cumulative, c.total); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("quantile(%v, %v) = %v, want %v", c.q, c.cumulative, got, c.want)
		}
	}
}

// The host's own measures of a real plugin's calls: how many, how many failed, and the call
// time's median and 99th percentile, for that plugin only.
func TestCallStatsOfARealPlugin(t *testing.T) {
	h, _ := newHost(t, map[string]config.Plugin{"files": memory(t, "storage", nil), "secrets": memory(t, "secrets", nil)})
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := h.Instance("files").Calls(); got.Calls != 0 || got.P50 != 0 {
		t.Fatalf("before any call: %+v", got)
	}
	store, err := h.Storage("files")
	if err != nil {
		t.Fatal(err)
	}
	alice := sdk.Caller{Username: "alice"}
	for range 20 {
		if _, err := store.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice"}}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = store.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "missing"}})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("stat of a missing object: %v", err)
	}
	got := h.Instance("files").Calls()
	if got.Calls != 21 || got.Errors != 1 || got.P50 <= 0 || got.P99 < got.P50 || got.P99 > 30*time.Second {
		t.Fatalf("files: %+v", got)
	}
	if other := h.Instance("secrets").Calls(); other.Calls != 0 || other.Errors != 0 {
		t.Fatalf("the secrets plugin got no call: %+v", other)
	}
	if started := h.Instance("files").Started(); started.Before(h.Since()) || time.Since(started) > time.Minute {
		t.Fatalf("started %v, host since %v", started, h.Since())
	}
}
