// Package sandbox starts a private Kubernetes control plane for one test: etcd, the API
// server, the controller manager, the scheduler and kwok nodes, as the shared test
// environment runs them, from the same cached binaries, on free ports, in the test's temporary
// directory. A test that needs a second cluster (two regions, say) uses it beside the shared
// environment, which it never touches.
package sandbox

import (
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/deploy/testenv/internal/stack"
)

// Kube starts a Kubernetes-only stack and returns its addresses: Kubeconfig, KubeServer,
// KubeToken and KubeCAFile are set, the other parts of the environment are not. It has the
// shared environment's kwok nodes and namespaces. Everything it started is stopped when the
// test ends.
func Kube(tb testing.TB) *testenv.Env {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	root, err := testenv.FindRoot(wd)
	if err != nil {
		tb.Fatal(err)
	}
	l := stack.NewLayout(root)
	l.State = tb.TempDir()
	var progress lockedBuffer
	tb.Cleanup(func() {
		if err := stack.Stop(l, io.Discard); err != nil {
			tb.Errorf("sandbox: stopping the cluster in %s: %v", l.State, err)
		}
	})

	ctx, cancel := context.WithTimeout(tb.Context(), 3*time.Minute)
	defer cancel()
	bins, err := stack.Build(ctx, l, &progress, "kube")
	if err != nil {
		tb.Fatalf("sandbox: %v\n%s", err, progress.String())
	}
	env, err := stack.Up(ctx, l, bins, stack.Options{Only: []string{"kube"}, Out: &progress})
	if err != nil {
		tb.Fatalf("sandbox: %v\n%s", err, progress.String())
	}
	tb.Logf("sandbox cluster %s:\n%s", env.KubeServer, strings.TrimSpace(progress.String()))
	return env
}

// lockedBuffer collects the progress lines Up writes from its parallel chains.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
