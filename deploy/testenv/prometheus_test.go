package testenv_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// Prometheus scrapes every node, kwok's and the real one, as up; a pod on a kwok node shows the
// CPU SetPodCPU gave it as the rate of its counter, and the idle working set.
func TestPrometheusScrapesTheNodes(t *testing.T) {
	env := testenv.Require(t)
	ctx := context.Background()
	if env.PrometheusURL == "" {
		t.Fatal("the environment runs no Prometheus: run `make testenv-up` again")
	}
	k := newKube(t, env)
	var nodes struct {
		Items []struct{ Metadata struct{ Name string } }
	}
	k.must(t, http.MethodGet, "/api/v1/nodes", nil, &nodes)
	k.eventually(t, 30*time.Second, func() error {
		up, err := env.PrometheusQuery(ctx, `up{job="kubelet-resource"}`, time.Now())
		if err != nil {
			return err
		}
		scraped := map[string]bool{}
		for _, s := range up {
			scraped[s.Labels["node"]] = s.Value == 1
		}
		for _, n := range nodes.Items {
			if !scraped[n.Metadata.Name] {
				return fmt.Errorf("node %s is not a target that is up: %+v", n.Metadata.Name, up)
			}
		}
		return nil
	})

	ns := k.namespace(t, "proof-prometheus")
	k.must(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/pods", map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "busy"},
		"spec":     map[string]any{"containers": []map[string]any{{"name": "main", "image": "jupyter/base-notebook:latest"}}},
	}, nil)
	k.eventually(t, 60*time.Second, func() error {
		if pods := k.readyPods(t, ns); len(pods) != 1 {
			return fmt.Errorf("ready pods %v, want busy", pods)
		}
		return nil
	})
	if err := env.SetPodCPU(ctx, ns, "busy", 300); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	selector := fmt.Sprintf(`{namespace=%q,pod="busy",container="main"}`, ns)
	k.eventually(t, 60*time.Second, func() error {
		cpu, err := env.PrometheusQuery(ctx, "rate(container_cpu_usage_seconds_total"+selector+"[20s])", time.Now())
		if err != nil {
			return err
		}
		memory, err := env.PrometheusQuery(ctx, "container_memory_working_set_bytes"+selector, time.Now())
		if err != nil {
			return err
		}
		if len(cpu) != 1 || math.Abs(cpu[0].Value-0.3) > 0.03 || len(memory) != 1 || memory[0].Value != testenv.IdleContainerMemoryBytes {
			return fmt.Errorf("CPU %+v, memory %+v: want 0.3 cores and %d bytes", cpu, memory, testenv.IdleContainerMemoryBytes)
		}
		return nil
	})
	t.Logf("the pod's usage in Prometheus after %s", time.Since(start).Round(100*time.Millisecond))
}
