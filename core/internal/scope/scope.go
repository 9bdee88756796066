// Package scope is who a request acts as, in which project and region, with that region's
// plugins: resolved once per request (or per job of the lifecycle work) and handed to every
// service of the core, which never looks at HTTP to find it again.
package scope

import (
	"context"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// Scope is one user acting in one of their projects, in one region.
type Scope struct {
	User     *identity.User
	Project  identity.Project
	Projects []identity.Project // every project of the user, for role computation
	Region   config.Region

	// Namespace is where the project's services run, once Onboard found it; in a region
	// that runs no services, the project's id.
	Namespace string
	// StorageHome and SecretsHome are the project's homes, once a room asked for them.
	StorageHome sdk.ObjectRef
	SecretsHome string

	plugins Plugins
}

// Plugins are a region's plugins, wrapped by the authorizer; a nil one is one the region
// does not have.
type Plugins struct {
	Storage  sdk.Storage
	Secrets  sdk.Secrets
	Services sdk.Region
	// why a plugin is missing, when it is configured but not running
	storageErr, secretsErr, servicesErr error
}

// New is a scope over plugins already at hand (the resolver's, or a test's in-memory ones).
func New(u *identity.User, p identity.Project, projects []identity.Project, r config.Region, plugins Plugins) *Scope {
	return &Scope{User: u, Project: p, Projects: projects, Region: r, plugins: plugins}
}

// Context is ctx carrying the scope for the authorizer's wrapped plugins, which decide each
// call against it.
func (s *Scope) Context(ctx context.Context) context.Context {
	return authz.WithScope(ctx, authz.Scope{User: s.User, Project: s.Project, Projects: s.Projects})
}

// Personal is the same user in their personal project, where their own documents live
// whatever project a request is about.
func (s *Scope) Personal() *Scope {
	if s.Project.Personal() || len(s.Projects) == 0 {
		return s
	}
	return &Scope{User: s.User, Project: s.Projects[0], Projects: s.Projects, Region: s.Region, plugins: s.plugins}
}

// Storage is the region's storage plugin.
func (s *Scope) Storage() (sdk.Storage, error) {
	if s.plugins.Storage == nil {
		return nil, missing(s.plugins.storageErr, "region %q has no storage", s.Region.ID)
	}
	return s.plugins.Storage, nil
}

// Secrets is the region's secrets plugin.
func (s *Scope) Secrets() (sdk.Secrets, error) {
	if s.plugins.Secrets == nil {
		return nil, missing(s.plugins.secretsErr, "region %q has no secrets store", s.Region.ID)
	}
	return s.plugins.Secrets, nil
}

// Services is the region's plugin that runs services.
func (s *Scope) Services() (sdk.Region, error) {
	if s.plugins.Services == nil {
		return nil, missing(s.plugins.servicesErr, "region %q runs no services", s.Region.ID)
	}
	return s.plugins.Services, nil
}

func missing(err error, format string, args ...any) error {
	if err != nil {
		return err
	}
	return sdk.Errorf(sdk.ErrUnimplemented, format, args...)
}

// Visible applies the sharing rule: in a group project, a member sees the services they own
// and the shared ones.
func (s *Scope) Visible(r sdk.Release) bool {
	return s.Project.Personal() || r.Metadata.Shared || r.Metadata.Owner == s.User.Username
}

type scopeKey struct{}

// With returns ctx carrying the scope, for the request's handlers.
func With(ctx context.Context, s *Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// From returns the scope a middleware put in ctx; nil when none did.
func From(ctx context.Context) *Scope {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	return s
}

// MayChange refuses a release the scope's user may see but not change: changing a service
// is its owner's business.
func (s *Scope) MayChange(r sdk.Release) error {
	if o := r.Metadata.Owner; o != "" && o != s.User.Username {
		return sdk.Errorf(sdk.ErrPermissionDenied, "only %s, who launched it, can change this service", o)
	}
	return nil
}
