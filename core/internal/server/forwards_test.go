package server

import (
	"testing"
	"time"
)

// A service's port-forward command is kept for its revision and for forwardFor: an upgrade, or
// time, makes the page read the backends again; another namespace's service of the same name
// has its own.
func TestForwardsAreKeptByRevisionForAWhile(t *testing.T) {
	now := time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	f := newForwards()
	f.now = func() time.Time { return now }
	k := forwardKey{region: "local", namespace: "user-alice", service: "jupyter", revision: 2}
	if _, ok := f.get(k); ok {
		t.Fatal("a command kept before any was put")
	}
	f.put(k, "kubectl port-forward --namespace user-alice service/jupyter 8080:8888")
	if got, ok := f.get(k); !ok || got != "kubectl port-forward --namespace user-alice service/jupyter 8080:8888" {
		t.Errorf("kept command = %q, %v", got, ok)
	}
	upgraded := k
	upgraded.revision = 3
	if _, ok := f.get(upgraded); ok {
		t.Errorf("the command of revision 2 stood for revision 3")
	}
	other := k
	other.namespace = "user-bob"
	if _, ok := f.get(other); ok {
		t.Errorf("alice's command stood for bob's service of the same name")
	}
	now = now.Add(forwardFor)
	if _, ok := f.get(k); ok {
		t.Errorf("the command was kept past %s", forwardFor)
	}
	f.put(k, "")
	if got, ok := f.get(k); !ok || got != "" {
		t.Errorf("a service without backend: %q, %v; want it kept as none", got, ok)
	}
}
