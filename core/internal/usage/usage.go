// Package usage is showback from what the cluster knows, without a database: a service's
// running time comes from its release history (a pause ends a running interval, a resume
// starts one) and what it holds from each revision's requests, so hours are requests ×
// running time, and a service deleted is not counted, since its history went with it. Where
// a region names a Prometheus, hours running, CPU and memory are instead what it measured of
// each pod, per day, counted for the service the pod belongs to (Attribution).
package usage

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Requests is what one revision of a service asks of the cluster: its pods' requests summed
// over their replicas, and the sizes of its volumes.
type Requests struct {
	CPUMillicores int64
	MemoryBytes   int64
	GPUs          int64
	StorageBytes  int64
}

// Revision is one revision of a service's history as showback reads it.
type Revision struct {
	Number int
	// At is when the revision was made (its install, change, pause, resume or rollback); it
	// holds until the next revision is made.
	At       time.Time
	Paused   bool
	Requests Requests
}

// Hours is usage over some time.
type Hours struct {
	Running float64 // hours the service ran (not paused)
	CPU     float64 // core-hours requested while running
	// MemoryGiB and StorageGiB are GiB-hours (2³⁰ bytes). Storage counts while the service
	// exists, paused or not: a paused service keeps its volumes.
	MemoryGiB  float64
	GPU        float64 // GPU-hours requested while running
	StorageGiB float64
}

func (h *Hours) add(o Hours) {
	h.Running += o.Running
	h.CPU += o.CPU
	h.MemoryGiB += o.MemoryGiB
	h.GPU += o.GPU
	h.StorageGiB += o.StorageGiB
}

const gib = 1 << 30

// over is what requests cost over d, running or paused.
func (r Requests) over(d time.Duration, paused bool) Hours {
	hours := d.Hours()
	h := Hours{StorageGiB: float64(r.StorageBytes) / gib * hours}
	if !paused {
		h.Running = hours
		h.CPU = float64(r.CPUMillicores) / 1000 * hours
		h.MemoryGiB = float64(r.MemoryBytes) / gib * hours
		h.GPU = float64(r.GPUs) * hours
	}
	return h
}

// span is the time one revision held: [from, to).
type span struct {
	from, to time.Time
	rev      Revision
}

// spans orders a history by revision number and gives each revision the time until the next
// one was made; the last holds until now.
func spans(history []Revision, now time.Time) []span {
	revs := slices.SortedFunc(slices.Values(history), func(a, b Revision) int { return cmp.Compare(a.Number, b.Number) })
	out := make([]span, 0, len(revs))
	for i, r := range revs {
		end := now
		if i+1 < len(revs) {
			end = revs[i+1].At
		}
		if end.After(r.At) {
			out = append(out, span{from: r.At, to: end, rev: r})
		}
	}
	return out
}

// Within lists the revision numbers of a history that held some time in the period before
// now: only their requests matter to it, so only they need reading. Their requests and pause
// may be left unset, since the time reaches no day of the period.
func Within(history []Revision, p Period, now time.Time) []int {
	var out []int
	start, end := p.Start(), minTime(p.End(), now)
	for _, s := range spans(history, now) {
		if s.from.Before(end) && s.to.After(start) {
			out = append(out, s.rev.Number)
		}
	}
	return out
}

// Row is one day's usage of one user or project.
type Row struct {
	Day   string // YYYY-MM-DD, UTC
	Key   string
	Hours Hours
}

// Total is one user's or project's usage over the period.
type Total struct {
	Key   string
	Hours Hours
}

// Tally adds up services' usage by day (UTC) and by key (a user or a project).
type Tally struct {
	period Period
	now    time.Time
	cells  map[cell]Hours
}

type cell struct {
	day int // days since the period's first
	key string
}

// NewTally counts usage in the period up to now; later time is not counted.
func NewTally(p Period, now time.Time) *Tally {
	return &Tally{period: p, now: now, cells: map[cell]Hours{}}
}

// Add counts one service's history under key.
func (t *Tally) Add(key string, history []Revision) { t.add(key, history, false) }

// AddUnmeasured counts from one service's history what measures do not give: GPU and storage
// hours; AddMeasured counts the rest.
func (t *Tally) AddUnmeasured(key string, history []Revision) { t.add(key, history, true) }

// AddMeasured counts a measure of hours running, CPU and memory on a day (00:00 UTC) under
// key; a day outside the period is not counted.
func (t *Tally) AddMeasured(key string, day time.Time, h Hours) {
	d := int(day.Sub(t.period.Start()).Hours() / 24)
	if day.Before(t.period.Start()) || d >= t.period.Days {
		return
	}
	c := cell{day: d, key: key}
	sum := t.cells[c]
	sum.add(Hours{Running: h.Running, CPU: h.CPU, MemoryGiB: h.MemoryGiB})
	t.cells[c] = sum
}

func (t *Tally) add(key string, history []Revision, measured bool) {
	start := t.period.Start()
	for _, s := range spans(history, t.now) {
		for d := range t.period.Days {
			dayStart := start.AddDate(0, 0, d)
			from, to := maxTime(s.from, dayStart), minTime(s.to, dayStart.AddDate(0, 0, 1), t.now)
			if !to.After(from) {
				continue
			}
			c := cell{day: d, key: key}
			h := s.rev.Requests.over(to.Sub(from), s.rev.Paused)
			if measured {
				h.Running, h.CPU, h.MemoryGiB = 0, 0, 0
			}
			sum := t.cells[c]
			sum.add(h)
			t.cells[c] = sum
		}
	}
}

// Rows are the days and keys with any usage, by day then key.
func (t *Tally) Rows() []Row {
	cells := slices.SortedFunc(maps.Keys(t.cells), func(a, b cell) int { return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.key, b.key)) })
	out := make([]Row, 0, len(cells))
	for _, c := range cells {
		out = append(out, Row{Day: t.period.Day(c.day), Key: c.key, Hours: t.cells[c]})
	}
	return out
}

// Totals are each key's usage over the period, by key, and everyone's.
func (t *Tally) Totals() ([]Total, Hours) {
	byKey := map[string]Hours{}
	var all Hours
	for c, h := range t.cells {
		k := byKey[c.key]
		k.add(h)
		byKey[c.key] = k
		all.add(h)
	}
	out := make([]Total, 0, len(byKey))
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, Total{Key: key, Hours: byKey[key]})
	}
	return out, all
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(ts ...time.Time) time.Time {
	return slices.MinFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}
