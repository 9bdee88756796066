package lifecycle

import (
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Service is what Decide looks at: a release, its lifecycle state, what its pods use and
// what its application said of its use.
type Service struct {
	Release  sdk.Release
	State    State
	Usage    sdk.Usage
	Activity Activity
}

// Leads are how long before a step its notice must go out.
type Leads struct {
	Suspend time.Duration
	Delete  time.Duration
}

func (l Leads) of(action string) time.Duration {
	if action == ActDelete {
		return l.Delete
	}
	return l.Suspend
}

// Decision is what to do with one service now: state keys to write, a notice to send (then
// record), a notice to withdraw, or a step to take.
type Decision struct {
	Set      map[string]string
	Send     *Notice
	Withdraw *Notice
	Act      string // ActSuspend, ActResume, ActDelete or ""
	Reason   string
}

// step is a candidate step and when it is due.
type step struct {
	action, reason string
	due            time.Time
}

// Decide is the lifecycle rule. A destructive step (suspend, delete) is taken only once its
// notice has been out for the lead time and its due time has come, and only if it is still
// due: a service used again, kept by its owner or resumed has its notice withdrawn. Only a
// measure (its pods' CPU, or its application's answer) makes a service idle: with none,
// idleness suspends nothing; either one saying it is in use keeps it.
func Decide(now time.Time, svc Service, p Policy, busyMillicores int64, leads Leads) Decision {
	d := Decision{Set: map[string]string{}}
	st, rel := svc.State, svc.Release
	if !p.Matched {
		if st.Notice != nil { // the policy that announced it is gone
			d.Withdraw, d.Set[keyNotice] = st.Notice, ""
		}
		return d
	}
	var next *step
	if rel.Suspended {
		if n := st.Notice; n != nil && n.Action == ActSuspend && st.SuspendedAt.IsZero() {
			// Suspended after its notice, but the step was not recorded (the engine stopped
			// in between): record it rather than withdraw a notice that was carried out.
			d.Set = After(ActSuspend, n.Reason, now)
			return d
		}
		if st.SuspendedAt.IsZero() {
			st.SuspendedAt = now
			d.Set[keySuspendedAt] = formatTime(now)
		}
		if p.DeleteAfterSuspended > 0 {
			next = &step{ActDelete, ReasonSuspended, st.SuspendedAt.Add(p.DeleteAfterSuspended)}
		}
		if st.SuspendedBy == ReasonSchedule {
			if at := p.nextAt(p.Schedule.ResumeAt, st.SuspendedAt); !at.IsZero() && !now.Before(at) && (next == nil || at.Before(next.due)) {
				d.Act, d.Reason = ActResume, ReasonSchedule
				return d
			}
		}
	} else {
		if !st.SuspendedAt.IsZero() || st.RunningSince.IsZero() { // launched, or resumed by someone
			st.RunningSince = now
			if st.SuspendedAt.IsZero() && !rel.Started.IsZero() && rel.Started.Before(now) {
				st.RunningSince = rel.Started
			}
			d.Set[keyRunningSince], d.Set[keySuspendedAt], d.Set[keySuspendedBy] = formatTime(st.RunningSince), "", ""
		}
		measured := !svc.Usage.Measured.IsZero() || !svc.Activity.Measured.IsZero()
		busy := (!svc.Usage.Measured.IsZero() && svc.Usage.CPUMillicores > busyMillicores) || svc.Activity.Busy
		// A busy service's last use is written once per grain, not at every pass: a release's
		// state is an API write, and a tenth of the idle time is well within its tolerance.
		grain := lastUseGrain(p, st)
		if (busy && now.Sub(st.LastActive) >= grain) || st.LastActive.IsZero() || st.LastActive.Before(st.RunningSince) {
			st.LastActive = now
			d.Set[keyLastActive] = formatTime(now)
		} else if busy {
			st.LastActive = now // for this decision; the stored one is fresh enough
		}
		if rel.Suspendable {
			consider := func(s step) {
				if next == nil || s.due.Before(next.due) {
					next = &s
				}
			}
			if idle := p.IdleAfter(st); idle > 0 && measured {
				consider(step{ActSuspend, ReasonIdle, st.LastActive.Add(idle)})
			}
			if p.MaxLifetime > 0 {
				consider(step{ActSuspend, ReasonLifetime, st.RunningSince.Add(p.MaxLifetime)})
			}
			if p.scheduled() {
				consider(step{ActSuspend, ReasonSchedule, p.nextAt(p.Schedule.SuspendAt, st.RunningSince)})
			}
		}
	}
	kept := st.KeepUntil.After(now)
	if n := st.Notice; n != nil {
		still := next != nil && !kept && next.action == n.Action && !next.due.After(now.Add(leads.of(n.Action)))
		switch {
		case !still:
			d.Withdraw, d.Set[keyNotice] = n, ""
		case !now.Before(n.Due) && !now.Before(n.Sent.Add(leads.of(n.Action))):
			d.Act, d.Reason = n.Action, n.Reason
		}
		return d
	}
	if next != nil && !kept && !next.due.After(now.Add(leads.of(next.action))) {
		due := next.due
		if earliest := now.Add(leads.of(next.action)); due.Before(earliest) {
			due = earliest
		}
		d.Send = &Notice{Action: next.action, Reason: next.reason, Due: due, Sent: now}
	}
	return d
}

// After is the state keys a step leaves once taken.
func After(action, reason string, now time.Time) map[string]string {
	switch action {
	case ActSuspend:
		return map[string]string{keySuspendedAt: formatTime(now), keySuspendedBy: reason, keyNotice: ""}
	case ActResume:
		return map[string]string{keySuspendedAt: "", keySuspendedBy: "", keyRunningSince: formatTime(now), keyLastActive: formatTime(now), keyNotice: ""}
	}
	return map[string]string{keyNotice: ""}
}

// maxLastUseGrain bounds lastUseGrain.
const maxLastUseGrain = 5 * time.Minute

// lastUseGrain is how often a busy service's last use is written: a tenth of its idle time,
// at most maxLastUseGrain.
func lastUseGrain(p Policy, st State) time.Duration {
	return min(maxLastUseGrain, p.IdleAfter(st)/10)
}
