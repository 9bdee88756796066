package lifecycle

import (
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

// world is one service under one policy, moved through time tick by tick as the engine would:
// each decision's keys are merged into the state and its step applied to the release.
type world struct {
	t      *testing.T
	now    time.Time
	rel    sdk.Release
	keys   map[string]string
	cpu    int64 // millicores; -1: no measure
	policy Policy
	leads  Leads
	sent   []Notice
	taken  []string
	gone   bool
}

var monday9 = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) // a Monday

func newWorld(t *testing.T, p config.LifecyclePolicy) *world {
	return &world{t: t, now: monday9, cpu: 0, policy: compile(p), leads: Leads{Suspend: 30 * time.Minute, Delete: 24 * time.Hour},
		rel:  sdk.Release{Name: "jupyter-1", Status: sdk.StatusDeployed, Suspendable: true, Started: monday9},
		keys: map[string]string{}}
}

// tick decides once at w.now and applies the decision.
func (w *world) tick() Decision {
	w.t.Helper()
	u := sdk.Usage{CPUMillicores: w.cpu, Measured: w.now}
	if w.cpu < 0 {
		u = sdk.Usage{}
	}
	d := Decide(w.now, Service{Release: w.rel, State: ReadState(w.keys), Usage: u}, w.policy, 50, w.leads)
	if d.Send != nil {
		d.Set[keyNotice] = encodeNotice(d.Send)
		w.sent = append(w.sent, *d.Send)
	}
	w.keys = sdk.MergeLifecycle(w.keys, d.Set)
	switch d.Act {
	case ActSuspend:
		w.rel.Suspended = true
	case ActResume:
		w.rel.Suspended = false
	case ActDelete:
		w.gone = true
	}
	if d.Act != "" {
		w.taken = append(w.taken, d.Act+" "+d.Reason)
		if d.Act != ActDelete {
			w.keys = sdk.MergeLifecycle(w.keys, After(d.Act, d.Reason, w.now))
		}
	}
	return d
}

// run ticks every step for a duration: at now, now+step... up to, not including, now+d.
func (w *world) run(d, step time.Duration) {
	w.t.Helper()
	for end := w.now.Add(d); w.now.Before(end) && !w.gone; w.now = w.now.Add(step) {
		w.tick()
	}
}

func TestIdleServiceIsAnnouncedThenSuspended(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: 2 * time.Hour})
	w.run(90*time.Minute, time.Minute)
	if len(w.sent) != 0 {
		t.Fatalf("a notice within 89 idle minutes (idle 2 h, notice 30 min before): %+v", w.sent)
	}
	w.run(2*time.Minute, time.Minute) // 90 and 91 minutes
	if len(w.sent) != 1 || w.sent[0].Action != ActSuspend || w.sent[0].Reason != ReasonIdle || !w.sent[0].Due.Equal(monday9.Add(2*time.Hour)) {
		t.Fatalf("notices at 91 idle minutes: %+v, want one suspension for idleness due at 11:00", w.sent)
	}
	w.run(28*time.Minute, time.Minute)
	if len(w.taken) != 0 {
		t.Fatalf("steps before the due time: %v", w.taken)
	}
	w.run(time.Minute, time.Minute)
	if len(w.taken) != 1 || w.taken[0] != "suspend idle" || !w.rel.Suspended {
		t.Fatalf("steps at the due time: %v (suspended %v), want one suspension", w.taken, w.rel.Suspended)
	}
	if len(w.sent) != 1 {
		t.Errorf("notices sent: %d, want exactly one", len(w.sent))
	}
}

func TestBusyServiceIsNeverSuspended(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: time.Hour})
	w.cpu = 400 // a kernel computing, no browser open
	w.run(48*time.Hour, 5*time.Minute)
	if len(w.sent) != 0 || len(w.taken) != 0 {
		t.Fatalf("a busy service got notices %+v and steps %v", w.sent, w.taken)
	}
}

func TestUseAfterANoticeWithdrawsIt(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: time.Hour})
	w.run(40*time.Minute, time.Minute)
	if len(w.sent) != 1 {
		t.Fatalf("notices after 40 idle minutes: %d, want 1", len(w.sent))
	}
	w.cpu = 300
	d := w.tick()
	if d.Withdraw == nil || ReadState(w.keys).Notice != nil {
		t.Fatalf("a used service keeps its notice: decision %+v, state %v", d, w.keys)
	}
	w.cpu = 0
	w.run(50*time.Minute, time.Minute)
	if len(w.taken) != 0 {
		t.Fatalf("suspended %v after being used again 50 minutes ago (idle 1 h)", w.taken)
	}
}

func TestNoMeasureSuspendsNothingForIdleness(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: time.Hour})
	w.cpu = -1
	w.run(24*time.Hour, 10*time.Minute)
	if len(w.sent)+len(w.taken) != 0 {
		t.Fatalf("without a measure of CPU: notices %+v, steps %v", w.sent, w.taken)
	}
}

func TestKeepIsHonoured(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: time.Hour, MaxKeep: 72 * time.Hour})
	w.run(45*time.Minute, time.Minute)
	if len(w.sent) != 1 {
		t.Fatalf("notices: %d, want 1", len(w.sent))
	}
	friday := time.Date(2026, 12, 11, 18, 0, 0, 0, time.UTC)
	w.keys = sdk.MergeLifecycle(w.keys, KeepChange(friday))
	w.run(friday.Sub(w.now)-time.Minute, 10*time.Minute)
	if len(w.taken) != 0 || len(w.sent) != 1 {
		t.Fatalf("kept until Friday 18:00: steps %v, notices %+v", w.taken, w.sent)
	}
	w.run(2*time.Hour, time.Minute)
	if len(w.sent) != 2 || len(w.taken) != 1 || w.taken[0] != "suspend idle" {
		t.Fatalf("after the keep: notices %+v, steps %v, want a second notice then a suspension", w.sent, w.taken)
	}
	if due := w.sent[1].Due; due.Before(w.sent[1].Sent.Add(30 * time.Minute)) {
		t.Errorf("the notice after the keep is due %v, sent %v: less than the lead", due, w.sent[1].Sent)
	}
}

func TestDeletionWaitsForItsNotice(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{DeleteAfterSuspended: 7 * 24 * time.Hour})
	w.rel.Suspended = true
	w.tick() // the engine sees it suspended now
	// The engine was down for ten days: the deletion is long due, but nothing has announced it.
	w.now = w.now.Add(10 * 24 * time.Hour)
	d := w.tick()
	if d.Act != "" || d.Send == nil || d.Send.Action != ActDelete || !d.Send.Due.Equal(w.now.Add(24*time.Hour)) {
		t.Fatalf("a deletion overdue but unannounced: %+v, want a notice due in 24 h and no step", d)
	}
	w.run(23*time.Hour, time.Hour)
	if w.gone {
		t.Fatal("deleted less than 24 h after its notice")
	}
	w.run(2*time.Hour, time.Hour)
	if !w.gone || w.taken[len(w.taken)-1] != "delete suspended" {
		t.Fatalf("not deleted 25 h after its notice: steps %v", w.taken)
	}
}

func TestResumedServiceLosesItsDeletionNotice(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{DeleteAfterSuspended: 48 * time.Hour})
	w.rel.Suspended = true
	w.run(30*time.Hour, time.Hour)
	if len(w.sent) != 1 || w.sent[0].Action != ActDelete {
		t.Fatalf("notices: %+v, want a deletion notice", w.sent)
	}
	w.rel.Suspended = false // the owner resumed it
	d := w.tick()
	if d.Withdraw == nil || ReadState(w.keys).Notice != nil || !ReadState(w.keys).SuspendedAt.IsZero() {
		t.Fatalf("resumed: decision %+v, state %v: want the notice withdrawn and the suspension forgotten", d, w.keys)
	}
}

func TestWorkingHours(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{Schedule: config.LifecycleSchedule{
		SuspendAt: "19:00", ResumeAt: "08:00", Days: []string{"mon", "tue", "wed", "thu", "fri"}, TimeZone: "Europe/Paris"}})
	w.cpu = 500                        // busy: the schedule applies anyway
	w.run(10*time.Hour, 5*time.Minute) // Monday 9:00 to 19:00 UTC, 10:00 to 20:00 in Paris
	if len(w.taken) != 1 || w.taken[0] != "suspend schedule" {
		t.Fatalf("steps on Monday: %v, want the evening suspension", w.taken)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if at := ReadState(w.keys).SuspendedAt.In(paris); at.Hour() != 19 || at.Minute() != 0 {
		t.Errorf("suspended at %v, want 19:00 in Paris", at)
	}
	w.run(13*time.Hour, 5*time.Minute) // to Tuesday 9:00 in Paris
	if len(w.taken) != 2 || w.taken[1] != "resume schedule" || w.rel.Suspended {
		t.Fatalf("steps by Tuesday morning: %v, want the morning resume", w.taken)
	}
	if at := ReadState(w.keys).RunningSince.In(paris); at.Hour() != 8 {
		t.Errorf("resumed at %v, want 08:00 in Paris", at)
	}
}

func TestSuspensionRecordedAfterARestart(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: time.Hour})
	w.run(59*time.Minute, time.Minute)
	// The engine suspended the service and stopped before recording it.
	w.now = w.now.Add(time.Minute)
	w.rel.Suspended = true
	d := w.tick()
	st := ReadState(w.keys)
	if d.Withdraw != nil || d.Act != "" || st.SuspendedBy != ReasonIdle || st.Notice != nil {
		t.Fatalf("after a restart mid-step: decision %+v, state %+v: want the suspension recorded as the engine's", d, st)
	}
}

func TestOwnersIdleTimeStaysWithinThePolicy(t *testing.T) {
	p := compile(config.LifecyclePolicy{SuspendAfterIdle: 2 * time.Hour, MaxSuspendAfterIdle: 8 * time.Hour})
	if got := p.IdleAfter(State{IdleAfter: 24 * time.Hour}); got != 8*time.Hour {
		t.Errorf("an owner's 24 h under a maximum of 8 h gives %v", got)
	}
	if err := p.CheckIdleAfter(24 * time.Hour); err == nil {
		t.Error("24 h accepted past the policy's 8 h")
	}
	if err := p.CheckIdleAfter(4 * time.Hour); err != nil {
		t.Errorf("4 h refused: %v", err)
	}
	if err := compile(config.LifecyclePolicy{SuspendAfterIdle: time.Hour}).CheckIdleAfter(4 * time.Hour); err == nil {
		t.Error("a policy without max_suspend_after_idle accepted an owner's idle time")
	}
}

func TestFirstMatchingPolicyApplies(t *testing.T) {
	ps := NewPolicies([]config.LifecyclePolicy{
		{Name: "gpu", Catalogs: []string{"gpu"}, SuspendAfterIdle: time.Hour},
		{Name: "groups", Projects: []string{"project-*"}, SuspendAfterIdle: 4 * time.Hour},
		{Name: "rest", Regions: []string{"paris"}},
	})
	for _, c := range []struct{ region, catalog, project, want string }{
		{"paris", "gpu", "user-alice", "gpu"},
		{"paris", "ide", "project-data", "groups"},
		{"paris", "ide", "user-alice", "rest"},
		{"lyon", "ide", "user-alice", ""},
	} {
		if got := ps.For(c.region, c.catalog, c.project); got.Name != c.want {
			t.Errorf("policy for %s/%s/%s: %q, want %q", c.region, c.catalog, c.project, got.Name, c.want)
		}
	}
}

func TestApplicationSaysItIsInUse(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: time.Hour})
	w.cpu = -1 // no metrics API: the application's answer alone measures
	busy := true
	for end := w.now.Add(5 * time.Hour); w.now.Before(end); w.now = w.now.Add(5 * time.Minute) {
		d := Decide(w.now, Service{Release: w.rel, State: ReadState(w.keys), Activity: Activity{Measured: w.now, Busy: busy}}, w.policy, 50, w.leads)
		if d.Send != nil || d.Act != "" {
			t.Fatalf("a kernel computing for hours: %+v at %v", d, w.now)
		}
		w.keys = sdk.MergeLifecycle(w.keys, d.Set)
	}
	busy = false
	sent := false
	for end := w.now.Add(2 * time.Hour); w.now.Before(end) && !sent; w.now = w.now.Add(5 * time.Minute) {
		d := Decide(w.now, Service{Release: w.rel, State: ReadState(w.keys), Activity: Activity{Measured: w.now, Busy: busy}}, w.policy, 50, w.leads)
		sent = d.Send != nil
		w.keys = sdk.MergeLifecycle(w.keys, d.Set)
	}
	if !sent {
		t.Fatal("an application idle for two hours (idle 1 h) was not announced")
	}
}

func TestJupyterRuleOfUse(t *testing.T) {
	now := monday9
	window := 2 * time.Minute
	for _, c := range []struct {
		name    string
		kernels []kernel
		busy    bool
	}{
		{"no kernel", nil, false},
		{"a kernel computing, no browser", []kernel{{ExecutionState: "busy", LastActivity: now.Add(-time.Hour)}}, true},
		{"a tab open on an idle kernel", []kernel{{ExecutionState: "idle", LastActivity: now.Add(-time.Hour), Connections: 1}}, false},
		{"a cell run a minute ago", []kernel{{ExecutionState: "idle", LastActivity: now.Add(-time.Minute)}}, true},
		{"one kernel of two computing", []kernel{{ExecutionState: "idle", LastActivity: now.Add(-time.Hour)}, {ExecutionState: "busy"}}, true},
	} {
		if got := jupyterBusy(c.kernels, now, window); got != c.busy {
			t.Errorf("%s: in use %v, want %v", c.name, got, c.busy)
		}
	}
}

func TestUnansweringApplicationIsLeftAlone(t *testing.T) {
	p := newProber(config.Lifecycle{Interval: time.Minute})
	if p.resting("ns/jupyter", monday9) {
		t.Fatal("a release never probed is resting")
	}
	p.fail("ns/jupyter", monday9)
	if !p.resting("ns/jupyter", monday9.Add(4*time.Minute)) {
		t.Error("asked again 4 min after it did not answer (back-off 5 intervals)")
	}
	if p.resting("ns/jupyter", monday9.Add(5*time.Minute)) || p.resting("ns/other", monday9) {
		t.Error("still left alone after the back-off, or another release left alone")
	}
}

func TestBusyServiceWritesItsLastUseSparingly(t *testing.T) {
	w := newWorld(t, config.LifecyclePolicy{SuspendAfterIdle: time.Hour})
	w.cpu = 400
	writes := 0
	for end := w.now.Add(time.Hour); w.now.Before(end); w.now = w.now.Add(time.Minute) {
		if _, ok := w.tick().Set[keyLastActive]; ok {
			writes++
		}
	}
	if writes < 12 || writes > 13 {
		t.Errorf("a busy service looked at every minute for an hour wrote its last use %d times, want once per 5 min", writes)
	}
	if got := ReadState(w.keys).LastActive; w.now.Sub(got) > 5*time.Minute {
		t.Errorf("the last use kept is %v old", w.now.Sub(got))
	}
}
