package usage

import (
	"testing"
	"time"
)

func TestWindows(t *testing.T) {
	p := period(t, "2026-05-19", "2026-05-21")
	got := p.Windows(at("2026-05-20 09:00").Add(1500 * time.Millisecond))
	if len(got) != 2 || !got[0].Start.Equal(at("2026-05-19 00:00")) || !got[0].End.Equal(at("2026-05-20 00:00")) || !got[0].Whole() ||
		!got[1].Start.Equal(at("2026-05-20 00:00")) || !got[1].End.Equal(at("2026-05-20 09:00").Add(time.Second)) || got[1].Whole() ||
		!got[1].Day().Equal(at("2026-05-20 00:00")) {
		t.Errorf("the windows to 09:00:01.5 on the second day: %+v", got)
	}
	if got := p.Windows(at("2026-06-01 00:00")); len(got) != 3 || !got[2].Whole() {
		t.Errorf("a period past: %+v, want three whole days", got)
	}
	if got := p.Windows(at("2026-05-19 00:00")); len(got) != 0 {
		t.Errorf("a period starting now: %+v, want no window", got)
	}
}

func TestAttribution(t *testing.T) {
	a := NewAttribution()
	a.Project("user-alice", "user-alice")
	a.Project("project-team", "project-team")
	a.Service("project-team", "jupyter", "bob")
	a.Service("project-team", "jupyter-2", "carol")
	a.Service("project-team", "vscode", "dave")
	a.Service("user-alice", "jupyter", "alice")
	for _, c := range []struct {
		namespace, pod string
		byProject      bool
		want           string
		ok             bool
	}{
		{"project-team", "jupyter-7f9c5d-x2l4q", false, "bob", true},
		{"project-team", "jupyter-0", false, "bob", true},
		{"project-team", "jupyter", false, "bob", true},
		{"project-team", "jupyter-2-0", false, "carol", true},
		{"project-team", "jupyter-2", false, "carol", true}, // the release's own name wins over jupyter's ordinal 2
		{"project-team", "vscode-6d8f-abcde", false, "dave", true},
		{"project-team", "jupyterlab-0", false, "project-team (no known service)", true},
		{"project-team", "postgres-0", false, "project-team (no known service)", true},
		{"project-team", "postgres-0", true, "project-team", true},
		{"project-team", "jupyter-0", true, "project-team", true},
		{"user-alice", "jupyter-5b7-zz", false, "alice", true},
		{"user-alice", "vscode-0", false, "user-alice (no known service)", true},
		{"kube-system", "jupyter-0", false, "", false},
		{"kube-system", "coredns-1", true, "", false},
	} {
		got, ok := a.Key(c.namespace, c.pod, c.byProject)
		if got != c.want || ok != c.ok {
			t.Errorf("%s/%s (by project %v): %q %v, want %q %v", c.namespace, c.pod, c.byProject, got, ok, c.want, c.ok)
		}
	}
}

// Measured hours replace requests × time for running, CPU and memory; GPU and storage still
// come from the history; a measure of a day outside the period is not counted.
func TestMeasuredBesideRequests(t *testing.T) {
	tally := NewTally(period(t, "2026-05-19", "2026-05-20"), at("2026-05-20 12:00"))
	tally.AddUnmeasured("alice", []Revision{{Number: 1, At: at("2026-05-19 12:00"),
		Requests: Requests{CPUMillicores: 4000, MemoryBytes: 8 * gigabyte, GPUs: 1, StorageBytes: 10 * gigabyte}}})
	tally.AddMeasured("alice", at("2026-05-19 00:00"), Hours{Running: 11.9, CPU: 0.5, MemoryGiB: 3, GPU: 99, StorageGiB: 99})
	tally.AddMeasured("alice", at("2026-05-20 00:00"), Hours{Running: 12, CPU: 1.25, MemoryGiB: 4})
	tally.AddMeasured("alice", at("2026-05-18 00:00"), Hours{Running: 5, CPU: 5})
	tally.AddMeasured("alice", at("2026-05-21 00:00"), Hours{Running: 5, CPU: 5})
	tally.AddMeasured("alice (no known service)", at("2026-05-20 00:00"), Hours{Running: 1, CPU: 0.25})
	checkRows(t, tally, map[string]Hours{
		"2026-05-19 alice":                    {Running: 11.9, CPU: 0.5, MemoryGiB: 3, GPU: 12, StorageGiB: 120},
		"2026-05-20 alice":                    {Running: 12, CPU: 1.25, MemoryGiB: 4, GPU: 12, StorageGiB: 120},
		"2026-05-20 alice (no known service)": {Running: 1, CPU: 0.25},
	})
}

func TestSourcesOf(t *testing.T) {
	for _, c := range []struct {
		measured, unmeasured int
		want                 Source
	}{{0, 2, SourceRequests}, {0, 0, SourceRequests}, {1, 0, SourcePrometheus}, {2, 1, SourceMixed}} {
		s := SourcesOf(c.measured, c.unmeasured)
		if s.Running != c.want || s.CPU != c.want || s.MemoryGiB != c.want || s.GPU != SourceRequests || s.StorageGiB != SourceRequests {
			t.Errorf("%d measured, %d not: %+v, want %s", c.measured, c.unmeasured, s, c.want)
		}
	}
}
