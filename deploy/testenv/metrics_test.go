package testenv_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// The metrics API shows a pod on a kwok node using what SetPodCPU set, and another pod the
// idle default; a second change shows within MetricsDelay.
func TestPodMetricsFollowSetPodCPU(t *testing.T) {
	env := testenv.Require(t)
	ctx := context.Background()
	k := newKube(t, env)
	ns := k.namespace(t, "proof-metrics")
	for _, name := range []string{"busy", "idle"} {
		pod := map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{"containers": []map[string]any{
				{"name": "main", "image": "jupyter/base-notebook:latest"},
				{"name": "sidecar", "image": "busybox:1.36"},
			}},
		}
		k.must(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/pods", pod, nil)
	}
	k.eventually(t, 60*time.Second, func() error {
		if pods := k.readyPods(t, ns); len(pods) != 2 {
			return fmt.Errorf("ready pods %v, want busy and idle", pods)
		}
		return nil
	})
	if err := env.SetPodCPU(ctx, ns, "busy", 250); err != nil {
		t.Fatal(err)
	}
	// A pod shows once metrics-server has two scrapes of it, then each change at the next one.
	near := func(pod string, millicores float64) func() error {
		return func() error {
			u, err := env.PodMetrics(ctx, ns, pod)
			if err != nil {
				return err
			}
			if math.Abs(u.CPUMillicores-millicores) > millicores/10 || u.MemoryBytes != 2*testenv.IdleContainerMemoryBytes {
				return fmt.Errorf("pod %s uses %+v, want %vm of CPU and the idle memory of its 2 containers", pod, u, millicores)
			}
			return nil
		}
	}
	start := time.Now()
	k.eventually(t, testenv.MetricsDelay, near("busy", 2*250))
	k.eventually(t, testenv.MetricsDelay, near("idle", 2*testenv.IdleContainerCPUMillicores))
	t.Logf("new pods' usage in the metrics API after %s", time.Since(start).Round(100*time.Millisecond))

	start = time.Now()
	if err := env.SetPodCPU(ctx, ns, "busy", 40); err != nil {
		t.Fatal(err)
	}
	k.eventually(t, testenv.MetricsDelay, near("busy", 2*40))
	t.Logf("a change of usage in the metrics API after %s", time.Since(start).Round(100*time.Millisecond))

	// The usage goes with its pod, so that a new pod of the same name starts idle.
	k.must(t, http.MethodDelete, "/api/v1/namespaces/"+ns+"/pods/busy?gracePeriodSeconds=0", nil, nil)
	k.eventually(t, 30*time.Second, func() error {
		err := k.call(http.MethodGet, "/apis/kwok.x-k8s.io/v1alpha1/namespaces/"+ns+"/resourceusages/busy", nil, nil)
		if err == nil {
			return fmt.Errorf("the ResourceUsage of the deleted pod busy is still there")
		}
		if !strings.Contains(err.Error(), "404") {
			return err
		}
		return nil
	})
}

func TestSetPodCPURefusesBadInput(t *testing.T) {
	env := testenv.Require(t)
	ctx := context.Background()
	if err := env.SetPodCPU(ctx, "default", "no-such-pod", 10); err == nil || !strings.Contains(err.Error(), "default/no-such-pod") {
		t.Errorf("a missing pod: %v, want an error naming it", err)
	}
	if err := env.SetPodCPU(ctx, "default", "any", -1); err == nil || !strings.Contains(err.Error(), "millicores must be 0 or more") {
		t.Errorf("negative millicores: %v", err)
	}
}
