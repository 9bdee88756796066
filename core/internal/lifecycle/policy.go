package lifecycle

import (
	"path"
	"slices"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

// Policy is what applies to one service: the administrator's policy that matched it, if
// any.
type Policy struct {
	config.LifecyclePolicy
	// Matched is false when no policy matches: the engine then leaves the service alone.
	Matched bool
	loc     *time.Location
	days    []time.Weekday
}

// Policies are the configuration's policies, in order.
type Policies struct {
	list []config.LifecyclePolicy
}

// NewPolicies takes the policies of a validated configuration.
func NewPolicies(list []config.LifecyclePolicy) Policies { return Policies{list: list} }

// For is the first policy that matches a service of a catalog, in a project and a region.
func (ps Policies) For(region, catalog, project string) Policy {
	for _, p := range ps.list {
		if matches(p.Regions, region, false) && matches(p.Catalogs, catalog, false) && matches(p.Projects, project, true) {
			return compile(p)
		}
	}
	return Policy{}
}

func matches(allowed []string, v string, glob bool) bool {
	if len(allowed) == 0 {
		return true
	}
	return slices.ContainsFunc(allowed, func(a string) bool {
		if glob {
			ok, err := path.Match(a, v)
			return err == nil && ok
		}
		return a == v
	})
}

func compile(p config.LifecyclePolicy) Policy {
	out := Policy{LifecyclePolicy: p, Matched: true, loc: time.UTC}
	if loc, err := time.LoadLocation(p.Schedule.TimeZone); err == nil {
		out.loc = loc
	}
	for _, d := range p.Schedule.Days {
		out.days = append(out.days, time.Weekday(slices.Index(config.Weekdays, d)))
	}
	return out
}

// IdleAfter is how long the service may stay idle: the owner's choice within the policy's
// bounds, else the policy's. 0: never suspended for idleness.
func (p Policy) IdleAfter(s State) time.Duration {
	if p.SuspendAfterIdle == 0 {
		return 0
	}
	if s.IdleAfter > 0 && p.MaxSuspendAfterIdle > 0 {
		return min(s.IdleAfter, p.MaxSuspendAfterIdle)
	}
	return p.SuspendAfterIdle
}

// CheckIdleAfter refuses an owner's idle time the policy does not allow.
func (p Policy) CheckIdleAfter(d time.Duration) error {
	if d == 0 {
		return nil
	}
	if p.SuspendAfterIdle == 0 || p.MaxSuspendAfterIdle == 0 {
		return sdk.InvalidFields("invalid idle time", sdk.FieldViolation{Field: "suspendAfterIdleSeconds", Rule: "this service's policy lets no one change its idle time"})
	}
	if d < 10*time.Minute || d > p.MaxSuspendAfterIdle {
		return sdk.InvalidFields("invalid idle time", sdk.FieldViolation{Field: "suspendAfterIdleSeconds",
			Rule: "between 10m and " + p.MaxSuspendAfterIdle.String()})
	}
	return nil
}

// CheckKeep refuses a "keep until" the policy does not allow.
func (p Policy) CheckKeep(now, until time.Time) error {
	if until.IsZero() {
		return nil
	}
	if p.MaxKeep == 0 {
		return sdk.InvalidFields("cannot keep", sdk.FieldViolation{Field: "keepUntil", Rule: "this service's policy lets no one keep it"})
	}
	if !until.After(now) || until.Sub(now) > p.MaxKeep {
		return sdk.InvalidFields("cannot keep", sdk.FieldViolation{Field: "keepUntil", Rule: "a time in the future, at most " + p.MaxKeep.String() + " from now"})
	}
	return nil
}

// scheduled reports whether the policy has working hours.
func (p Policy) scheduled() bool { return p.Schedule.SuspendAt != "" }

// nextAt is the first time of day hhmm strictly after t on one of the schedule's days, in
// the schedule's zone; zero when hhmm is empty.
func (p Policy) nextAt(hhmm string, t time.Time) time.Time {
	if hhmm == "" {
		return time.Time{}
	}
	at, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}
	}
	local := t.In(p.loc)
	for day := range 8 {
		d := local.AddDate(0, 0, day)
		c := time.Date(d.Year(), d.Month(), d.Day(), at.Hour(), at.Minute(), 0, 0, p.loc)
		if c.After(t) && (len(p.days) == 0 || slices.Contains(p.days, c.Weekday())) {
			return c
		}
	}
	return time.Time{}
}
