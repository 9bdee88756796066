package scale

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// goroutines takes the core's goroutines grouped by stack, which the leak check compares,
// and writes them to Profiles as core.goroutines.WHEN.txt; after the load, also one by one
// with how long each has waited (core.goroutines.WHEN.full.txt).
func (h *Harness) goroutines(ctx context.Context, when string) []byte {
	grouped, err := h.basalt.GoroutineDump(ctx, 1)
	if err != nil {
		h.logf("no goroutine dump of the core %s the load: %v", when, err)
		return nil
	}
	if h.Profiles == "" {
		return grouped
	}
	h.writeProfile("core.goroutines."+when+".txt", grouped)
	if when == "after" {
		if full, err := h.basalt.GoroutineDump(ctx, 2); err == nil {
			h.writeProfile("core.goroutines."+when+".full.txt", full)
		}
	}
	return grouped
}

// goroutineStacks reads a goroutine dump grouped by stack (debug=1): how many goroutines
// each stack has, the stack named by its functions, innermost first.
func goroutineStacks(dump []byte) map[string]int {
	out := map[string]int{}
	count, frames := 0, []string(nil)
	flush := func() {
		if count > 0 {
			out[strings.Join(frames, " < ")] += count
		}
		count, frames = 0, nil
	}
	for line := range strings.Lines(string(dump)) {
		line = strings.TrimRight(line, "\n")
		if n, rest, ok := strings.Cut(line, " @ "); ok && rest != "" {
			flush()
			count, _ = strconv.Atoi(n)
			continue
		}
		// "#\taddress\tfunction+offset\tfile:line"
		if f := strings.Split(line, "\t"); len(f) >= 3 && f[0] == "#" && count > 0 {
			name, _, _ := strings.Cut(strings.TrimSpace(f[2]), "+0x")
			frames = append(frames, name)
		}
	}
	flush()
	return out
}

// goroutinesGrown lists the stacks that have more goroutines in after than in before, the
// most grown first, at most n, each as "+N function < caller < ...", the runtime's own
// frames left out.
func goroutinesGrown(before, after []byte, n int) []string {
	var out []string
	for _, g := range grownBetween(goroutineStacks(before), goroutineStacks(after), n) {
		var frames []string
		for _, f := range strings.Split(g.key, " < ") {
			if !strings.HasPrefix(f, "runtime.") && !strings.HasPrefix(f, "internal/") && len(frames) < 4 {
				frames = append(frames, f)
			}
		}
		out = append(out, "+"+strconv.FormatInt(g.more, 10)+" "+strings.Join(frames, " < "))
	}
	return out
}

func (h *Harness) writeProfile(name string, data []byte) {
	if err := os.WriteFile(filepath.Join(h.Profiles, name), data, 0o644); err != nil {
		h.logf("writing %s: %v", name, err)
	}
}

// requestsBetween lists the API server requests counted between two ByKey copies, the most
// frequent first, at most n of them.
func requestsBetween(before, after map[string]int64, n int) []string {
	var out []string
	for _, k := range grownBetween(before, after, n) {
		out = append(out, strconv.FormatInt(k.more, 10)+"× "+k.key)
	}
	return out
}

// grown is a key whose count grew, and by how much.
type grown struct {
	key  string
	more int64
}

// grownBetween lists the keys whose count is higher in after than in before, the most grown
// first (then by key), at most n of them.
func grownBetween[N int | int64](before, after map[string]N, n int) []grown {
	var out []grown
	for key, count := range after {
		if d := count - before[key]; d > 0 {
			out = append(out, grown{key, int64(d)})
		}
	}
	slices.SortFunc(out, func(a, b grown) int { return cmp.Or(cmp.Compare(b.more, a.more), cmp.Compare(a.key, b.key)) })
	return out[:min(n, len(out))]
}
