package kubernetes

import (
	"context"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned/typed/metrics/v1beta1"

	"github.com/basalt-dev/basalt/sdk"
)

// metricsPath is the group version of the cluster's resource metrics (metrics-server, or any
// adapter serving the same API).
const metricsPath = "/apis/metrics.k8s.io/v1beta1"

// metricsRecheck is how long a cluster found without the metrics API is taken to have none.
const metricsRecheck = time.Minute

// podUsage reads what pods use from the cluster's metrics API, where it is served. Without it,
// releases use nothing known, and that is said once in the debug log, not at every read.
type podUsage struct {
	client metricsclient.MetricsV1beta1Interface
	log    *slog.Logger

	mu      sync.Mutex
	served  bool
	checked time.Time // when the API was last found not served
	said    bool      // whether the debug log said so since
	// narrowUntil is, after the plugin was refused every namespace's pod metrics, when to ask
	// for them again rather than a namespace's at a time.
	narrowUntil time.Time
}

func newPodUsage(cfg *rest.Config, log *slog.Logger) (*podUsage, error) {
	client, err := metricsclient.NewForConfig(cfg)
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "kubernetes metrics client: %v", err)
	}
	return &podUsage{client: client, log: log}, nil
}

// available reports whether the metrics API is served, asking discovery at most once per
// metricsRecheck while it is not.
func (u *podUsage) available(ctx context.Context) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.served {
		return true
	}
	if !u.checked.IsZero() && time.Since(u.checked) < metricsRecheck {
		return false
	}
	err := u.client.RESTClient().Get().AbsPath(metricsPath).Do(ctx).Error()
	if err != nil {
		u.awayLocked(err)
		return false
	}
	u.served, u.said = true, false
	return true
}

// away notes that the metrics API stopped answering.
func (u *podUsage) away(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.awayLocked(err)
}

func (u *podUsage) awayLocked(err error) {
	u.served, u.checked = false, time.Now()
	if !u.said {
		u.said = true
		u.log.Debug("the cluster serves no resource metrics: services' usage stays unknown", "api", metricsPath, "error", err)
	}
}

// everywhere returns what the releases of every namespace use now, by namespace/release: one
// list of the cluster's pod metrics, where the plugin may read them all, instead of one per
// namespace. ok is false when it may not: then inNamespace reads each namespace's.
func (u *podUsage) everywhere(ctx context.Context) (usage map[string]sdk.Usage, ok bool) {
	u.mu.Lock()
	narrow := time.Now().Before(u.narrowUntil)
	u.mu.Unlock()
	if narrow {
		return nil, false
	}
	if !u.available(ctx) {
		return nil, true
	}
	list, err := u.client.PodMetricses("").List(ctx, metav1.ListOptions{LabelSelector: instanceLabel})
	if refused(err) {
		u.mu.Lock()
		u.narrowUntil = time.Now().Add(wideRecheck)
		u.mu.Unlock()
		return nil, false
	}
	return u.read(ctx, "", list, err), true
}

// inNamespace returns what the releases of a namespace use now, by namespace/release: one list
// of the namespace's pod metrics. Nil when the metrics API is not served or refuses.
func (u *podUsage) inNamespace(ctx context.Context, ns string) map[string]sdk.Usage {
	if !u.available(ctx) {
		return nil
	}
	list, err := u.client.PodMetricses(ns).List(ctx, metav1.ListOptions{LabelSelector: instanceLabel})
	return u.read(ctx, ns, list, err)
}

// read sums a list of pod metrics, or notes why there is none.
func (u *podUsage) read(ctx context.Context, ns string, list *metricsv1beta1.PodMetricsList, err error) map[string]sdk.Usage {
	switch {
	case err == nil:
		return usageByRelease(list.Items)
	case apierrors.IsNotFound(err) || apierrors.IsServiceUnavailable(err):
		u.away(err)
	case ctx.Err() == nil:
		u.log.Debug("reading the pods' usage", "namespace", ns, "error", err)
	}
	return nil
}

// usageByRelease sums the usage of pods by namespace and the release their instance label names (the label
// Helm's conventions and Onyxia's charts give a release's pods). A release's usage was
// measured when its least recent pod was, so that it is never newer than any of its parts.
func usageByRelease(pods []metricsv1beta1.PodMetrics) map[string]sdk.Usage {
	nanocores := map[string]int64{}
	out := map[string]sdk.Usage{}
	for _, pod := range pods {
		if pod.Labels[instanceLabel] == "" {
			continue
		}
		release := releaseKey(pod.Namespace, pod.Labels[instanceLabel])
		u := out[release]
		for _, c := range pod.Containers {
			nanocores[release] += quantity(c.Usage, corev1.ResourceCPU, resource.Nano)
			u.MemoryBytes += quantity(c.Usage, corev1.ResourceMemory, 0)
		}
		if at := pod.Timestamp.Time; u.Measured.IsZero() || at.Before(u.Measured) {
			u.Measured = at
		}
		out[release] = u
	}
	for release, n := range nanocores {
		u := out[release]
		u.CPUMillicores = (n + 500_000) / 1_000_000
		out[release] = u
	}
	return out
}

// quantity reads one resource of a usage in the given unit (10^scale), 0 when absent.
func quantity(usage corev1.ResourceList, name corev1.ResourceName, scale resource.Scale) int64 {
	q, ok := usage[name]
	if !ok {
		return 0
	}
	return q.ScaledValue(scale)
}
