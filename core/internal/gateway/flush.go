package gateway

import (
	"context"
	"strings"
	"time"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/sdk"
)

// flushEvery is how often the time of each service's last request is written with its
// release, where the lifecycle engine of any replica reads it.
const flushEvery = time.Minute

// Run, until ctx ends, closes the open connections whose user may no longer use their
// service (every recheckEvery), and writes each service's last request with its release
// (once a minute at most per service and replica).
func (g *Gateway) Run(ctx context.Context) {
	flush := time.NewTicker(flushEvery / 2)
	defer flush.Stop()
	recheck := time.NewTicker(recheckEvery)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-flush.C:
			g.Flush(ctx)
		case <-recheck.C:
			g.Recheck(ctx)
		}
	}
}

// Flush writes the last requests not written yet, as the user who made each: their rights
// to the service let them through the gateway, and let them write its lifecycle state.
func (g *Gateway) Flush(ctx context.Context) {
	g.meter.mu.Lock()
	pending := map[string]*counters{}
	for k, c := range g.meter.m {
		last, flushed := c.last.Load(), c.flushed.Load()
		if last > 0 && (flushed == 0 || time.Duration(last-flushed) >= flushEvery) {
			pending[k] = c
		}
	}
	g.meter.mu.Unlock()
	for k, c := range pending {
		region, rest, _ := strings.Cut(k, "/")
		project, service, _ := strings.Cut(rest, "/")
		who := c.by.Load()
		if who == nil {
			continue
		}
		last := c.last.Load()
		if err := g.writeLastRequest(ctx, who, region, project, service, time.Unix(0, last)); err != nil {
			g.o.Log.Debug("gateway: recording a service's last request", "service", service, "error", err)
			continue
		}
		c.flushed.Store(last)
	}
}

func (g *Gateway) writeLastRequest(ctx context.Context, who *requester, region, project, service string, at time.Time) error {
	sc, err := g.o.Scopes.Resolve(&identity.User{Username: who.user, Groups: who.groups}, project, region)
	if err != nil {
		return err
	}
	services, err := sc.Services()
	if err != nil {
		return err
	}
	_, err = services.UpdateRelease(sc.Context(ctx), sdk.UpdateReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: service},
		Lifecycle: map[string]string{lifecycle.KeyLastRequest: at.UTC().Format(time.RFC3339)}})
	return err
}
