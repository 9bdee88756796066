package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/basalt-dev/basalt/core/internal/catalog"
	"github.com/basalt-dev/basalt/core/internal/helmcommands"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Form opens a launch form: the chart's form for the user, pre-filled, with a launch link's
// changes.
type Form struct{ cfg *Config }

// NewForm returns the form verb.
func NewForm(cfg *Config) *Form { return &Form{cfg: cfg} }

// Opened is a launch form and the catalog it comes from.
type Opened struct {
	Form    *form.Form
	Catalog sdk.CatalogInfo
	// AllowSharing: the service may be shared with the project (a group project, and a
	// catalog that allows it).
	AllowSharing bool
	// Release is the name a launch of this form gets when its request gives it back: the
	// form's values (its random subdomain) and its commands name it.
	Release string
}

// Run opens the form of the request's chart in the scope.
func (f *Form) Run(ctx context.Context, sc *scope.Scope, req Request) (*Opened, error) {
	g, err := f.cfg.gather(ctx, sc, req)
	if err != nil {
		return nil, err
	}
	fm, err := f.cfg.Planner.FormContext(ctx, g.request)
	if err != nil {
		return nil, err
	}
	fm.Profile = f.cfg.profileUsed(g.request.Chart.Schema)
	return &Opened{Form: fm, Catalog: g.catalog.Info, AllowSharing: g.catalog.Info.AllowSharing && !sc.Project.Personal(),
		Release: g.release}, nil
}

// Plan is a dry run: the values a launch would install and its equivalent commands.
type Plan struct{ cfg *Config }

// NewPlan returns the plan verb.
func NewPlan(cfg *Config) *Plan { return &Plan{cfg: cfg} }

// Planned is a launch's plan with the names it installs under.
type Planned struct {
	Release   string
	Namespace string
	Name      string // the friendly name
	Shared    bool
	Catalog   sdk.CatalogInfo
	Plan      *launch.Plan
	// Commands is the shell script that does what the launch does.
	Commands helmcommands.Script
}

// Run plans the request in the scope, without installing anything. The scope's Namespace
// names the release's namespace in the commands (the project's id where it is unknown).
func (p *Plan) Run(ctx context.Context, sc *scope.Scope, req Request) (*Planned, error) {
	g, err := p.cfg.gather(ctx, sc, req)
	if err != nil {
		return nil, err
	}
	return p.cfg.plan(ctx, g, injection{})
}

// plan plans a gathered request once, with its injection in place, and writes its commands.
func (c *Config) plan(ctx context.Context, g *gathered, inj injection) (*Planned, error) {
	plan, err := c.Planner.PlanContext(ctx, g.request)
	if err != nil {
		return nil, err
	}
	if err := inj.apply(plan); err != nil {
		return nil, err
	}
	ns := g.scope.Namespace
	if ns == "" {
		ns = g.scope.Project.ID
	}
	source := helmcommands.Catalog{ID: g.catalog.Info.ID, Location: catalog.WithoutUserinfo(g.catalog.Info.Location),
		Basalt: g.req.BasaltURL, Token: c.bearerToken}
	script, err := helmcommands.Install(helmcommands.Chart{Catalog: source, Name: plan.Chart, Version: plan.Version}, g.release, ns, plan.Values)
	if err != nil {
		return nil, err
	}
	return &Planned{Release: g.release, Namespace: ns, Name: g.name, Shared: g.req.Shared, Catalog: g.catalog.Info,
		Plan: plan, Commands: script}, nil
}

// Launch installs a request: it gathers, injects the chosen secret, plans once, fetches the
// archive from the catalog it resolved, and asks the region to install. It returns as soon
// as the region has recorded the release; the service's status and events tell the rest.
type Launch struct{ cfg *Config }

// NewLaunch returns the launch verb.
func NewLaunch(cfg *Config) *Launch { return &Launch{cfg: cfg} }

// Launched is an installed launch.
type Launched struct {
	Planned
	Service sdk.Release
	// Took is the time from the call to the region's acceptance.
	Took time.Duration
}

// Run launches the request in the scope, whose Namespace Onboard has set.
func (l *Launch) Run(ctx context.Context, sc *scope.Scope, req Request) (_ *Launched, err error) {
	start := time.Now()
	g, err := l.cfg.gather(ctx, sc, req)
	if err != nil {
		return nil, err
	}
	region, err := sc.Services()
	if err != nil {
		return nil, err
	}
	ctx = sc.Context(ctx)
	inj, revoke, err := l.cfg.inject(ctx, g)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil && revoke != nil {
			revoke()
		}
	}()
	p, err := l.cfg.plan(ctx, g, inj)
	if err != nil {
		return nil, err
	}
	valuesJSON, err := json.Marshal(p.Plan.Values)
	if err != nil {
		return nil, err
	}
	ctx, endInstall := launch.StartInstall(ctx, launch.Names{Catalog: p.Catalog.ID,
		Chart: p.Plan.Chart, Version: p.Plan.Version, Project: sc.Project.ID, Release: p.Release})
	defer func() { endInstall(err) }()
	archive, err := g.catalog.Archive(ctx, g.chartResp.Chart)
	if err != nil {
		return nil, err
	}
	defer archive.Body.Close()
	resp, err := region.Install(ctx, sdk.InstallRequest{
		ReleaseName: p.Release, Archive: archive.Body, Values: valuesJSON, Timeout: p.Catalog.Timeout,
		Metadata: sdk.ReleaseMetadata{Catalog: p.Catalog.ID, Chart: g.chartResp.Chart.Chart, Owner: sc.User.Username,
			FriendlyName: p.Name, Shared: p.Shared, SecretsTokenAccessor: inj.accessor, Lifecycle: ownerLifecycle(sc.User)},
		SecretData: inj.secretData,
	})
	if errors.Is(err, sdk.ErrAlreadyExists) && req.Release != "" {
		return nil, &sdk.Error{Kind: sdk.ErrAlreadyExists, Message: "cannot launch",
			Fields: []sdk.FieldViolation{{Field: "release", Rule: fmt.Sprintf("the name %s is taken: open the launch form again for a new one", p.Release)}}}
	}
	if err != nil {
		return nil, err
	}
	l.cfg.Log.Info("service launched", "user", sc.User.Username, "project", sc.Project.ID,
		"catalog", p.Catalog.ID, "chart", p.Plan.Chart, "version", p.Plan.Version, "service", p.Release)
	return &Launched{Planned: *p, Service: resp.Release, Took: time.Since(start)}, nil
}

// ownerLifecycle is the lifecycle state a launch starts: where the engine's notices reach the
// owner, since Basalt keeps no directory of users.
func ownerLifecycle(u *identity.User) map[string]string {
	if u.Email == "" || len(u.Email) > sdk.MaxLifecycleValue {
		return nil
	}
	return map[string]string{lifecycle.KeyOwnerEmail: u.Email}
}
