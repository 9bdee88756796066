package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// noProjects knows no project: every decision is "not found", without a plugin.
type noProjects struct{}

func (noProjects) Resolve(*identity.User, string, string) (*scope.Scope, error) {
	return nil, sdk.Errorf(sdk.ErrNotFound, "no project")
}
func (noProjects) Projects(*identity.User) []identity.Project { return nil }

func TestAppsHosts(t *testing.T) {
	a := Apps{Domain: "apps.example.org", Scheme: "https"}
	if h, ok := a.Host("jupyter-1", "user-alice"); !ok || h != "jupyter-1--user-alice.apps.example.org" {
		t.Errorf("host: %q %v", h, ok)
	}
	if _, ok := a.Host("a", string(make([]byte, 62))); ok {
		t.Error("a label over 63 characters was accepted")
	}
	for host, want := range map[string]bool{
		"jupyter-1--user-alice.apps.example.org": true, "JUPYTER-1--USER-ALICE.APPS.EXAMPLE.ORG": true,
		"jupyter-1.apps.example.org": false, "x--y.z.apps.example.org": false, "apps.example.org": false, "x--y.apps.example.org.evil.com": false,
	} {
		if _, _, ok := a.Parse(host); ok != want {
			t.Errorf("Parse(%q): %v, want %v", host, ok, want)
		}
	}
}

func TestOldDecisionsAreDropped(t *testing.T) {
	now := time.Now()
	g := New(Options{Apps: Apps{Domain: "localhost"}, Key: []byte("k"), Scopes: noProjects{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }})
	if _, err := g.decide(context.Background(), visitor{user: "alice"}, "r", "user-alice", "nb"); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("decide: %v", err)
	}
	count := func() (n int) { g.routes.Range(func(any, any) bool { n++; return true }); return n }
	g.Recheck(context.Background())
	if count() != 1 {
		t.Fatalf("a fresh decision was dropped")
	}
	now = now.Add(11 * routeTTL)
	g.Recheck(context.Background())
	if count() != 0 {
		t.Errorf("a decision %v old is still kept", 11*routeTTL)
	}
}
