// Package kubernetes is Basalt's region plugin for Kubernetes: it owns projects' namespaces
// (onboarding, access, quotas) and users' services as Helm releases, installed with Helm's
// library through one long-lived client, listed from per-namespace informer caches, paused and
// resumed with Onyxia's global.suspend convention, with Onyxia's release metadata Secret.
package kubernetes

import (
	"context"
	"log/slog"
	"sync"

	"github.com/basalt-dev/basalt/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin is the Kubernetes region.
type Plugin struct {
	log *slog.Logger

	mu      sync.RWMutex
	s       *settings
	cluster *cluster

	locks    releaseLocks
	inFlight inFlight
	// work tracks installs and upgrades that run on after Install returned.
	work   sync.WaitGroup
	cancel context.CancelFunc
	base   context.Context
}

// New returns an unconfigured plugin that logs to log.
func New(log *slog.Logger) *Plugin {
	base, cancel := context.WithCancel(context.Background())
	return &Plugin{log: log, base: base, cancel: cancel, locks: releaseLocks{m: map[string]*releaseLock{}}}
}

func (p *Plugin) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindRegion, Name: "kubernetes", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

func (p *Plugin) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: configSchema}, nil
}

// Configure connects to the cluster and checks that it answers.
func (p *Plugin) Configure(ctx context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	s, err := parseConfig(req.Config)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	c, err := newCluster(s, p.log)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	if err := c.ping(ctx); err != nil {
		c.spaces.close()
		return sdk.ConfigureResponse{}, err
	}
	p.mu.Lock()
	old := p.cluster
	p.s, p.cluster = s, c
	p.mu.Unlock()
	if old != nil {
		old.spaces.close()
	}
	return sdk.ConfigureResponse{}, nil
}

// Close cancels the installs still running and stops the caches.
func (p *Plugin) Close() error {
	p.cancel()
	p.work.Wait()
	p.mu.RLock()
	c := p.cluster
	p.mu.RUnlock()
	if c != nil {
		c.spaces.close()
	}
	return nil
}

// configured returns the current settings and cluster, or an error before Configure.
func (p *Plugin) configured() (*settings, *cluster, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.cluster == nil {
		return nil, nil, sdk.Errorf(sdk.ErrUnavailable, "the kubernetes region is not configured")
	}
	return p.s, p.cluster, nil
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
