package gateway

import (
	"context"
	"crypto/subtle"
	"slices"
	"strings"
	"time"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// release reads a service for a user: as the user when they may see it (its owner; a member
// when it is shared in a group project), else in its project's name when one of its grants
// lets the user in, the link they presented ("" for none) among them. Anything else is not
// found, whether it exists or not.
func (g *Gateway) release(ctx context.Context, u *identity.User, link, region, project, service string) (*scope.Scope, sdk.Release, error) {
	notFound := sdk.Errorf(sdk.ErrNotFound, "no service %q in project %q", service, project)
	if sc, err := g.o.Scopes.Resolve(u, project, region); err == nil {
		if rel, err := read(ctx, sc, service); err == nil && sc.Visible(rel) {
			return sc, rel, nil
		}
	}
	sc, ok := g.projectScope(project, region)
	if !ok {
		return nil, sdk.Release{}, notFound
	}
	rel, err := read(ctx, sc, service)
	now := g.o.Now()
	if err != nil || !sc.Visible(rel) || !granted(rel.Metadata.Grants, u, g.o.Scopes.Projects(u), now) && !linkGranted(rel.Metadata.Grants, link, now) {
		return nil, sdk.Release{}, notFound
	}
	return sc, rel, nil
}

func read(ctx context.Context, sc *scope.Scope, service string) (sdk.Release, error) {
	services, err := sc.Services()
	if err != nil {
		return sdk.Release{}, err
	}
	got, err := services.GetRelease(sc.Context(ctx), sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: service}})
	return got.Release, err
}

// projectScope is the scope a project's services are read in for a grantee: its owner's, for
// a personal project whose id is the user prefix and the user's name; a member's, for a group
// project whose id is the group prefix and the group's name (its shared services). Projects
// named otherwise (slugs of names that are no DNS label, renamed groups) have none: their
// services cannot be granted to others.
func (g *Gateway) projectScope(project, region string) (*scope.Scope, bool) {
	candidates := []*identity.User{}
	if name, ok := strings.CutPrefix(project, g.o.Projects.UserPrefix); ok && name != "" {
		candidates = append(candidates, &identity.User{Username: name})
	}
	if name, ok := strings.CutPrefix(project, g.o.Projects.GroupPrefix); ok && name != "" {
		candidates = append(candidates, &identity.User{Username: "basalt-gateway", Groups: []string{name}})
	}
	for _, u := range candidates {
		if !slices.ContainsFunc(g.o.Scopes.Projects(u), func(p identity.Project) bool { return p.ID == project && (p.Personal() == (len(u.Groups) == 0)) }) {
			continue
		}
		if sc, err := g.o.Scopes.Resolve(u, project, region); err == nil {
			return sc, true
		}
	}
	return nil, false
}

// granted reports whether a grant, not expired, names the user, one of their groups or one of
// their projects.
func granted(grants []sdk.Grant, u *identity.User, projects []identity.Project, now time.Time) bool {
	for _, gr := range grants {
		if !gr.Expires.IsZero() && !now.Before(gr.Expires) {
			continue
		}
		switch gr.Kind {
		case sdk.GrantUser:
			if gr.Name == u.Username {
				return true
			}
		case sdk.GrantGroup:
			if slices.Contains(u.Groups, gr.Name) {
				return true
			}
		case sdk.GrantProject:
			if slices.ContainsFunc(projects, func(p identity.Project) bool { return p.ID == gr.Name }) {
				return true
			}
		}
	}
	return false
}

// linkGranted reports whether a link presented is a grant of the release, not expired.
func linkGranted(grants []sdk.Grant, link string, now time.Time) bool {
	return slices.ContainsFunc(grants, func(gr sdk.Grant) bool {
		return gr.Kind == sdk.GrantLink && sameLink(gr.Name, link) && (gr.Expires.IsZero() || now.Before(gr.Expires))
	})
}

// sameLink compares a link's id with one presented in constant time: the time taken tells a
// guesser nothing of how much they got right.
func sameLink(id, presented string) bool {
	return presented != "" && subtle.ConstantTimeCompare([]byte(id), []byte(presented)) == 1
}
