// Package kubernetes is Basalt's region plugin for Kubernetes: it owns projects' namespaces
// (onboarding, access, quotas) and users' services as Helm releases, installed with Helm's
// library through one long-lived client, listed from per-namespace informer caches, paused and
// resumed with Onyxia's global.suspend convention, with Onyxia's release metadata Secret.
package kubernetes

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/pluginbase"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin is the Kubernetes region.
type Plugin struct {
	*pluginbase.Base[*connection]
	log *slog.Logger

	locks    releaseLocks
	inFlight inFlight
	// work tracks installs and upgrades that run on after Install returned.
	work   sync.WaitGroup
	cancel context.CancelFunc
	base   context.Context
}

// connection is what one configuration opens: the settings and the cluster they reach.
type connection struct {
	s       *settings
	cluster *cluster
	// awaited stands for cluster when the configuration has a startup (startup.go).
	awaited *awaitedCluster
}

// Close stops the caches of a connection a new configuration replaced.
func (c *connection) Close() error {
	if c.awaited != nil {
		c.awaited.close()
		return nil
	}
	c.cluster.close()
	return nil
}

// close stops the cluster's caches.
func (c *cluster) close() {
	c.spaces.close()
	c.nodes.close()
}

// New returns an unconfigured plugin that logs to log.
func New(log *slog.Logger) *Plugin {
	base, cancel := context.WithCancel(context.Background())
	p := &Plugin{log: log, base: base, cancel: cancel, locks: releaseLocks{m: map[string]*releaseLock{}}}
	p.Base = pluginbase.New(sdk.InfoResponse{Kind: sdk.KindRegion, Name: "kubernetes", Version: Version}, schema, p.connect)
	return p
}

// connect connects to the cluster and checks that it answers. With a startup, a cluster that
// is not ready yet, or does not answer yet, is connected at a later call instead.
func (p *Plugin) connect(ctx context.Context, raw []byte) (*connection, error) {
	s, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	if s.Startup != nil {
		awaited := &awaitedCluster{s: s, log: p.log}
		if _, err := awaited.get(ctx); err != nil && !errors.Is(err, sdk.ErrUnavailable) {
			return nil, err
		}
		return &connection{s: s, awaited: awaited}, nil
	}
	c, err := dial(ctx, s, p.log)
	if err != nil {
		return nil, err
	}
	return &connection{s: s, cluster: c}, nil
}

// dial makes the cluster of s and checks that it answers.
func dial(ctx context.Context, s *settings, log *slog.Logger) (*cluster, error) {
	c, err := newCluster(s, log)
	if err != nil {
		return nil, err
	}
	if err := c.ping(ctx); err != nil {
		c.close()
		return nil, err
	}
	s.addedMember = c.addedMember
	return c, nil
}

// Close cancels the installs still running and stops the caches.
func (p *Plugin) Close() error {
	p.cancel()
	p.work.Wait()
	if live, err := p.Live(); err == nil {
		return live.Close()
	}
	return nil
}

// configured returns the current settings and cluster, or an error before Configure and,
// with a startup, while the cluster is not ready.
func (p *Plugin) configured() (*settings, *cluster, error) {
	live, err := p.Live()
	if err != nil {
		return nil, nil, err
	}
	if live.awaited != nil {
		c, err := live.awaited.get(p.base)
		return live.s, c, err
	}
	return live.s, live.cluster, nil
}

// releaseLocks serialises the changes of one release in this process: Helm refuses a second
// operation on a pending release, and an install must know that the record it sees is its own.
type releaseLocks struct {
	mu sync.Mutex
	m  map[string]*releaseLock
}

type releaseLock struct {
	mu    sync.Mutex
	users int
}

func (l *releaseLocks) lock(namespace, release string) func() {
	key := namespace + "/" + release
	l.mu.Lock()
	rl := l.m[key]
	if rl == nil {
		rl = &releaseLock{}
		l.m[key] = rl
	}
	rl.users++
	l.mu.Unlock()
	rl.mu.Lock()
	return func() {
		rl.mu.Unlock()
		l.mu.Lock()
		if rl.users--; rl.users == 0 {
			delete(l.m, key)
		}
		l.mu.Unlock()
	}
}

var _ sdk.Region = (*Plugin)(nil)
