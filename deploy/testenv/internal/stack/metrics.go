package stack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// The metrics API (metrics.k8s.io) of the sandbox: kwok serves each fake node's kubelet
// resource metrics, computed from the ResourceUsage objects (testenv.Env.SetPodCPU) or else
// from the idle default below; metrics-server scrapes them and the API server serves its API
// through aggregation, as on a real cluster.
const (
	metricsNamespace   = "kube-system"
	metricsServiceName = "metrics-server"
	// metricResolution is metrics-server's scrape interval, the shortest it accepts: a change of
	// usage shows in the metrics API after the next scrape.
	metricResolution = 10 * time.Second
)

// resourceMetricsPath is where kwok serves a node's kubelet resource metrics; each node's
// metrics.k8s.io/resource-metrics-path annotation sends metrics-server there.
func resourceMetricsPath(node string) string {
	return "/metrics/nodes/" + node + "/metrics/resource"
}

// kwokMetricsConfig is the part of kwok's configuration that makes the metrics: the series
// metrics-server reads from a kubelet's /metrics/resource, and the usage every container has
// until a ResourceUsage of its pod says otherwise. CPU is a counter: kwok adds usage × time
// at each scrape, so metrics-server's rate over one scrape interval is the usage set. The
// counter starts at a microsecond: kwok's reads 0 at a container's first scrape, and
// metrics-server drops a pod with a counter at 0, which would cost a new pod a scrape.
// Nodes add a small system share to their pods' usage, so that an empty node has metrics too.
func kwokMetricsConfig() string {
	labels := `
    labels:
    - {name: container, value: container.name}
    - {name: namespace, value: pod.metadata.namespace}
    - {name: pod, value: pod.metadata.name}`
	return fmt.Sprintf(`---
kind: Metric
apiVersion: kwok.x-k8s.io/v1alpha1
metadata:
  name: basalt-testenv-resource-metrics
spec:
  path: "/metrics/nodes/{nodeName}/metrics/resource"
  metrics:
  - name: container_cpu_usage_seconds_total
    help: CPU time used by the container, in core-seconds
    kind: counter
    dimension: container%[1]s
    value: pod.CumulativeUsage("cpu", container.name) + 0.000001
  - name: container_memory_working_set_bytes
    help: working set of the container, in bytes
    kind: gauge
    dimension: container%[1]s
    value: pod.Usage("memory", container.name)
  - name: container_start_time_seconds
    help: start of the container, in seconds since the epoch
    kind: gauge
    dimension: container%[1]s
    value: pod.metadata.creationTimestamp.UnixSecond()
  - name: node_cpu_usage_seconds_total
    help: CPU time used on the node, in core-seconds
    kind: counter
    dimension: node
    value: node.CumulativeUsage("cpu") + node.SinceSecond() * 0.05
  - name: node_memory_working_set_bytes
    help: working set on the node, in bytes
    kind: gauge
    dimension: node
    value: node.Usage("memory") + 268435456.0
---
kind: ClusterResourceUsage
apiVersion: kwok.x-k8s.io/v1alpha1
metadata:
  name: basalt-testenv-idle
spec:
  usages:
  - usage:
      cpu: {value: "%[2]dm"}
      memory: {value: "%[3]d"}
`, labels, testenv.IdleContainerCPUMillicores, testenv.IdleContainerMemoryBytes)
}

// resourceUsageCRD returns kwok's own definition of ResourceUsage, from the kwok module the
// binary was built from (the go command finds it in the module cache, or downloads it).
func (r *run) resourceUsageCRD(ctx context.Context) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", "sigs.k8s.io/kwok")
	cmd.Dir = filepath.Join(r.l.Root, "deploy/testenv/tools/kwok")
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("finding the kwok module for its ResourceUsage definition: %w", err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return nil, err
	}
	if mod.Error != "" {
		return nil, fmt.Errorf("finding the kwok module: %s", mod.Error)
	}
	data, err := os.ReadFile(filepath.Join(mod.Dir, "kustomize/crd/bases/kwok.x-k8s.io_resourceusages.yaml"))
	return bytes.TrimPrefix(data, []byte("---\n")), err
}

// startMetricsServer starts metrics-server on its loopback port. It reads the nodes and pods
// with the admin kubeconfig, and trusts the API server's front proxy for the caller's name.
func (r *run) startMetricsServer() (*process, error) {
	return r.l.start("metrics-server", r.bins["metrics-server"], []string{
		"--kubeconfig=" + r.env.Kubeconfig,
		"--authentication-kubeconfig=" + r.env.Kubeconfig,
		"--authorization-kubeconfig=" + r.env.Kubeconfig,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", r.ports["metrics-server"]),
		"--tls-cert-file=" + r.pki.metricsCert,
		"--tls-private-key-file=" + r.pki.metricsKey,
		// The nodes' kubelet is kwok's server, at the node's InternalIP (127.0.0.1) and the port
		// the node's status names, serving the API server's certificate.
		"--kubelet-use-node-status-port",
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-certificate-authority=" + r.pki.caCert,
		"--metric-resolution=" + metricResolution.String(),
		"--kubelet-request-timeout=5s", // below the resolution, as metrics-server requires
	}, nil)
}

// registerMetricsAPI makes the API server serve metrics.k8s.io from metrics-server: an
// ExternalName Service "localhost" (an Endpoints object may not hold a loopback address, and the
// aggregator dials an ExternalName Service's host at the APIService's port), the APIService, and
// the role that lets view, edit and admin read metrics, as metrics-server's own manifests do.
func (r *run) registerMetricsAPI(ctx context.Context, kube *kubeAPI) error {
	ca, err := os.ReadFile(r.pki.caCert)
	if err != nil {
		return err
	}
	service := map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{"name": metricsServiceName, "namespace": metricsNamespace},
		"spec":     map[string]any{"type": "ExternalName", "externalName": "localhost"},
	}
	apiService := map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
		"metadata": map[string]any{"name": "v1beta1.metrics.k8s.io"},
		"spec": map[string]any{
			"group": "metrics.k8s.io", "version": "v1beta1",
			"service":              map[string]any{"name": metricsServiceName, "namespace": metricsNamespace, "port": r.ports["metrics-server"]},
			"caBundle":             base64.StdEncoding.EncodeToString(ca),
			"groupPriorityMinimum": 100, "versionPriority": 100,
		},
	}
	reader := map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
		"metadata": map[string]any{
			"name": "system:aggregated-metrics-reader",
			"labels": map[string]string{
				"rbac.authorization.k8s.io/aggregate-to-view":  "true",
				"rbac.authorization.k8s.io/aggregate-to-edit":  "true",
				"rbac.authorization.k8s.io/aggregate-to-admin": "true",
			},
		},
		"rules": []map[string]any{{
			"apiGroups": []string{"metrics.k8s.io"},
			"resources": []string{"pods", "nodes"},
			"verbs":     []string{"get", "list", "watch"},
		}},
	}
	if err := kube.create(ctx, "/api/v1/namespaces/"+metricsNamespace+"/services", service); err != nil {
		return err
	}
	if err := kube.create(ctx, "/apis/apiregistration.k8s.io/v1/apiservices", apiService); err != nil {
		return err
	}
	return kube.create(ctx, "/apis/rbac.authorization.k8s.io/v1/clusterroles", reader)
}

// metricsAPIAvailable reports whether the aggregator reached metrics-server.
func metricsAPIAvailable(kube *kubeAPI) func(context.Context) error {
	return func(ctx context.Context) error {
		status, body, err := kube.do(ctx, http.MethodGet, "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io", nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("GET APIService v1beta1.metrics.k8s.io: %d: %s", status, body)
		}
		var svc struct {
			Status struct {
				Conditions []struct{ Type, Status, Message string }
			}
		}
		if err := json.Unmarshal(body, &svc); err != nil {
			return err
		}
		for _, c := range svc.Status.Conditions {
			if c.Type == "Available" {
				if c.Status == "True" {
					return nil
				}
				return fmt.Errorf("APIService v1beta1.metrics.k8s.io not available: %s", c.Message)
			}
		}
		return fmt.Errorf("APIService v1beta1.metrics.k8s.io has no Available condition yet")
	}
}
