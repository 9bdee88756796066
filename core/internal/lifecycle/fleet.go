package lifecycle

import (
	"context"
	"fmt"
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
}

// Member is one service of the fleet with what the engine knows of it.
type Member struct {
	Region  string
	Project string
	Release sdk.Release
	Usage   sdk.Usage
	State   State
	Policy  Policy
	scope   *scope.Scope
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
		for _, fr := range fleet {
			m, ok, err := e.member(reg, fr)
			if err != nil {
				return nil, err
			}
			if ok && f.matches(m) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

func (e *Engine) member(reg config.Region, fr sdk.FleetRelease) (Member, bool, error) {
	sc, err := e.ownerScope(reg, fr)
	if err != nil || sc == nil {
		return Member{}, false, err
	}
	rel := fr.Release
	return Member{Region: reg.ID, Project: sc.Project.ID, Release: rel, Usage: fr.Usage, State: ReadState(rel.Metadata.Lifecycle),
		Policy: e.policies.For(reg.ID, rel.Metadata.Catalog, sc.Project.ID), scope: sc}, true, nil
}

func (f Filter) matches(m Member) bool {
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
		return !last.IsZero() && last.Before(f.IdleSince)
	}
	return true
}

// Fleet actions.
const (
	FleetSuspend = "suspend"
	FleetResume  = "resume"
	FleetUpgrade = "upgrade"
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

// FleetAction suspends, resumes or upgrades (to version) every service the filter matches,
// each in its owner's scope; a dry run changes nothing and says what would change (an upgrade
// is planned against the cluster). One service's failure does not stop the others.
func (e *Engine) FleetAction(ctx context.Context, actor, action string, f Filter, version string, dryRun bool) ([]Outcome, error) {
	switch action {
	case FleetSuspend, FleetResume:
	case FleetUpgrade:
		if version == "" {
			return nil, sdk.InvalidFields("invalid fleet action", sdk.FieldViolation{Field: "version", Rule: "an upgrade names the chart version to run"})
		}
		if e.o.Upgrade == nil {
			return nil, sdk.Errorf(sdk.ErrUnimplemented, "this instance cannot upgrade services")
		}
	default:
		return nil, sdk.InvalidFields("invalid fleet action", sdk.FieldViolation{Field: "action", Rule: "one of suspend, resume, upgrade"})
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
