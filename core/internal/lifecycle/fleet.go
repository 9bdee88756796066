package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Filter picks services of the fleet; an empty field matches every service.
type Filter struct {
	Region  string
	Project string
	Owner   string
	Catalog string
	Chart   string
	Version string
	// IdleSince keeps the services last used before it (suspended ones included).
	IdleSince time.Time
	// Keep, when set, narrows the match with the caller's own criteria (the fleet table's
	// status, search and selected services).
	Keep func(Member) bool
}

// Member is one service of the fleet with what the engine knows of it.
type Member struct {
	Region  string
	Project string
	Release sdk.Release
	Usage   sdk.Usage
	// Requests is what its pods ask of the cluster now (nothing while paused).
	Requests sdk.Requests
	State    State
	Policy   Policy
	scope    *scope.Scope
}

// Fleet lists the services of every region that match the filter, in each owner's project.
// Services without an owner (installed without Basalt) are left out: no one acts on them.
func (e *Engine) Fleet(ctx context.Context, f Filter) ([]Member, error) {
	var out []Member
	for _, reg := range e.o.Config.Regions {
		if reg.Region == "" || (f.Region != "" && reg.ID != f.Region) {
			continue
		}
		fleet, err := e.fleet(ctx, reg)
		if err != nil {
			return nil, err
		}
		out = slices.Grow(out, len(fleet))
		// Thousands of services share a few hundred owners' projects: one scope each.
		scopes := map[owned]*scope.Scope{}
		for _, fr := range fleet {
			m, ok, err := e.member(reg, fr, scopes)
			if err != nil {
				return nil, err
			}
			if ok && f.Matches(m) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

// owned is whose a service is, as its owner's scope depends on it.
type owned struct{ owner, email, group, namespace string }

func (e *Engine) member(reg config.Region, fr sdk.FleetRelease, scopes map[owned]*scope.Scope) (Member, bool, error) {
	key := owned{fr.Release.Metadata.Owner, ReadState(fr.Release.Metadata.Lifecycle).OwnerEmail, fr.Group, fr.Release.Namespace}
	sc, known := scopes[key]
	if !known {
		var err error
		if sc, err = e.ownerScope(reg, fr); err != nil {
			return Member{}, false, err
		}
		scopes[key] = sc
	}
	if sc == nil {
		return Member{}, false, nil
	}
	rel := fr.Release
	return Member{Region: reg.ID, Project: sc.Project.ID, Release: rel, Usage: fr.Usage, Requests: fr.Requests, State: ReadState(rel.Metadata.Lifecycle),
		Policy: e.policies.For(reg.ID, rel.Metadata.Catalog, sc.Project.ID), scope: sc}, true, nil
}

// Matches reports whether the filter keeps m.
func (f Filter) Matches(m Member) bool {
	r := m.Release
	switch {
	case f.Project != "" && m.Project != f.Project,
		f.Owner != "" && r.Metadata.Owner != f.Owner,
		f.Catalog != "" && r.Metadata.Catalog != f.Catalog,
		f.Chart != "" && r.Chart != f.Chart,
		f.Version != "" && r.ChartVersion != f.Version:
		return false
	}
	if !f.IdleSince.IsZero() {
		last := m.State.LastActive
		if r.Suspended && !m.State.SuspendedAt.IsZero() {
			last = m.State.SuspendedAt
		}
		if last.IsZero() || !last.Before(f.IdleSince) {
			return false
		}
	}
	return f.Keep == nil || f.Keep(m)
}

// Fleet actions.
const (
	FleetSuspend = "suspend"
	FleetResume  = "resume"
	FleetUpgrade = "upgrade"
	FleetDelete  = "delete"
)

// Outcome is what a fleet action did, or would do, to one service.
type Outcome struct {
	Member Member
	// Change is what happens: "running → suspended", "notebook 2.1.11 → 2.5.2"; empty when
	// nothing would change (already suspended, already at that version). From and To are its
	// two sides: a state (running, suspended) or a chart version.
	Change   string
	From, To string
	Err      error
}

// FleetAction suspends, resumes, deletes or upgrades (to version) every service the filter
// matches, each in its owner's scope; a dry run changes nothing and says what would change (an
// upgrade is planned against the cluster). One service's failure does not stop the others.
func (e *Engine) FleetAction(ctx context.Context, actor, action string, f Filter, version string, dryRun bool) ([]Outcome, error) {
	switch action {
	case FleetSuspend, FleetResume, FleetDelete:
	case FleetUpgrade:
		if version == "" {
			return nil, sdk.InvalidFields("invalid fleet action", sdk.FieldViolation{Field: "version", Rule: "an upgrade names the chart version to run"})
		}
		if e.o.Upgrade == nil {
			return nil, sdk.Errorf(sdk.ErrUnimplemented, "this instance cannot upgrade services")
		}
	default:
		return nil, sdk.InvalidFields("invalid fleet action", sdk.FieldViolation{Field: "action", Rule: "one of suspend, resume, upgrade, delete"})
	}
	members, err := e.Fleet(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, 0, len(members))
	for _, m := range members {
		o := Outcome{Member: m}
		r := m.Release
		switch action {
		case FleetSuspend:
			if !r.Suspended && r.Suspendable {
				o.Change, o.From, o.To = "running → suspended", "running", "suspended"
				if !dryRun {
					o.Err = e.Act(ctx, m.scope, r, ActSuspend, ReasonFleet, actor)
				}
			}
		case FleetResume:
			if r.Suspended {
				o.Change, o.From, o.To = "suspended → running", "suspended", "running"
				if !dryRun {
					o.Err = e.Act(ctx, m.scope, r, ActResume, ReasonFleet, actor)
				}
			}
		case FleetDelete:
			from := "running"
			if r.Suspended {
				from = "suspended"
			}
			o.Change, o.From, o.To = from+" → deleted", from, "deleted"
			if !dryRun {
				o.Err = e.Act(ctx, m.scope, r, ActDelete, ReasonFleet, actor)
			}
		case FleetUpgrade:
			if r.ChartVersion != version {
				o.Change, o.From, o.To = fmt.Sprintf("%s %s → %s", r.Chart, r.ChartVersion, version), r.ChartVersion, version
				o.Err = e.o.Upgrade(ctx, m.scope, r.Name, version, dryRun)
				if !dryRun {
					outcome := "success"
					if o.Err != nil {
						outcome = "failed"
						e.count("failed-upgrade", ReasonFleet)
					} else {
						e.count("upgrade", ReasonFleet)
					}
					e.recordAs(ctx, actor, m.scope, r, "lifecycle.upgrade", version, outcome)
				}
			}
		}
		out = append(out, o)
	}
	return out, nil
}
