package kubernetes

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/basalt-dev/basalt/sdk"
)

// A release's usage is the sum over its pods and their containers, measured when its least
// recent pod was; pods of no release count for none.
func TestUsageByRelease(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	pod := func(release string, seconds int, containers ...[2]string) metricsv1beta1.PodMetrics {
		m := metricsv1beta1.PodMetrics{
			ObjectMeta: metav1.ObjectMeta{Namespace: "user-alice", Labels: map[string]string{"app": "x"}},
			Timestamp:  metav1.NewTime(at.Add(time.Duration(seconds) * time.Second)),
		}
		if release != "" {
			m.Labels[instanceLabel] = release
		}
		for _, c := range containers {
			m.Containers = append(m.Containers, metricsv1beta1.ContainerMetrics{Usage: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse(c[0]), corev1.ResourceMemory: resource.MustParse(c[1]),
			}})
		}
		return m
	}
	got := usageByRelease([]metricsv1beta1.PodMetrics{
		pod("jupyter", 5, [2]string{"250m", "100Mi"}, [2]string{"1500000n", "1Mi"}),
		pod("jupyter", 2, [2]string{"1", "1Gi"}),
		pod("vscode", 9, [2]string{"3999999n", "512Ki"}),
		pod("", 0, [2]string{"8", "8Gi"}),
	})
	want := map[string]sdk.Usage{
		// 250m + 1.5m + 1000m, rounded to the nearest millicore
		"user-alice/jupyter": {CPUMillicores: 1252, MemoryBytes: 101<<20 + 1<<30, Measured: at.Add(2 * time.Second)},
		"user-alice/vscode":  {CPUMillicores: 4, MemoryBytes: 512 << 10, Measured: at.Add(9 * time.Second)},
	}
	if len(got) != len(want) {
		t.Fatalf("usage of %d releases, want %d: %+v", len(got), len(want), got)
	}
	for release, w := range want {
		g := got[release]
		if g.CPUMillicores != w.CPUMillicores || g.MemoryBytes != w.MemoryBytes || !g.Measured.Equal(w.Measured) {
			t.Errorf("%s: %+v, want %+v", release, g, w)
		}
	}
}
