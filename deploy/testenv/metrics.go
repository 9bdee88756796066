package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// What every container of a pod on a kwok node uses until SetPodCPU says otherwise: an idle
// service, as the metrics API (metrics.k8s.io) shows it.
const (
	IdleContainerCPUMillicores = 1
	IdleContainerMemoryBytes   = 32 << 20
)

// MetricsDelay bounds how long the metrics API takes to show a pod's usage, with margin for a
// loaded machine: metrics-server scrapes the nodes every 10 s (the shortest interval it
// accepts) and needs two scrapes of a pod's CPU counter, so a pod that starts running shows
// after 10 to 20 s, and a change made by SetPodCPU at the next scrape, within 10 s.
const MetricsDelay = 30 * time.Second

// SetPodCPU makes every container of the pod use millicores of CPU (and the idle memory) from
// now on, as the metrics API will show it: it creates or replaces the pod's kwok ResourceUsage
// object, which the pod owns, so that it goes with the pod and a new pod of the same name
// starts idle again. See MetricsDelay.
func (e *Env) SetPodCPU(ctx context.Context, namespace, pod string, millicores int) error {
	if millicores < 0 {
		return fmt.Errorf("SetPodCPU: millicores must be 0 or more, not %d", millicores)
	}
	var p struct {
		Metadata struct{ UID string }
	}
	if err := e.kube(ctx, http.MethodGet, "/api/v1/namespaces/"+namespace+"/pods/"+pod, "", nil, &p); err != nil {
		return fmt.Errorf("SetPodCPU: reading pod %s/%s: %w", namespace, pod, err)
	}
	usage := map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "ResourceUsage",
		"metadata": map[string]any{
			"name": pod, "namespace": namespace,
			"ownerReferences": []map[string]any{{"apiVersion": "v1", "kind": "Pod", "name": pod, "uid": p.Metadata.UID}},
		},
		"spec": map[string]any{"usages": []map[string]any{{
			// No container names: the usage of every container of the pod.
			"usage": map[string]any{
				"cpu":    map[string]string{"value": fmt.Sprintf("%dm", millicores)},
				"memory": map[string]string{"value": strconv.Itoa(IdleContainerMemoryBytes)},
			},
		}}},
	}
	// Server-side apply creates the object or replaces what an earlier call set.
	path := "/apis/kwok.x-k8s.io/v1alpha1/namespaces/" + namespace + "/resourceusages/" + pod + "?fieldManager=basalt-testenv&force=true"
	if err := e.kube(ctx, http.MethodPatch, path, "application/apply-patch+yaml", usage, nil); err != nil {
		return fmt.Errorf("SetPodCPU: %w", err)
	}
	return nil
}

// PodUsage is a pod's usage as the metrics API shows it: the sum of its containers'.
type PodUsage struct {
	CPUMillicores float64
	MemoryBytes   int64
	Timestamp     time.Time     // end of the window the CPU usage is the average of
	Window        time.Duration // usually metrics-server's scrape interval
}

// PodMetrics reads a pod's usage through the metrics API (GET
// /apis/metrics.k8s.io/v1beta1/namespaces/{namespace}/pods/{pod}), as a lifecycle engine
// would. It fails with the API's 404 until metrics-server has two scrapes of the pod.
func (e *Env) PodMetrics(ctx context.Context, namespace, pod string) (PodUsage, error) {
	var m struct {
		Timestamp  time.Time
		Window     string
		Containers []struct {
			Name  string
			Usage struct{ CPU, Memory string }
		}
	}
	if err := e.kube(ctx, http.MethodGet, "/apis/metrics.k8s.io/v1beta1/namespaces/"+namespace+"/pods/"+pod, "", nil, &m); err != nil {
		return PodUsage{}, err
	}
	u := PodUsage{Timestamp: m.Timestamp}
	var err error
	if u.Window, err = time.ParseDuration(m.Window); err != nil {
		return PodUsage{}, fmt.Errorf("pod metrics of %s/%s: window %q: %w", namespace, pod, m.Window, err)
	}
	for _, c := range m.Containers {
		cpu, err := parseQuantity(c.Usage.CPU)
		if err != nil {
			return PodUsage{}, fmt.Errorf("pod metrics of %s/%s, container %s: cpu: %w", namespace, pod, c.Name, err)
		}
		mem, err := parseQuantity(c.Usage.Memory)
		if err != nil {
			return PodUsage{}, fmt.Errorf("pod metrics of %s/%s, container %s: memory: %w", namespace, pod, c.Name, err)
		}
		u.CPUMillicores += cpu * 1000
		u.MemoryBytes += int64(mem)
	}
	return u, nil
}

// quantitySuffixes are the suffixes of Kubernetes quantities the metrics API writes.
var quantitySuffixes = []struct {
	suffix     string
	multiplier float64
}{
	{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
	{"n", 1e-9}, {"u", 1e-6}, {"m", 1e-3}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
}

// parseQuantity reads a Kubernetes quantity such as "1500000n", "250m" or "32Mi".
func parseQuantity(s string) (float64, error) {
	multiplier := 1.0
	for _, q := range quantitySuffixes {
		if strings.HasSuffix(s, q.suffix) {
			s, multiplier = strings.TrimSuffix(s, q.suffix), q.multiplier
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("not a quantity: %q", s)
	}
	return v * multiplier, nil
}

// kube sends one request to the API server as the admin and decodes a 2xx JSON answer into
// out, if not nil. The body in, if any, is sent as JSON, under contentType if not empty.
func (e *Env) kube(ctx context.Context, method, path, contentType string, in, out any) error {
	if e.KubeServer == "" {
		return errors.New("the environment runs no Kubernetes (testenv up -only)")
	}
	c, err := e.KubeHTTPClient()
	if err != nil {
		return err
	}
	var body []byte
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, e.KubeServer+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.KubeToken)
	req.Header.Set("Accept", "application/json")
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	return doJSON(c, req, out)
}
