package filetree

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/sdk"
)

// inFlight keeps pruning away from the folders that writes are filling. A write counts
// itself in every folder of its path from before it makes them until it ends; a folder is
// removed only while no write counts in it, and a write waits while a folder of its path is
// being removed. (A tree that removes a folder with whatever it holds, as WebDAV's DELETE
// does, would otherwise take a write's file with it.)
type inFlight struct {
	mu      sync.Mutex
	removed *sync.Cond // signalled when a folder's removal ends
	writes  map[string]int
	pruning map[string]bool
}

func newInFlight() *inFlight {
	f := &inFlight{writes: map[string]int{}, pruning: map[string]bool{}}
	f.removed = sync.NewCond(&f.mu)
	return f
}

// begin counts a write to name in its folders, once none of them is being removed.
func (f *inFlight) begin(name string) {
	dirs := folders(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.anyPruning(dirs) {
		f.removed.Wait()
	}
	for _, d := range dirs {
		f.writes[d]++
	}
}

func (f *inFlight) anyPruning(dirs []string) bool {
	for _, d := range dirs {
		if f.pruning[d] {
			return true
		}
	}
	return false
}

// end uncounts a write that begin counted.
func (f *inFlight) end(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range folders(name) {
		if f.writes[d]--; f.writes[d] == 0 {
			delete(f.writes, d)
		}
	}
}

// prune removes the folder dir, then its parents, while they are empty, as an S3 folder
// vanishes with its last object; a bucket stays. It runs on a context the caller cannot
// cancel: the call it tidies up after has happened.
func (f *inFlight) prune(ctx context.Context, t Tree, dir string) {
	ctx = context.WithoutCancel(ctx)
	for ; strings.Count(dir, "/") > 1; dir, _ = split(strings.TrimSuffix(dir, "/")) {
		if !f.removeEmpty(ctx, t, dir) {
			return
		}
	}
}

// removeEmpty removes the folder dir if it holds nothing and no write is filling it, and
// reports whether it is gone.
func (f *inFlight) removeEmpty(ctx context.Context, t Tree, dir string) bool {
	f.mu.Lock()
	if f.writes[dir] > 0 || f.pruning[dir] {
		f.mu.Unlock()
		return false
	}
	f.pruning[dir] = true
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.pruning, dir)
		f.removed.Broadcast()
		f.mu.Unlock()
	}()
	held, err := t.List(ctx, dir)
	if errors.Is(kind(err), sdk.ErrNotFound) {
		return true
	}
	// A file being written that no write here counts is another's, or left by a crash: it
	// keeps the folder too.
	return err == nil && !slices.ContainsFunc(held, func(f File) bool { return ValidName(f.Name) }) && t.Remove(ctx, dir) == nil
}
