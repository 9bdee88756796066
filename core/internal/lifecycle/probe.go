package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Activity is what an application said of its use.
type Activity struct {
	Measured time.Time // zero: no answer
	Busy     bool
}

// prober asks applications whether they are in use, through their release's backends.
type prober struct {
	probes  []config.LifecycleProbe
	client  *http.Client
	window  time.Duration // how recent a kernel's activity still counts as use
	backoff time.Duration // how long an application that did not answer is left alone

	mu     sync.Mutex
	failed map[string]time.Time // release namespace/name -> when it last did not answer
	// answers are the last answer of each release's application (or that it had no probe
	// or backend to ask), reused while fresh: see probe.
	answers map[string]answer
}

type answer struct {
	at       time.Time
	activity Activity
}

func newProber(cfg config.Lifecycle) *prober {
	// An application is asked at most once per grain of its idle time, minutes apart: a
	// connection kept alive would never serve again, yet would hold two goroutines until it
	// timed out, one for each of the last hundred applications asked in the shared pool.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.DisableKeepAlives = true
	return &prober{probes: cfg.Probes, client: &http.Client{Transport: transport, Timeout: 2 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // an application that redirects is not answering
	}}, window: max(2*cfg.Interval, 2*time.Minute), backoff: max(5*cfg.Interval, time.Minute), failed: map[string]time.Time{}, answers: map[string]answer{}}
}

// recent returns the release's last answer if it is younger than fresh.
func (p *prober) recent(k string, now time.Time, fresh time.Duration) (Activity, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.answers[k]
	if !ok || now.Sub(a.at) >= fresh || now.Before(a.at) {
		return Activity{}, false
	}
	return a.activity, true
}

func (p *prober) remember(k string, now time.Time, a Activity) {
	p.mu.Lock()
	p.answers[k] = answer{at: now, activity: a}
	p.mu.Unlock()
}

// forget drops the answers older than d, those of releases gone or no longer asked among them.
func (p *prober) forget(now time.Time, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, a := range p.answers {
		if now.Sub(a.at) >= d {
			delete(p.answers, k)
		}
	}
}

// resting reports whether a release's application failed to answer lately: a pass of the
// engine does not wait on it again before the back-off ends.
func (p *prober) resting(k string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.failed[k]
	if ok && now.Sub(at) >= p.backoff {
		delete(p.failed, k)
		return false
	}
	return ok
}

func (p *prober) fail(k string, now time.Time) {
	p.mu.Lock()
	p.failed[k] = now
	p.mu.Unlock()
}

func (p *prober) probeOf(chart string) (config.LifecycleProbe, bool) {
	for _, pr := range p.probes {
		if slices.Contains(pr.Charts, chart) {
			return pr, true
		}
	}
	return config.LifecycleProbe{}, false
}

// probe asks a running release's application, in its owner's scope, whether it is in use.
// A release with no probe, no backend or no answer has no activity to tell. An answer younger
// than fresh is given again without asking: the engine writes a service's last use once per
// grain of its idle time anyway, and asking costs the region two or three calls per service
// and pass, which at ten thousand services is most of what the engine asks of the cluster.
func (p *prober) probe(ctx context.Context, sc *scope.Scope, rel sdk.Release, now time.Time, fresh time.Duration) (Activity, error) {
	pr, ok := p.probeOf(rel.Chart)
	k := rel.Namespace + "/" + rel.Name
	if !ok || rel.Suspended || p.resting(k, now) {
		return Activity{}, nil
	}
	if a, ok := p.recent(k, now, fresh); ok {
		return a, nil
	}
	a, err := p.ask(ctx, sc, rel, pr, k, now)
	if err == nil {
		p.remember(k, now, a)
	}
	return a, err
}

func (p *prober) ask(ctx context.Context, sc *scope.Scope, rel sdk.Release, pr config.LifecycleProbe, k string, now time.Time) (Activity, error) {
	region, err := sc.Services()
	if err != nil {
		return Activity{}, err
	}
	ctx = sc.Context(ctx)
	ref := sdk.ReleaseRef{Name: rel.Name}
	backends, err := region.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref})
	if err != nil {
		return Activity{}, err
	}
	var endpoint string
	for _, b := range backends.Backends {
		if len(b.Endpoints) > 0 && endpoint == "" {
			endpoint = b.Endpoints[0]
		}
	}
	if endpoint == "" {
		return Activity{}, nil
	}
	token := ""
	if pr.TokenValue != "" {
		got, err := region.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref, Unmasked: true})
		if err != nil {
			return Activity{}, err
		}
		token = valueAt(got.Values, pr.TokenValue)
	}
	kernels, err := p.jupyterKernels(ctx, endpoint, token)
	if err != nil {
		p.fail(k, now)
		return Activity{}, fmt.Errorf("asking %s whether it is in use: %w", rel.Name, err)
	}
	return Activity{Measured: now, Busy: jupyterBusy(kernels, now, p.window)}, nil
}

// valueAt reads a string at a dotted path of a values document.
func valueAt(values []byte, path string) string {
	var v any
	if json.Unmarshal(values, &v) != nil {
		return ""
	}
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	s, _ := v.(string)
	return s
}

// kernel is what Jupyter Server's /api/kernels says of one kernel.
type kernel struct {
	ExecutionState string    `json:"execution_state"`
	LastActivity   time.Time `json:"last_activity"`
	Connections    int       `json:"connections"`
}

func (p *prober) jupyterKernels(ctx context.Context, endpoint, token string) ([]kernel, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+endpoint+"/api/kernels", nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("its kernels list answered %s", resp.Status)
	}
	var kernels []kernel
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&kernels); err != nil {
		return nil, fmt.Errorf("its kernels list: %w", err)
	}
	return kernels, nil
}

// jupyterBusy is the rule of use for Jupyter: a kernel computing, or one that ran something
// within the window. A browser tab left open on idle kernels keeps a connection but sends
// them nothing: that is not use.
func jupyterBusy(kernels []kernel, now time.Time, window time.Duration) bool {
	for _, k := range kernels {
		if k.ExecutionState == "busy" || now.Sub(k.LastActivity) < window {
			return true
		}
	}
	return false
}
