package scope

import (
	"errors"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

func resolver(t *testing.T, sets ...string) *Resolver {
	t.Helper()
	cfg, err := config.Load(config.Sources{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	return NewResolver(cfg, nil, nil)
}

func TestResolve(t *testing.T) {
	r := resolver(t)
	alice := &identity.User{Username: "alice", Groups: []string{"data-team"}}

	sc, err := r.Resolve(alice, "", "")
	if err != nil || sc.Project.ID != "user-alice" || sc.Region.ID != "local" {
		t.Fatalf("the personal project in the default region: %+v %v", sc, err)
	}
	group, err := r.Resolve(alice, "project-data-team", "local")
	if err != nil || group.Project.Group != "data-team" {
		t.Fatalf("a group project of hers: %+v %v", group, err)
	}
	if p := group.Personal(); p.Project.ID != "user-alice" || p.User != alice {
		t.Errorf("her personal scope from the group's: %+v", p.Project)
	}
	for _, bad := range []struct{ project, region string }{{"project-other-team", ""}, {"user-bob", ""}, {"", "nowhere"}} {
		if _, err := r.Resolve(alice, bad.project, bad.region); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("project %q, region %q: %v, want not found", bad.project, bad.region, err)
		}
	}
	if _, err := sc.Storage(); !errors.Is(err, sdk.ErrUnimplemented) {
		t.Errorf("a region without a running storage plugin: %v, want unimplemented", err)
	}
}

func TestWithoutRegions(t *testing.T) {
	r := resolver(t)
	r.regions = nil
	sc, err := r.Resolve(&identity.User{Username: "alice"}, "", "")
	if err != nil {
		t.Fatalf("what needs no region still resolves: %v", err)
	}
	if _, err := sc.Secrets(); !errors.Is(err, sdk.ErrUnimplemented) || err.Error() != "this instance has no region" {
		t.Errorf("what needs a region says there is none: %v", err)
	}
}

func TestVisibleAndMayChange(t *testing.T) {
	alice := &identity.User{Username: "alice"}
	group := New(alice, identity.Project{ID: "project-team", Group: "team"}, nil, config.Region{}, Plugins{})
	personal := New(alice, identity.Project{ID: "user-alice"}, nil, config.Region{}, Plugins{})
	bobs := sdk.Release{Metadata: sdk.ReleaseMetadata{Owner: "bob"}}
	shared := sdk.Release{Metadata: sdk.ReleaseMetadata{Owner: "bob", Shared: true}}
	if group.Visible(bobs) || !group.Visible(shared) || !personal.Visible(bobs) {
		t.Error("in a group project a member sees their own and the shared services; in a personal one, all")
	}
	if err := group.MayChange(shared); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("another's shared service: %v, want permission denied", err)
	}
	if err := group.MayChange(sdk.Release{Metadata: sdk.ReleaseMetadata{Owner: "alice"}}); err != nil {
		t.Errorf("her own service: %v", err)
	}
}
