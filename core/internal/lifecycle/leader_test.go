package lifecycle

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// passes records which engine looked at the fleet, and when.
type passes struct {
	mu  sync.Mutex
	log []pass
}

type pass struct {
	engine string
	at     time.Time
}

func (p *passes) add(engine string) {
	p.mu.Lock()
	p.log = append(p.log, pass{engine, time.Now()})
	p.mu.Unlock()
}

func (p *passes) snapshot() []pass {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]pass(nil), p.log...)
}

func (p *passes) count(engine string) int {
	n := 0
	for _, x := range p.snapshot() {
		if x.engine == engine {
			n++
		}
	}
	return n
}

// countedRegion is a region whose Fleet says which engine asked.
type countedRegion struct {
	sdk.Region
	engine string
	passes *passes
}

func (c countedRegion) Fleet(ctx context.Context, req sdk.FleetRequest) (sdk.FleetResponse, error) {
	c.passes.add(c.engine)
	return c.Region.Fleet(ctx, req)
}

// TestTwoReplicasNeverBothAct runs two engines against one Lease of the test environment's
// Kubernetes: only the holder tends services; when it stops, the other takes over, and the
// two never tend in the same period.
func TestTwoReplicasNeverBothAct(t *testing.T) {
	env := testenv.Require(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	region := memory.NewRegion()
	lease := fmt.Sprintf("basalt-lifecycle-test-%d", time.Now().UnixNano())
	rec := &passes{}
	start := func(name string) context.CancelFunc {
		cfg := &config.Config{Regions: []config.Region{{ID: "here", Region: "k8s"}}, Lifecycle: config.Lifecycle{
			Enabled: true, Interval: 100 * time.Millisecond,
			LeaderElection: config.LifecycleLeaderElection{Enabled: true, Kubeconfig: env.Kubeconfig, Namespace: "default", Name: lease,
				LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 250 * time.Millisecond},
		}}
		e := New(Options{Config: cfg, Log: log, Regions: func(string) (sdk.Region, error) {
			return countedRegion{Region: region, engine: name, passes: rec}, nil
		}})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := e.Run(ctx); err != nil {
				t.Errorf("engine %s: %v", name, err)
			}
		}()
		return func() { cancel(); <-done }
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 20 s; passes %v", what, rec.snapshot())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	stopA := start("a")
	waitFor("replica a tends services", func() bool { return rec.count("a") > 0 })
	stopB := start("b")
	defer stopB()
	time.Sleep(4 * time.Second) // longer than the Lease: b would have taken it, had a stopped renewing
	if n := rec.count("b"); n != 0 {
		t.Fatalf("replica b tended services %d times while a held the Lease", n)
	}
	stopA()
	stopped := time.Now()
	waitFor("replica b takes over", func() bool { return rec.count("b") > 0 })
	var firstB time.Time
	for _, p := range rec.snapshot() {
		if p.engine == "b" && firstB.IsZero() {
			firstB = p.at
		}
		if p.engine == "a" && p.at.After(stopped) {
			t.Errorf("replica a tended services at %v, after it stopped at %v", p.at, stopped)
		}
		if p.engine == "a" && !firstB.IsZero() {
			t.Errorf("replica a tended services at %v, after b started at %v", p.at, firstB)
		}
	}
	// a gave the Lease up as it stopped: b did not wait for it to expire.
	if took := firstB.Sub(stopped); took > 2*time.Second {
		t.Errorf("b took over %v after a stopped, want within the retry period (the Lease is released on stop)", took)
	}
}
