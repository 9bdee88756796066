package usage

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Source says where a quantity's hours come from.
type Source string

const (
	// SourceRequests is requests × running time, from the services' release histories.
	SourceRequests Source = "requests"
	// SourcePrometheus is what a Prometheus measured of the pods.
	SourcePrometheus Source = "prometheus"
	// SourceMixed is measured in some regions and requests × running time in the others.
	SourceMixed Source = "mixed"
)

// Sources says, per quantity, where a report's hours come from. GPU and storage hours are
// always requests × time: no GPU or volume metrics are read.
type Sources struct {
	Running, CPU, MemoryGiB, GPU, StorageGiB Source
}

// SourcesOf are the sources of a report over regions of which some were measured and the
// others (those without a Prometheus, or whose Prometheus failed) were not.
func SourcesOf(measured, unmeasured int) Sources {
	s := SourceRequests
	switch {
	case measured > 0 && unmeasured > 0:
		s = SourceMixed
	case measured > 0:
		s = SourcePrometheus
	}
	return Sources{Running: s, CPU: s, MemoryGiB: s, GPU: SourceRequests, StorageGiB: SourceRequests}
}

// Window is the part of one day (UTC) that a measure covers: from Start (excluded) to End
// (included), as a Prometheus range selector at End reads it. End is the next midnight, or
// now on the day that holds now.
type Window struct {
	Start, End time.Time
}

// Whole says whether the window is its whole day.
func (w Window) Whole() bool { return w.End.Sub(w.Start) == 24*time.Hour }

// Day is the window's day, at 00:00 UTC.
func (w Window) Day() time.Time { return w.Start }

// Windows are the days of the period up to now, in order, the last one cut at now (to the
// second, as Prometheus' durations count); days after now have none.
func (p Period) Windows(now time.Time) []Window {
	now = now.UTC().Truncate(time.Second)
	var out []Window
	for d := range p.Days {
		start := p.First.AddDate(0, 0, d)
		if !now.After(start) {
			break
		}
		out = append(out, Window{Start: start, End: minTime(start.AddDate(0, 0, 1), now)})
	}
	return out
}

// PodHours is what one pod used on one day, as measured: hours running, CPU core-hours and
// memory GiB-hours (GPU and storage are not measured).
type PodHours struct {
	Day            time.Time // 00:00 UTC
	Namespace, Pod string
	Hours          Hours
}

// UnknownService is the key, by user, under which a project's pods of no known service count:
// pods of services deleted since, or made without Basalt. No user name holds a space.
func UnknownService(project string) string { return project + " (no known service)" }

// Attribution says whom a pod's measured usage counts for: the service (Helm release) it
// belongs to in its namespace, so that service's owner and project.
type Attribution struct {
	projects map[string]string    // namespace → project id
	services map[string][]service // namespace → its services, longest name first
}

type service struct{ name, owner string }

// NewAttribution knows no project yet: pods of namespaces it is not told of are not counted.
func NewAttribution() *Attribution {
	return &Attribution{projects: map[string]string{}, services: map[string][]service{}}
}

// Project says which project a namespace holds.
func (a *Attribution) Project(namespace, id string) { a.projects[namespace] = id }

// Service says that a namespace holds the service name, owned by owner.
func (a *Attribution) Service(namespace, name, owner string) {
	list := a.services[namespace]
	i, _ := slices.BinarySearchFunc(list, name, func(s service, n string) int {
		return cmp.Or(cmp.Compare(len(n), len(s.name)), strings.Compare(s.name, n))
	})
	a.services[namespace] = slices.Insert(list, i, service{name: name, owner: owner})
}

// Key is what a pod's usage counts under: by user, its service's owner; by project, its
// project. A pod belongs to the service whose name is the longest that the pod's name is, or
// starts with before a dash, as a release's workloads name their pods (jupyter-7f9c-x2l4 and
// jupyter-0 of jupyter, jupyter-2-0 of jupyter-2 rather than of jupyter). A pod of no known
// service counts for its project, by user under UnknownService. ok is false for a namespace
// that is no project's: its pods are not counted.
func (a *Attribution) Key(namespace, pod string, byProject bool) (key string, ok bool) {
	project, ok := a.projects[namespace]
	if !ok {
		return "", false
	}
	if byProject {
		return project, true
	}
	for _, s := range a.services[namespace] {
		if pod == s.name || strings.HasPrefix(pod, s.name+"-") {
			return s.owner, true
		}
	}
	return UnknownService(project), true
}
