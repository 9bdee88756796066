package secrethome_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/secrethome"
)

func TestResolve(t *testing.T) {
	l := secrethome.Layout{User: "users/{username}", Group: "projects/{group}"}
	alice := sdk.Caller{Username: "alice", Groups: []string{"data-team"}}
	if got := l.Homes(alice); !slices.Equal(got, []string{"users/alice", "projects/data-team"}) {
		t.Errorf("Homes: %v", got)
	}
	for _, tc := range []struct {
		path   string
		folder bool
		want   string
		kind   error
	}{
		{"users/alice/db", false, "users/alice/db", nil},
		{"/users/alice/db/", false, "users/alice/db", nil},
		{"projects/data-team/x", false, "projects/data-team/x", nil},
		{"users/alice", true, "users/alice", nil},
		{"users/alice", false, "", sdk.ErrNotFound}, // a home is a folder, not a secret
		{"users/alice-other/db", false, "", sdk.ErrNotFound},
		{"users/bob/db", false, "", sdk.ErrNotFound},
		{"projects/other-team/x", false, "", sdk.ErrNotFound},
		{"users/alice/../bob/db", false, "", sdk.ErrInvalidArgument},
		{"users//alice/db", false, "", sdk.ErrInvalidArgument},
	} {
		got, err := l.Resolve(alice, tc.path, tc.folder)
		if got != tc.want || (tc.kind == nil) != (err == nil) || (tc.kind != nil && !errors.Is(err, tc.kind)) {
			t.Errorf("Resolve(%q, folder %v) = %q, %v; want %q, %v", tc.path, tc.folder, got, err, tc.want, tc.kind)
		}
	}
	if _, err := l.Resolve(sdk.Caller{}, "users/alice/db", false); !errors.Is(err, sdk.ErrUnauthenticated) {
		t.Errorf("Resolve without a caller: %v", err)
	}
}

// TestUserNamedAfterGroupHome: with homes that can collide, a user whose home would be a
// group's gets none.
func TestUserNamedAfterGroupHome(t *testing.T) {
	l := secrethome.Layout{User: "{username}", Group: "project-{group}"}
	if h, ok := l.UserHome("project-data-team"); ok {
		t.Errorf("user project-data-team got home %q, which is the group data-team's", h)
	}
	if h, ok := l.UserHome("alice"); !ok || h != "alice" {
		t.Errorf("UserHome(alice) = %q, %v", h, ok)
	}
	if _, err := l.Home(sdk.Caller{Username: "bob"}, sdk.Project{ID: "project-data-team", Group: "data-team"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Home of a group bob is not in: %v, want ErrNotFound", err)
	}
}

func TestValidate(t *testing.T) {
	bad := secrethome.Layout{User: "/{username}", Group: "projects/{group}/{group}"}.Validate("userHome", "groupHome")
	if len(bad) != 2 || bad[0].Field != "userHome" || bad[1].Field != "groupHome" {
		t.Errorf("Validate: %+v, want both fields", bad)
	}
	if bad := (secrethome.Layout{User: "u/{username}", Group: "g-{group}"}).Validate("u", "g"); len(bad) != 0 {
		t.Errorf("Validate of good patterns: %+v", bad)
	}
}
