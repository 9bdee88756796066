package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/audit"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Actor is who the audit log names for the engine's own steps.
const Actor = "basalt:lifecycle"

// Options are what an Engine is built from.
type Options struct {
	Config *config.Config
	// Regions returns a region plugin instance by name, unwrapped: Fleet is the core's call.
	Regions func(name string) (sdk.Region, error)
	// Scopes make the owner's scope the engine acts in on a service: the owner's rights, no
	// more. A *scope.Resolver.
	Scopes   Scopes
	Notifier Notifier
	Audit    *audit.Recorder
	Registry prometheus.Registerer
	Log      *slog.Logger
	// Now is the engine's clock; nil: time.Now. Tests drive the engine with their own.
	Now func() time.Time
	// Deleted runs after the engine deleted a service (the launch pipeline revokes the
	// service's token there).
	Deleted func(ctx context.Context, sc *scope.Scope, rel sdk.Release)
	// Upgrade changes a service to another version of its chart, keeping its values; a dry run
	// changes nothing. Fleet upgrades need it.
	Upgrade func(ctx context.Context, sc *scope.Scope, service, version string, dryRun bool) error
}

// Scopes make users' scopes.
type Scopes interface {
	Projects(u *identity.User) []identity.Project
	Resolve(u *identity.User, projectID, regionID string) (*scope.Scope, error)
}

// Engine tends every service of every region of the configuration.
type Engine struct {
	o        Options
	cfg      config.Lifecycle
	policies Policies
	probes   *prober
	writes   *rate.Limiter // paces the services' state writes (lifecycle.writes_per_second)
	leads    Leads
	portal   string // the portal's base URL, for links in notices

	actions  *prometheus.CounterVec
	avoided  prometheus.Counter
	leader   prometheus.Gauge
	mu       sync.Mutex
	lastTick time.Time
}

// New builds an engine; Run starts it, Tick runs one pass.
func New(o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Notifier == nil {
		o.Notifier = Notifiers{}
	}
	cfg := o.Config.Lifecycle
	writes := rate.NewLimiter(rate.Inf, 1)
	if cfg.WritesPerSecond > 0 {
		writes = rate.NewLimiter(rate.Limit(cfg.WritesPerSecond), 1)
	}
	e := &Engine{o: o, cfg: cfg, policies: NewPolicies(cfg.Policies), probes: newProber(cfg), writes: writes,
		leads: Leads{Suspend: cfg.Notices.BeforeSuspend, Delete: cfg.Notices.BeforeDelete}, portal: portalURL(o.Config.Server)}
	e.actions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "basalt_lifecycle_actions_total",
		Help: "Steps of the lifecycle engine and administrators' fleet actions, by action (notice, withdraw, suspend, resume, delete, upgrade, failed-...) and reason.",
	}, []string{"action", "reason"})
	e.avoided = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "basalt_lifecycle_idle_hours_avoided_total",
		Help: "Service-hours not run because the lifecycle engine suspended services (idle, past their lifetime, outside working hours).",
	})
	e.leader = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "basalt_lifecycle_leader",
		Help: "1 while this replica's lifecycle engine acts (it holds the Lease, or runs alone), else 0.",
	})
	if o.Registry != nil {
		o.Registry.MustRegister(e.actions, e.avoided, e.leader)
	}
	return e
}

// portalURL is where users open the portal: the public URL, else the listener.
func portalURL(s config.Server) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	return "http://" + s.Address
}

// Policies are the engine's policies, for what the API shows.
func (e *Engine) Policies() Policies { return e.policies }

// Leads are the notice lead times.
func (e *Engine) Leads() Leads { return e.leads }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.o.Now() }

// Tick looks once at every service of every region, and takes the steps that are due.
func (e *Engine) Tick(ctx context.Context) error {
	now := e.o.Now()
	var errs []error
	suspended := 0
	for _, reg := range e.o.Config.Regions {
		if reg.Region == "" {
			continue
		}
		fleet, err := e.fleet(ctx, reg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range fleet {
			if engineSuspended(f.Release) {
				suspended++
			}
			if err := e.tend(ctx, now, reg, f); err != nil {
				e.o.Log.Warn("lifecycle: tending a service", "region", reg.ID, "service", f.Release.Name, "owner", f.Release.Metadata.Owner, "error", err)
				errs = append(errs, err)
			}
		}
	}
	e.mu.Lock()
	if !e.lastTick.IsZero() && now.After(e.lastTick) {
		elapsed := min(now.Sub(e.lastTick), 2*e.cfg.Interval)
		e.avoided.Add(elapsed.Hours() * float64(suspended))
	}
	e.lastTick = now
	e.mu.Unlock()
	e.probes.forget(now, maxLastUseGrain)
	return errors.Join(errs...)
}

// probeFresh is how long an application's answer stands for a service: the grain at which
// Decide writes its last use.
func probeFresh(p Policy, st State) time.Duration {
	if g := lastUseGrain(p, st); g > 0 {
		return g
	}
	return maxLastUseGrain
}

func engineSuspended(r sdk.Release) bool {
	switch ReadState(r.Metadata.Lifecycle).SuspendedBy {
	case ReasonIdle, ReasonLifetime, ReasonSchedule, ReasonFleet:
		return r.Suspended
	}
	return false
}

func (e *Engine) fleet(ctx context.Context, reg config.Region) ([]sdk.FleetRelease, error) {
	plugin, err := e.o.Regions(reg.Region)
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", reg.ID, err)
	}
	resp, err := plugin.Fleet(ctx, sdk.FleetRequest{})
	if err != nil {
		return nil, fmt.Errorf("region %s: listing its services: %w", reg.ID, err)
	}
	return resp.Releases, nil
}

// ownerScope is the scope of a service's owner in the service's project: the engine acts
// with the owner's rights. A service without an owner (installed without Basalt), or in a
// group that is no project any more, has none.
func (e *Engine) ownerScope(reg config.Region, f sdk.FleetRelease) (*scope.Scope, error) {
	owner := f.Release.Metadata.Owner
	if owner == "" {
		return nil, nil
	}
	u := &identity.User{Username: owner, Email: ReadState(f.Release.Metadata.Lifecycle).OwnerEmail}
	if f.Group != "" {
		u.Groups = []string{f.Group}
	}
	projects := e.o.Scopes.Projects(u)
	project := projects[0]
	if f.Group != "" {
		project = identity.Project{}
		for _, p := range projects {
			if p.Group == f.Group {
				project = p
			}
		}
		if project.ID == "" {
			return nil, nil
		}
	}
	sc, err := e.o.Scopes.Resolve(u, project.ID, reg.ID)
	if err != nil {
		return nil, err
	}
	sc.Namespace = f.Release.Namespace
	return sc, nil
}

// tend applies the lifecycle rule to one service.
func (e *Engine) tend(ctx context.Context, now time.Time, reg config.Region, f sdk.FleetRelease) error {
	sc, err := e.ownerScope(reg, f)
	if err != nil || sc == nil {
		return err
	}
	rel := f.Release
	st := ReadState(rel.Metadata.Lifecycle)
	policy := e.policies.For(reg.ID, rel.Metadata.Catalog, sc.Project.ID)
	var activity Activity
	if policy.Matched {
		if activity, err = e.probes.probe(ctx, sc, rel, now, probeFresh(policy, st)); err != nil {
			// The application did not answer: its CPU alone tells.
			e.o.Log.Debug("lifecycle: probing a service", "service", rel.Name, "error", err)
		}
		// Requests through the gateway are use, unless the application itself says otherwise
		// (a notebook's open tab polls without anyone working).
		if activity.Measured.IsZero() && now.Sub(st.LastRequest) < e.probes.window {
			activity.Busy = true
		}
	}
	d := Decide(now, Service{Release: rel, State: st, Usage: f.Usage, Activity: activity}, policy, e.cfg.BusyMillicores, e.leads)
	if d.Send != nil {
		ev := e.event(EventNotice, sc, rel, *d.Send)
		if err := e.o.Notifier.Notify(ctx, ev); err != nil {
			// The portal shows the notice whatever the other channels did.
			e.o.Log.Warn("lifecycle: delivering a notice", "service", rel.Name, "owner", rel.Metadata.Owner, "error", err)
		}
		d.Set[keyNotice] = encodeNotice(d.Send)
		e.count("notice", d.Send.Reason)
		e.record(ctx, sc, rel, "lifecycle.notice", d.Send.Action+" "+d.Send.Reason, audit.Success)
	}
	if d.Withdraw != nil {
		_ = e.o.Notifier.Notify(ctx, e.event(EventWithdrawn, sc, rel, *d.Withdraw))
		e.count("withdraw", d.Withdraw.Reason)
		e.record(ctx, sc, rel, "lifecycle.withdraw", d.Withdraw.Action+" "+d.Withdraw.Reason, audit.Success)
	}
	if len(d.Set) > 0 {
		if err := e.setState(ctx, sc, rel.Name, d.Set); err != nil {
			return err
		}
	}
	if d.Act != "" {
		return e.Act(ctx, sc, rel, d.Act, d.Reason, Actor)
	}
	return nil
}

func (e *Engine) setState(ctx context.Context, sc *scope.Scope, service string, change map[string]string) error {
	if err := e.writes.Wait(ctx); err != nil {
		return err
	}
	region, err := sc.Services()
	if err != nil {
		return err
	}
	_, err = region.UpdateRelease(sc.Context(ctx), sdk.UpdateReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: service}, Lifecycle: change})
	return err
}

// Act takes a step on a service in its owner's scope: the engine's, or an administrator's
// fleet action (actor names who).
func (e *Engine) Act(ctx context.Context, sc *scope.Scope, rel sdk.Release, action, reason, actor string) error {
	region, err := sc.Services()
	if err != nil {
		return err
	}
	actx, ref := sc.Context(ctx), sdk.ReleaseRef{Name: rel.Name}
	switch action {
	case ActSuspend:
		_, err = region.Suspend(actx, sdk.SuspendRequest{ReleaseRef: ref})
	case ActResume:
		_, err = region.Resume(actx, sdk.ResumeRequest{ReleaseRef: ref})
	case ActDelete:
		if _, err = region.Uninstall(actx, sdk.UninstallRequest{ReleaseRef: ref}); err == nil && e.o.Deleted != nil {
			e.o.Deleted(ctx, sc, rel)
		}
	default:
		err = fmt.Errorf("lifecycle: unknown step %q", action)
	}
	if err != nil {
		e.count("failed-"+action, reason)
		e.recordAs(ctx, actor, sc, rel, "lifecycle."+action, reason, audit.Failed)
		return err
	}
	if action != ActDelete {
		if err := e.setState(ctx, sc, rel.Name, After(action, reason, e.o.Now())); err != nil {
			e.o.Log.Warn("lifecycle: recording a step", "service", rel.Name, "action", action, "error", err)
		}
	}
	e.count(action, reason)
	e.recordAs(ctx, actor, sc, rel, "lifecycle."+action, reason, audit.Success)
	_ = e.o.Notifier.Notify(ctx, e.event(EventTaken, sc, rel, Notice{Action: action, Reason: reason, Due: e.o.Now()}))
	return nil
}

func (e *Engine) count(action, reason string) { e.actions.WithLabelValues(action, reason).Inc() }

func (e *Engine) record(ctx context.Context, sc *scope.Scope, rel sdk.Release, action, detail, outcome string) {
	e.recordAs(ctx, Actor, sc, rel, action, detail, outcome)
}

func (e *Engine) recordAs(ctx context.Context, actor string, sc *scope.Scope, rel sdk.Release, action, detail, outcome string) {
	if e.o.Audit == nil {
		return
	}
	e.o.Audit.Record(ctx, audit.Event{Actor: actor, Project: sc.Project.ID, Action: action, Target: rel.Name + " (" + detail + ")", Outcome: outcome})
}

// event is what the channels are told of a notice on a service.
func (e *Engine) event(kind string, sc *scope.Scope, rel sdk.Release, n Notice) Event {
	page := e.portal + "/my-services/" + url.PathEscape(rel.Name) + "?" + url.Values{"project": {sc.Project.ID}, "region": {sc.Region.ID}}.Encode()
	ev := Event{Kind: kind, Action: n.Action, Reason: n.Reason, Due: n.Due, Region: sc.Region.ID, Project: sc.Project.ID,
		Service: rel.Name, FriendlyName: rel.Metadata.FriendlyName, Chart: rel.Chart, Owner: rel.Metadata.Owner,
		ServiceURL: page, email: sc.User.Email}
	if kind == EventNotice {
		ev.KeepURL = page + "&keep=1"
	}
	return ev
}
