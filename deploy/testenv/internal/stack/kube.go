package stack

import (
	"bytes"
	"context"
	"crypto/tls"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

//go:embed stages/*.yaml
var stages embed.FS

// fakeNode is a kwok node; its capacity is what the scheduler sees.
type fakeNode struct {
	name     string
	capacity map[string]string
	labels   map[string]string
}

var fakeNodes = []fakeNode{
	{name: "kwok-cpu-1", capacity: map[string]string{"cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "200Gi"}},
	{name: "kwok-cpu-2", capacity: map[string]string{"cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "200Gi"}},
	{
		name:     "kwok-gpu-1",
		capacity: map[string]string{"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "200Gi", "nvidia.com/gpu": "4"},
		labels:   map[string]string{"nvidia.com/gpu.present": "true", "nvidia.com/gpu.product": "kwok-fake-gpu"},
	},
}

// namespaces are created at start: the portal's own, and one per user and
// per project, as Onyxia lays them out.
func namespaces() []string {
	ns := []string{"basalt"}
	for _, u := range testenv.Users {
		ns = append(ns, "user-"+u.Name)
	}
	for _, g := range testenv.Groups() {
		ns = append(ns, "project-"+g)
	}
	return ns
}

// kube starts etcd, the control plane, kwok and metrics-server, creates the
// nodes and namespaces, and registers the metrics API.
func (r *run) kube(ctx context.Context) error {
	bin := r.bins["kube"]
	t0 := time.Now()
	etcd, err := r.l.start("etcd", bin, []string{"etcd",
		"--name=basalt",
		"--data-dir=" + r.l.dataDir("etcd"),
		"--listen-client-urls=" + r.env.EtcdURL,
		"--advertise-client-urls=" + r.env.EtcdURL,
		fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", r.ports["etcd-peer"]),
		fmt.Sprintf("--initial-advertise-peer-urls=http://127.0.0.1:%d", r.ports["etcd-peer"]),
		fmt.Sprintf("--initial-cluster=basalt=http://127.0.0.1:%d", r.ports["etcd-peer"]),
		"--listen-metrics-urls=",
		"--unsafe-no-fsync", // a throw-away store: durability only costs time
		"--log-level=warn",
	}, nil)
	if err != nil {
		return err
	}
	if err := etcd.waitFor(ctx, 30*time.Second, httpOK(http.DefaultClient, r.env.EtcdURL+"/health", "")); err != nil {
		return err
	}
	r.ready("etcd", t0)

	tokens := filepath.Join(r.l.State, "pki", "tokens.csv")
	if err := os.WriteFile(tokens, []byte(r.env.KubeToken+`,basalt-admin,basalt-admin,"system:masters"`+"\n"), 0o600); err != nil {
		return err
	}
	t0 = time.Now()
	api, err := r.l.start("kube-apiserver", bin, []string{"kube-apiserver",
		"--etcd-servers=" + r.env.EtcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", r.ports["apiserver"]),
		"--tls-cert-file=" + r.pki.serverCert,
		"--tls-private-key-file=" + r.pki.serverKey,
		"--client-ca-file=" + r.pki.caCert,
		"--token-auth-file=" + tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + r.pki.saKey,
		"--service-account-signing-key-file=" + r.pki.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		// The loopback address may not be published as the kubernetes
		// Service's endpoint, and no pod really runs to use it.
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		"--enable-priority-and-fairness=false",
		"--cert-dir=" + filepath.Join(r.l.State, "pki"),
		// API aggregation, for metrics-server's metrics.k8s.io: the API server proxies with the
		// front proxy's client certificate and names the caller in these headers.
		"--requestheader-client-ca-file=" + r.pki.frontProxyCACert,
		"--requestheader-allowed-names=" + frontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + r.pki.frontProxyCert,
		"--proxy-client-key-file=" + r.pki.frontProxyKey,
		// Logs, exec and port-forward on the real node: the kubelet knows the API server by this.
		"--kubelet-client-certificate=" + r.pki.kubeletClientCert,
		"--kubelet-client-key=" + r.pki.kubeletClientKey,
		"--kubelet-preferred-address-types=InternalIP", // no name lookup: nodes have no DNS names here
		"--v=0",
	}, nil)
	if err != nil {
		return err
	}
	kc, err := r.env.KubeHTTPClient()
	if err != nil {
		return err
	}
	if err := api.waitFor(ctx, 90*time.Second, httpOK(kc, r.env.KubeServer+"/readyz", r.env.KubeToken)); err != nil {
		return err
	}
	r.ready("kube-apiserver", t0)
	if err := r.writeKubeconfig(); err != nil {
		return err
	}
	kube := &kubeAPI{client: kc, server: r.env.KubeServer, token: r.env.KubeToken}
	// kwok watches ResourceUsage objects (Env.SetPodCPU) once their definition is served.
	crd, err := r.resourceUsageCRD(ctx)
	if err != nil {
		return err
	}
	if err := kube.createRaw(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "application/yaml", crd); err != nil {
		return err
	}

	t0 = time.Now()
	kcm, err := r.l.start("kube-controller-manager", bin, []string{"kube-controller-manager",
		"--kubeconfig=" + r.env.Kubeconfig,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", r.ports["controller-manager"]),
		"--leader-elect=false",
		"--service-account-private-key-file=" + r.pki.saKey,
		"--root-ca-file=" + r.pki.caCert,
		"--cluster-name=basalt-testenv",
		"--profiling=false",
	}, nil)
	if err != nil {
		return err
	}
	sched, err := r.l.start("kube-scheduler", bin, []string{"kube-scheduler",
		"--kubeconfig=" + r.env.Kubeconfig,
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", r.ports["scheduler"]),
		"--leader-elect=false",
		"--profiling=false",
	}, nil)
	if err != nil {
		return err
	}
	metrics, err := r.startMetricsServer()
	if err != nil {
		return err
	}
	stagesFile, err := writeStages(r.l.State)
	if err != nil {
		return err
	}
	if err := api.waitFor(ctx, 30*time.Second, kube.exists("/apis/kwok.x-k8s.io/v1alpha1/resourceusages")); err != nil {
		return err
	}
	kwok, err := r.l.start("kwok", r.bins["kwok"], []string{
		"--kubeconfig=" + r.env.Kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		fmt.Sprintf("--server-address=127.0.0.1:%d", r.ports["kwok"]),
		"--node-ip=127.0.0.1",
		// The nodes' kubelet endpoint is kwok's own server, over TLS, so that the API server's
		// pod log requests reach it; ClusterLogs in the config gives every container a log.
		fmt.Sprintf("--node-port=%d", r.ports["kwok"]),
		"--tls-cert-file=" + r.pki.serverCert,
		"--tls-private-key-file=" + r.pki.serverKey,
		"--cidr=10.244.0.0/16",
		"--node-lease-duration-seconds=40",
		"--config=" + stagesFile,
		"--enable-crds=ResourceUsage",
	}, nil)
	if err != nil {
		return err
	}
	insecure := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if err := kcm.waitFor(ctx, 60*time.Second, httpOK(insecure, fmt.Sprintf("https://127.0.0.1:%d/healthz", r.ports["controller-manager"]), "")); err != nil {
		return err
	}
	r.ready("kube-controller-manager", t0)
	if err := sched.waitFor(ctx, 60*time.Second, httpOK(insecure, fmt.Sprintf("https://127.0.0.1:%d/healthz", r.ports["scheduler"]), "")); err != nil {
		return err
	}
	r.ready("kube-scheduler", t0)

	t0 = time.Now()
	for _, n := range fakeNodes {
		if err := kube.create(ctx, "/api/v1/nodes", n.object()); err != nil {
			return err
		}
	}
	for _, ns := range namespaces() {
		obj := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}}
		if err := kube.create(ctx, "/api/v1/namespaces", obj); err != nil {
			return err
		}
	}
	if err := kube.create(ctx, "/apis/storage.k8s.io/v1/storageclasses", defaultStorageClass); err != nil {
		return err
	}
	if _, err := r.l.start("volumes", r.self, []string{"volumes", "-server", r.env.KubeServer, "-ca", r.pki.caCert,
		"-dir", r.l.dataDir("volumes")}, []string{tokenVariable + "=" + r.env.KubeToken}); err != nil {
		return err
	}
	if err := kwok.waitFor(ctx, 60*time.Second, kube.nodesReady); err != nil {
		return err
	}
	r.ready(fmt.Sprintf("kwok (%d nodes)", len(fakeNodes)), t0)
	t0 = time.Now()
	if err := api.waitFor(ctx, 30*time.Second, kube.exists("/api/v1/namespaces/"+metricsNamespace)); err != nil {
		return err
	}
	if err := r.registerMetricsAPI(ctx, kube); err != nil {
		return err
	}
	if err := metrics.waitFor(ctx, 60*time.Second, metricsAPIAvailable(kube)); err != nil {
		return err
	}
	r.ready("metrics-server (API)", t0)
	// Pods are refused until the service account controller made "default".
	for _, ns := range append([]string{"default"}, namespaces()...) {
		if err := kcm.waitFor(ctx, 60*time.Second, kube.exists("/api/v1/namespaces/"+ns+"/serviceaccounts/default")); err != nil {
			return err
		}
	}
	return nil
}

// defaultStorageClass provisions every claim that names no class, as a real cluster's does.
var defaultStorageClass = map[string]any{
	"apiVersion": "storage.k8s.io/v1",
	"kind":       "StorageClass",
	"metadata": map[string]any{
		"name":        "standard",
		"annotations": map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
	},
	"provisioner":       volumeProvisioner, // Volumes
	"reclaimPolicy":     "Delete",
	"volumeBindingMode": "Immediate",
}

func (n fakeNode) object() map[string]any {
	labels := map[string]string{
		"kubernetes.io/arch":            "amd64",
		"kubernetes.io/os":              "linux",
		"kubernetes.io/hostname":        n.name,
		"kubernetes.io/role":            "agent",
		"node-role.kubernetes.io/agent": "",
		"type":                          "kwok",
	}
	for k, v := range n.labels {
		labels[k] = v
	}
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Node",
		"metadata": map[string]any{
			"name":   n.name,
			"labels": labels,
			"annotations": map[string]string{
				"kwok.x-k8s.io/node":           "fake",
				"node.alpha.kubernetes.io/ttl": "0",
				// metrics-server scrapes kwok's per-node metrics instead of a kubelet's.
				"metrics.k8s.io/resource-metrics-path": resourceMetricsPath(n.name),
			},
		},
		"status": map[string]any{"capacity": n.capacity, "allocatable": n.capacity},
	}
}

// containerLog is what every simulated container has printed, in the CRI log format a kubelet
// (and kwok in its place) reads: time, stream, tag (F for a full line, P for part of one),
// text. Lines in any other format make kwok answer every log request with 400.
const containerLog = `2026-01-01T00:00:00.000000000Z stdout F starting the service
2026-01-01T00:00:01.000000000Z stdout F listening on :8080
2026-01-01T00:00:02.000000000Z stderr F ready
`

// writeStages joins kwok's stage files into one multi-document config.
func writeStages(dir string) (string, error) {
	entries, err := stages.ReadDir("stages")
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		data, err := stages.ReadFile("stages/" + n)
		if err != nil {
			return "", err
		}
		b.WriteString("---\n")
		b.Write(data)
		if !bytes.HasSuffix(data, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	// Every container of the simulated pods "prints" the same few lines. kwok reads the file
	// as a kubelet reads a container's log, so it must be in the CRI log format.
	logFile := filepath.Join(dir, "kwok-container.log")
	if err := os.WriteFile(logFile, []byte(containerLog), 0o644); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "---\nkind: ClusterLogs\napiVersion: kwok.x-k8s.io/v1alpha1\nmetadata:\n  name: basalt-testenv-logs\nspec:\n  logs:\n  - logsFile: %s\n", logFile)
	b.WriteString(kwokMetricsConfig())
	path := filepath.Join(dir, "kwok-stages.yaml")
	return path, os.WriteFile(path, b.Bytes(), 0o644)
}

func (r *run) writeKubeconfig() error {
	ca, err := os.ReadFile(r.pki.caCert)
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: basalt-testenv
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: basalt-admin
  user:
    token: %s
contexts:
- name: basalt-testenv
  context:
    cluster: basalt-testenv
    user: basalt-admin
    namespace: default
current-context: basalt-testenv
`, r.env.KubeServer, base64.StdEncoding.EncodeToString(ca), r.env.KubeToken)
	return os.WriteFile(r.env.Kubeconfig, []byte(cfg), 0o600)
}

// kubeAPI is the handful of raw API calls the set-up needs.
type kubeAPI struct {
	client *http.Client
	server string
	token  string
}

func (k *kubeAPI) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	return k.doRaw(ctx, method, path, "application/json", data)
}

func (k *kubeAPI) doRaw(ctx context.Context, method, path, contentType string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, k.server+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := k.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

func (k *kubeAPI) create(ctx context.Context, path string, obj any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return k.createRaw(ctx, path, "application/json", data)
}

// createRaw creates obj, in JSON or YAML (contentType); one that exists already is left as it is.
func (k *kubeAPI) createRaw(ctx context.Context, path, contentType string, obj []byte) error {
	status, body, err := k.doRaw(ctx, http.MethodPost, path, contentType, obj)
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusConflict {
		return fmt.Errorf("POST %s: %d: %s", path, status, body)
	}
	return nil
}

func (k *kubeAPI) exists(path string) func(context.Context) error {
	return func(ctx context.Context) error {
		status, body, err := k.do(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("GET %s: %d: %s", path, status, body)
		}
		return nil
	}
}

func (k *kubeAPI) nodesReady(ctx context.Context) error {
	status, body, err := k.do(ctx, http.MethodGet, "/api/v1/nodes", nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET nodes: %d", status)
	}
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Status   struct {
				Conditions []struct{ Type, Status string }
			}
		}
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return err
	}
	var notReady []string
	fake := 0
	for _, n := range list.Items {
		if !slices.ContainsFunc(fakeNodes, func(f fakeNode) bool { return f.name == n.Metadata.Name }) {
			continue // the real node has a wait of its own
		}
		fake++
		ok := false
		for _, c := range n.Status.Conditions {
			ok = ok || (c.Type == "Ready" && c.Status == "True")
		}
		if !ok {
			notReady = append(notReady, n.Metadata.Name)
		}
	}
	if len(notReady) > 0 || fake < len(fakeNodes) {
		return fmt.Errorf("nodes not ready: %s", strings.Join(notReady, ", "))
	}
	return nil
}

// httpOK probes url until it answers 200.
func httpOK(c *http.Client, url, token string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
		}
		return nil
	}
}
