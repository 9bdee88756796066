package scale

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// profileWindow is the part of a load phase of length load that the core's CPU profile
// covers: a minute in its middle, or all of a shorter one (whole seconds, at least one).
func profileWindow(load time.Duration) (after time.Duration, seconds int) {
	seconds = max(1, min(60, int(load/time.Second)))
	return max(0, (load-time.Duration(seconds)*time.Second)/2), seconds
}

// profileLoad takes the core's CPU profile within a load phase that began at began and writes
// it to Profiles as core.cpu.pprof.
func (h *Harness) profileLoad(ctx context.Context, began time.Time) {
	after, seconds := profileWindow(h.Sizes.LoadDuration)
	select {
	case <-ctx.Done():
		return
	case <-time.After(time.Until(began.Add(after))):
	}
	profile, err := h.basalt.CPUProfile(ctx, seconds)
	if err != nil {
		h.logf("no CPU profile of the core: %v", err)
		return
	}
	h.writeProfile("core.cpu.pprof", profile)
	h.logf("the core's CPU profile, %d s from %s into the load: go tool pprof -top %s", seconds, after,
		filepath.Join(h.Profiles, "core.cpu.pprof"))
}

// writeGoroutines writes the core's goroutines to Profiles, grouped by stack
// (core.goroutines.WHEN.txt) and, after the load, one by one with how long each has waited
// (core.goroutines.WHEN.full.txt).
func (h *Harness) writeGoroutines(ctx context.Context, when string) {
	levels := []int{1}
	if when == "after" {
		levels = append(levels, 2)
	}
	for _, debug := range levels {
		dump, err := h.basalt.GoroutineDump(ctx, debug)
		if err != nil {
			h.logf("no goroutine dump of the core %s the load: %v", when, err)
			return
		}
		name := "core.goroutines." + when + ".txt"
		if debug == 2 {
			name = "core.goroutines." + when + ".full.txt"
		}
		h.writeProfile(name, dump)
	}
}

func (h *Harness) writeProfile(name string, data []byte) {
	if err := os.WriteFile(filepath.Join(h.Profiles, name), data, 0o644); err != nil {
		h.logf("writing %s: %v", name, err)
	}
}

// requestsBetween lists the API server requests counted between two ByKey copies, the most
// frequent first, at most n of them.
func requestsBetween(before, after map[string]int64, n int) []string {
	type kind struct {
		key   string
		count int64
	}
	var kinds []kind
	for key, count := range after {
		if d := count - before[key]; d > 0 {
			kinds = append(kinds, kind{key, d})
		}
	}
	slices.SortFunc(kinds, func(a, b kind) int { return cmp.Or(cmp.Compare(b.count, a.count), cmp.Compare(a.key, b.key)) })
	var out []string
	for _, k := range kinds[:min(n, len(kinds))] {
		out = append(out, strconv.FormatInt(k.count, 10)+"× "+k.key)
	}
	return out
}
