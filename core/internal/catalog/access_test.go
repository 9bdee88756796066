package catalog

import (
	"testing"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

func TestAllowed(t *testing.T) {
	alice := &identity.User{Username: "alice", Claims: map[string]any{
		"groups": []any{"data-team", "ml"}, "email": "alice@example.org", "admin": true, "level": float64(3),
	}}
	personal := identity.Project{ID: "user-alice"}
	group := identity.Project{ID: "project-ml", Group: "ml"}
	open := sdk.CatalogInfo{VisibleInPersonal: true, VisibleInGroup: true}
	restrict := func(rs ...sdk.ClaimRestriction) sdk.CatalogInfo {
		c := open
		c.Restrictions = rs
		return c
	}
	cases := []struct {
		name    string
		catalog sdk.CatalogInfo
		user    *identity.User
		project identity.Project
		want    bool
	}{
		{"open", open, alice, personal, true},
		{"hidden in personal projects", sdk.CatalogInfo{VisibleInGroup: true}, alice, personal, false},
		{"hidden in group projects", sdk.CatalogInfo{VisibleInPersonal: true}, alice, group, false},
		{"list claim, one element matches", restrict(sdk.ClaimRestriction{Key: "groups", Match: "ml"}), alice, personal, true},
		{"list claim, none matches", restrict(sdk.ClaimRestriction{Key: "groups", Match: "finance"}), alice, personal, false},
		{"whole value only", restrict(sdk.ClaimRestriction{Key: "groups", Match: "data"}), alice, personal, false},
		{"regex", restrict(sdk.ClaimRestriction{Key: "email", Match: ".*@example\\.org"}), alice, personal, true},
		{"boolean as text", restrict(sdk.ClaimRestriction{Key: "admin", Match: "true"}), alice, personal, true},
		{"number as text", restrict(sdk.ClaimRestriction{Key: "level", Match: "3"}), alice, personal, true},
		{"every restriction must match", restrict(
			sdk.ClaimRestriction{Key: "groups", Match: "ml"}, sdk.ClaimRestriction{Key: "email", Match: "bob@.*"}), alice, personal, false},
		{"missing claim", restrict(sdk.ClaimRestriction{Key: "department", Match: ".*"}), alice, personal, false},
		{"anonymous", restrict(sdk.ClaimRestriction{Key: "groups", Match: ".*"}), nil, personal, false},
		{"broken pattern admits no one", restrict(sdk.ClaimRestriction{Key: "groups", Match: "(("}), alice, personal, false},
	}
	for _, c := range cases {
		if got := Allowed(c.catalog, c.user, c.project); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
