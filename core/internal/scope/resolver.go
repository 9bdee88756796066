package scope

import (
	"context"
	"slices"
	"sync"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/sdk"
)

// Resolver makes scopes from the configuration's projects and regions and the running
// plugins, each wrapped by the authorizer.
type Resolver struct {
	projects config.Projects
	regions  []config.Region
	plugins  *pluginhost.Host
	authz    *authz.Authorizer
	// onboarded remembers the namespace of each project this process has onboarded
	// (region/project -> namespace), so that onboarding runs once per project.
	onboarded sync.Map
	// members are the people added to projects in Basalt, per region (members.go).
	members addedMembers
}

// NewResolver returns a resolver over the configuration and the plugin host.
func NewResolver(cfg *config.Config, plugins *pluginhost.Host, a *authz.Authorizer) *Resolver {
	return &Resolver{projects: cfg.Projects, regions: cfg.Regions, plugins: plugins, authz: a}
}

// Region returns the region of that id, or the default (first) one for "".
func (r *Resolver) Region(id string) (config.Region, error) {
	for _, reg := range r.regions {
		if id == "" || reg.ID == id {
			return reg, nil
		}
	}
	if id == "" {
		return config.Region{}, sdk.Errorf(sdk.ErrUnimplemented, "this instance has no region")
	}
	return config.Region{}, sdk.Errorf(sdk.ErrNotFound, "no region %q", id)
}

// Resolve is the user in one of their projects ("" for the personal one) and a region (""
// for the default one). Another's project is not found, never forbidden, so that its
// existence is not revealed.
func (r *Resolver) Resolve(u *identity.User, projectID, regionID string) (*Scope, error) {
	reg, regionErr := r.Region(regionID)
	if regionErr != nil && regionID != "" {
		return nil, regionErr
	}
	projects := r.projectsIn(u, reg)
	p := projects[0]
	if projectID != "" {
		i := slices.IndexFunc(projects, func(have identity.Project) bool { return have.ID == projectID })
		if i < 0 {
			return nil, sdk.Errorf(sdk.ErrNotFound, "no project %q", projectID)
		}
		p = projects[i]
	}
	if regionErr != nil { // an instance without regions: what needs one says so
		return New(u, p, projects, reg, Plugins{storageErr: regionErr, secretsErr: regionErr, servicesErr: regionErr}), nil
	}
	return New(u, p, projects, reg, r.regionPlugins(reg)), nil
}

// Projects are the user's projects in the default region, the personal one first: their
// groups', then those they were added to in Basalt.
func (r *Resolver) Projects(u *identity.User) []identity.Project {
	reg, _ := r.Region("")
	return r.projectsIn(u, reg)
}

func (r *Resolver) regionPlugins(reg config.Region) Plugins {
	var out Plugins
	if r.plugins == nil {
		return out
	}
	if reg.Storage != "" {
		store, err := r.plugins.Storage(reg.Storage)
		if out.storageErr = err; err == nil {
			out.Storage = r.authz.Storage(store)
		}
	}
	if reg.Secrets != "" {
		store, err := r.plugins.Secrets(reg.Secrets)
		if out.secretsErr = err; err == nil {
			out.Secrets = r.authz.Secrets(store)
		}
	}
	if reg.Region != "" {
		plugin, err := r.plugins.Region(reg.Region)
		if out.servicesErr = err; err == nil {
			out.Services = r.authz.Region(plugin)
		}
	}
	return out
}

// Onboard finds where the scope's project runs its services (the region plugin onboards
// the project the first time this process sees it) and sets the scope's Namespace. In a
// region that runs no services, the namespace is the project's id and ErrUnimplemented says
// why nothing can run there.
func (r *Resolver) Onboard(ctx context.Context, s *Scope) error {
	services, err := s.Services()
	if err != nil {
		s.Namespace = s.Project.ID
		return err
	}
	key := s.Region.ID + "/" + s.Project.ID
	if ns, ok := r.onboarded.Load(key); ok {
		s.Namespace = ns.(string)
		return nil
	}
	resp, err := services.Onboard(s.Context(ctx), sdk.OnboardRequest{})
	if err != nil {
		return err
	}
	r.onboarded.Store(key, resp.Namespace)
	s.Namespace = resp.Namespace
	return nil
}
