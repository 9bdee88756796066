package audit

import (
	"strings"
	"sync"
	"time"
)

// RecentCapacity is how many events a recorder keeps in memory for administrators: the last
// ones of this replica only, lost at restart. The webhook is the durable record.
const RecentCapacity = 1000

// recent is a fixed ring of the last events, the oldest overwritten first.
type recent struct {
	mu     sync.Mutex
	events []Event // len: the capacity
	next   int     // where the next event goes
	held   int
}

func newRecent(capacity int) *recent { return &recent{events: make([]Event, capacity)} }

func (r *recent) add(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events[r.next] = e
	r.next = (r.next + 1) % len(r.events)
	r.held = min(r.held+1, len(r.events))
}

// Query selects recent events; a zero field selects everything.
type Query struct {
	Actor   string
	Project string
	// Action is a prefix: "services." selects every action on services.
	Action  string
	Outcome string
	// Since selects the events at that time or later.
	Since time.Time
	// Limit bounds the answer (the newest events first); 0: every event that matches.
	Limit int
}

func (q Query) matches(e Event) bool {
	return (q.Actor == "" || e.Actor == q.Actor) && (q.Project == "" || e.Project == q.Project) &&
		strings.HasPrefix(e.Action, q.Action) && (q.Outcome == "" || e.Outcome == q.Outcome) &&
		!e.Time.Before(q.Since)
}

// Recent is what the recorder keeps of the last events.
type Recent struct {
	Events   []Event // the events a query selected, newest first
	Capacity int     // how many events the recorder keeps
	Held     int     // how many it holds now (all of them until the ring is full)
}

// Recent returns the kept events that q selects, newest first.
func (r *Recorder) Recent(q Query) Recent {
	k := r.recent
	k.mu.Lock()
	defer k.mu.Unlock()
	out := Recent{Events: []Event{}, Capacity: len(k.events), Held: k.held}
	for n := 1; n <= k.held && (q.Limit <= 0 || len(out.Events) < q.Limit); n++ {
		e := k.events[(k.next-n+len(k.events))%len(k.events)]
		if q.matches(e) {
			out.Events = append(out.Events, e)
		}
	}
	return out
}
