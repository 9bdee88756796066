package gateway

import (
	"context"
	"net"
	"sync"
	"time"
)

// recheckEvery is how often the rights behind open connections are checked again: a
// service paused, deleted or no longer shared closes them within it and a decision's time.
const recheckEvery = 2 * time.Second

// openConn is an upgraded connection (a WebSocket) and who opened it to which service.
type openConn struct {
	conn net.Conn
	visitor
	region, project, service string
}

// conns are the upgraded connections open through this replica.
type conns struct {
	mu   sync.Mutex
	open map[*openConn]struct{}
}

func (cs *conns) add(c *openConn) func() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.open == nil {
		cs.open = map[*openConn]struct{}{}
	}
	cs.open[c] = struct{}{}
	return func() {
		cs.mu.Lock()
		delete(cs.open, c)
		cs.mu.Unlock()
	}
}

func (cs *conns) list() []*openConn {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make([]*openConn, 0, len(cs.open))
	for c := range cs.open {
		out = append(out, c)
	}
	return out
}

// Recheck decides anew, for each user and service with connections open, whether the user may
// still use the service, and closes their connections when not. Decisions long past are
// dropped on the way, so that the cache holds what is in use.
func (g *Gateway) Recheck(ctx context.Context) {
	now := g.o.Now()
	g.routes.Range(func(k, v any) bool {
		if now.Sub(v.(*route).decided) > 10*routeTTL {
			g.routes.Delete(k)
		}
		return true
	})
	verdicts := map[string]bool{}
	for _, c := range g.conns.list() {
		k := routeKeyOf(c.visitor, c.region, c.project, c.service)
		allowed, seen := verdicts[k]
		if !seen {
			_, _, _, err := g.find(ctx, c.visitor, c.region, c.project, c.service)
			allowed = err == nil
			verdicts[k] = allowed
			if !allowed {
				g.routes.Delete(k) // the next request decides anew too
			}
		}
		if !allowed {
			g.o.Log.Info("gateway: closing a connection its user may no longer keep", "service", c.service, "project", c.project, "user", c.user)
			_ = c.conn.Close()
		}
	}
}
