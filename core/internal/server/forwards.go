package server

import (
	"time"

	"k8s.io/utils/lru"
)

// forwards keeps each service's port-forward command (portForward) for a while. The command
// names the Service and port of the release's first backend, which change with the release's
// revision, while reading them costs the region a Service and its endpoints from the API
// server at every refresh of the service's page: under bench-scale's load that read was the
// page's slowest part (a tenth of a second and more for one page in thirty). A Service
// changed behind Basalt's back shows in the command within forwardFor.
type forwards struct {
	kept *lru.Cache // forwardKey -> forward
	now  func() time.Time
}

type forwardKey struct {
	region, namespace, service string
	revision                   int
}

type forward struct {
	command string // "" when the service has no backend
	until   time.Time
}

const (
	forwardsKept = 4096
	forwardFor   = time.Minute
)

func newForwards() *forwards { return &forwards{kept: lru.New(forwardsKept), now: time.Now} }

// get returns the command kept for the service at that revision, if still fresh.
func (f *forwards) get(k forwardKey) (string, bool) {
	v, ok := f.kept.Get(k)
	if !ok {
		return "", false
	}
	if e := v.(forward); f.now().Before(e.until) {
		return e.command, true
	}
	f.kept.Remove(k)
	return "", false
}

func (f *forwards) put(k forwardKey, command string) {
	f.kept.Add(k, forward{command: command, until: f.now().Add(forwardFor)})
}
