package stack

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The real node runs pods for real beside the kwok nodes: a kubelet (from the kube binary)
// with containerd, runc and a bridge network of its own. It is tainted, so that only the pods
// the placement webhook sends there (those whose images the sandbox serves) land on it.
const (
	RealNodeName  = "sandbox-node"
	RealNodeTaint = "basalt.dev/real-node"
	RealNodeLabel = "basalt.dev/node" // = "real"
)

// podNetwork is the real node's pod network, derived from the state directory so that the
// test environment and make run's sandbox never share a bridge, a subnet or a cgroup.
type podNetwork struct {
	bridge string // the Linux bridge the pods' veths join (at most 15 characters)
	subnet string // a /24 of 10.88.0.0/16
	hostIP net.IP // the bridge's own address: the node's IP, and the only host address pods reach
	cgroup string // the cgroup under which the kubelet puts every pod
}

func (l Layout) podNetwork() podNetwork {
	sum := sha256.Sum256([]byte(l.State))
	tag := fmt.Sprintf("%x", sum[:3])
	third := 1 + int(sum[3])%250
	return podNetwork{
		bridge: "basalt" + tag,
		subnet: fmt.Sprintf("10.88.%d.0/24", third),
		hostIP: net.IPv4(10, 88, byte(third), 1).To4(),
		cgroup: "basalt-" + tag,
	}
}

// NodeCgroup is the cgroup under which the real node's kubelet puts every pod.
func (l Layout) NodeCgroup() string { return l.podNetwork().cgroup }

func (l Layout) containerdSocket() string { return filepath.Join(l.pidDir(), "containerd.sock") }

// containerdRoot keeps pulled images between ups (the data directory is wiped at each).
func (l Layout) containerdRoot() string { return filepath.Join(l.State, "containerd") }

// realNode is up's second phase, once Kubernetes, the registry and the stores run: the
// images, the node, the placement webhook, and the relays that let pods reach MinIO and Vault.
func (r *run) realNode(ctx context.Context) error {
	if err := r.pushImages(ctx); err != nil {
		return err
	}
	if err := r.node(ctx); err != nil {
		return err
	}
	if err := r.placement(ctx); err != nil {
		return err
	}
	return r.relays(ctx)
}

// node prepares the host (bridge, cgroups), starts containerd and the kubelet, and waits
// until the node is Ready. The registry must be serving: pods pull from it.
func (r *run) node(ctx context.Context) error {
	if os.Geteuid() != 0 {
		return errors.New("the real node needs root: containerd, runc and the kubelet manage mounts, cgroups and network namespaces")
	}
	t0 := time.Now()
	n := r.l.podNetwork()
	if err := setUpBridge(n); err != nil {
		return err
	}
	if err := makeCgroup(n.cgroup); err != nil {
		return err
	}
	cfg, err := r.writeContainerdConfig(n)
	if err != nil {
		return err
	}
	ctrd, err := r.l.start("containerd", filepath.Join(r.bins["containerd"], "containerd"), []string{"--config", cfg},
		// containerd finds its shim by name.
		[]string{"PATH=" + r.bins["containerd"] + ":" + os.Getenv("PATH")})
	if err != nil {
		return err
	}
	if err := ctrd.waitFor(ctx, 30*time.Second, accepts("unix", r.l.containerdSocket())); err != nil {
		return err
	}
	r.ready("containerd", t0)

	t0 = time.Now()
	kcfg, err := r.writeKubeletConfig(n)
	if err != nil {
		return err
	}
	kubelet, err := r.l.start("kubelet", r.bins["kube"], []string{"kubelet",
		"--config=" + kcfg,
		"--kubeconfig=" + r.env.Kubeconfig,
		"--root-dir=" + r.l.dataDir("kubelet"),
		"--hostname-override=" + RealNodeName,
		"--node-ip=" + n.hostIP.String(),
		"--node-labels=" + RealNodeLabel + "=real",
		"--v=0",
	}, nil)
	if err != nil {
		return err
	}
	kube, err := r.kubeAPI()
	if err != nil {
		return err
	}
	if err := kubelet.waitFor(ctx, 90*time.Second, kube.nodeReady(RealNodeName)); err != nil {
		return err
	}
	r.env.RealNode = RealNodeName
	r.env.PodHostIP = n.hostIP.String()
	r.ready("kubelet ("+RealNodeName+")", t0)
	return nil
}

// setUpBridge makes the pod network's bridge with the host's address on it. The CNI bridge
// plugin then only attaches pods (isGateway off): pods get no default route, and the host
// forwards nothing for them, so they reach this host's bridge address and each other only.
func setUpBridge(n podNetwork) error {
	if _, err := net.InterfaceByName(n.bridge); err != nil {
		if err := ipCommand("link", "add", n.bridge, "type", "bridge"); err != nil {
			return err
		}
	}
	if err := ipCommand("addr", "replace", n.hostIP.String()+"/24", "dev", n.bridge); err != nil {
		return err
	}
	return ipCommand("link", "set", n.bridge, "up")
}

func ipCommand(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

const cgroupFS = "/sys/fs/cgroup"

// makeCgroup creates the kubelet's cgroup root in every hierarchy (cgroup v1) or in the
// unified one (v2); the kubelet refuses a root that does not exist.
func makeCgroup(name string) error {
	if _, err := os.Stat(filepath.Join(cgroupFS, "cgroup.controllers")); err == nil {
		if err := os.MkdirAll(filepath.Join(cgroupFS, name), 0o755); err != nil {
			return err
		}
		for _, c := range []string{"+cpu", "+memory", "+pids", "+cpuset"} {
			_ = os.WriteFile(filepath.Join(cgroupFS, name, "cgroup.subtree_control"), []byte(c), 0o644)
		}
		return nil
	}
	hierarchies, err := os.ReadDir(cgroupFS)
	if err != nil {
		return err
	}
	for _, h := range hierarchies {
		if !h.IsDir() || h.Name() == "unified" {
			continue
		}
		dir := filepath.Join(cgroupFS, h.Name(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if h.Name() == "cpuset" {
			// A v1 cpuset cgroup takes no task until it has CPUs and memory nodes.
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				parent, err := os.ReadFile(filepath.Join(cgroupFS, h.Name(), f))
				if err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(dir, f), parent, 0o644); err != nil {
					return fmt.Errorf("cgroup %s: %w", dir, err)
				}
			}
		}
	}
	return nil
}

// mirroredRegistries are the registries whose names charts use; containerd pulls them from
// the sandbox's registry, under a path named after the registry (MirrorRef).
var mirroredRegistries = []string{"docker.io", "quay.io", "registry.k8s.io", "ghcr.io"}

func (r *run) writeContainerdConfig(n podNetwork) (string, error) {
	dir := filepath.Join(r.l.State, "node")
	hosts := filepath.Join(dir, "certs.d")
	cniConf := filepath.Join(dir, "cni")
	for _, d := range []string{hosts, cniConf} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	for _, reg := range mirroredRegistries {
		// The fallback server is the sandbox registry too: a name it lacks fails here,
		// never reaching the internet.
		hostsTOML := fmt.Sprintf(`server = "http://%[1]s"

[host."http://%[1]s/v2/%[2]s"]
  capabilities = ["pull", "resolve"]
  override_path = true
`, r.env.Registry, reg)
		if err := os.MkdirAll(filepath.Join(hosts, reg), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(hosts, reg, "hosts.toml"), []byte(hostsTOML), 0o644); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(filepath.Join(hosts, "_default"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(hosts, "_default", "hosts.toml"),
		[]byte(fmt.Sprintf("server = \"http://%s\"\n", r.env.Registry)), 0o644); err != nil {
		return "", err
	}
	cni := fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "basalt-sandbox",
  "plugins": [{
    "type": "bridge",
    "bridge": %q,
    "isGateway": false,
    "ipMasq": false,
    "hairpinMode": true,
    "ipam": {
      "type": "host-local",
      "ranges": [[{"subnet": %q, "rangeStart": %q}]],
      "dataDir": %q
    }
  }]
}
`, n.bridge, n.subnet, strings.TrimSuffix(n.hostIP.String(), ".1")+".10", r.l.dataDir("cni-ipam"))
	if err := os.WriteFile(filepath.Join(cniConf, "10-basalt.conflist"), []byte(cni), 0o644); err != nil {
		return "", err
	}
	cfg := fmt.Sprintf(`version = 3
root = %q
state = %q

[grpc]
  address = %q

[ttrpc]
  address = %q

[metrics]
  address = ""

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = %q
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = %q

[plugins."io.containerd.cri.v1.runtime"]
  # Pod network namespaces are mounted under the state directory, so that down finds them.
  netns_mounts_under_state_dir = true
  # This host refuses to lower a process's OOM score: keep pods' scores at or above containerd's.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = %q
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = [%q]
    conf_dir = %q

[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`, r.l.containerdRoot(), r.l.dataDir("containerd"), r.l.containerdSocket(), r.l.containerdSocket()+".ttrpc",
		PauseImage, hosts, r.bins["runc"], r.bins["cni"], cniConf)
	path := filepath.Join(dir, "containerd.toml")
	return path, os.WriteFile(path, []byte(cfg), 0o644)
}

func (r *run) writeKubeletConfig(n podNetwork) (string, error) {
	cfg := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This host has cgroup v1 only; Kubernetes 1.36 runs on it when told to.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /%s
containerRuntimeEndpoint: unix://%s
address: %s
port: %d
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: %d
tlsCertFile: %s
tlsPrivateKeyFile: %s
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %s}
authorization:
  mode: Webhook
failSwapOn: false
registerWithTaints:
  - {key: %s, value: "true", effect: NoSchedule}
# The host's disk and memory are shared with everything else, and often nearly full: evict and
# collect images only when they are really exhausted, not at the usual 10-15%% (on a large disk
# even 1%% is gigabytes, and a pod evicted for it takes minutes to come back).
evictionHard:
  memory.available: 100Mi
  nodefs.available: 100Mi
  imagefs.available: 100Mi
  nodefs.inodesFree: 1%%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
clusterDomain: cluster.local
resolvConf: ""
# Containers' logs stay in the state directory, which down cleans, not in /var/log/pods.
podLogsDir: %s
`, n.cgroup, r.l.containerdSocket(), n.hostIP, r.ports["kubelet"], r.ports["kubelet-healthz"],
		r.pki.kubeletCert, r.pki.kubeletKey, r.pki.caCert, RealNodeTaint, r.l.dataDir("pod-logs"))
	path := filepath.Join(r.l.State, "node", "kubelet.yaml")
	return path, os.WriteFile(path, []byte(cfg), 0o644)
}

// accepts is ready once address (of network "unix" or "tcp") accepts connections.
func accepts(network, address string) func(context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, address)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// kubeAPI is the API server, as its administrator.
func (r *run) kubeAPI() (*kubeAPI, error) {
	kc, err := r.env.KubeHTTPClient()
	if err != nil {
		return nil, err
	}
	return &kubeAPI{client: kc, server: r.env.KubeServer, token: r.env.KubeToken}, nil
}

// nodeReady is ready once the node exists and reports the Ready condition.
func (k *kubeAPI) nodeReady(name string) func(context.Context) error {
	return func(ctx context.Context) error {
		status, body, err := k.do(ctx, http.MethodGet, "/api/v1/nodes/"+name, nil)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("GET node %s: %d", name, status)
		}
		var node struct {
			Status struct {
				Conditions []struct{ Type, Status string }
			}
		}
		if err := json.Unmarshal(body, &node); err != nil {
			return err
		}
		for _, c := range node.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				return nil
			}
		}
		return fmt.Errorf("node %s is not Ready", name)
	}
}

// placement starts the placement webhook (Placement) and registers it with the API server.
func (r *run) placement(ctx context.Context) error {
	t0 := time.Now()
	addr := fmt.Sprintf("127.0.0.1:%d", r.ports["placement"])
	p, err := r.l.start("placement", r.self, []string{"placement", "-listen", addr, "-registry", r.env.Registry,
		"-cert", r.pki.serverCert, "-key", r.pki.serverKey}, nil)
	if err != nil {
		return err
	}
	kube, err := r.kubeAPI() // its client trusts the cluster CA, which signed the webhook's certificate
	if err != nil {
		return err
	}
	if err := p.waitFor(ctx, 30*time.Second, httpOK(kube.client, "https://"+addr+"/healthz", "")); err != nil {
		return err
	}
	ca, err := os.ReadFile(r.pki.caCert)
	if err != nil {
		return err
	}
	namespaces := map[string]any{"matchExpressions": []any{map[string]any{
		"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": []string{"kube-system"}}}}
	if r.opts.RealWorkloads != RealWorkloadsEverywhere {
		namespaces = map[string]any{"matchLabels": map[string]string{RealWorkloadsLabel: "true"}}
	}
	hook := map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1",
		"kind":       "MutatingWebhookConfiguration",
		"metadata":   map[string]any{"name": "basalt-sandbox-placement"},
		"webhooks": []any{map[string]any{
			"name":         "placement.sandbox.basalt.dev",
			"clientConfig": map[string]any{"url": "https://" + addr + "/place", "caBundle": base64.StdEncoding.EncodeToString(ca)},
			"rules": []any{map[string]any{"operations": []string{"CREATE"}, "apiGroups": []string{""},
				"apiVersions": []string{"v1"}, "resources": []string{"pods"}, "scope": "Namespaced"}},
			"namespaceSelector": namespaces,
			// A pod the webhook could not place is refused, and its controller creates it again:
			// ignored, it would land on a kwok node (the real node is tainted) and never run, as
			// happened once on a loaded machine when the webhook answered too late.
			"failurePolicy":           "Fail",
			"sideEffects":             "None",
			"admissionReviewVersions": []string{"v1"},
			"timeoutSeconds":          20,
		}},
	}
	if err := kube.create(ctx, "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", hook); err != nil {
		return err
	}
	r.ready("placement webhook", t0)
	return nil
}

// relays start the relay that lets pods reach MinIO and Vault at the bridge's address, on
// the ports they have on the loopback; the env file gives services those addresses.
func (r *run) relays(ctx context.Context) error {
	host := r.l.podNetwork().hostIP.String()
	var pairs []string
	for _, target := range []*string{&r.env.S3Endpoint, &r.env.VaultAddr} {
		if *target == "" {
			continue
		}
		_, port, err := net.SplitHostPort(strings.TrimPrefix(*target, "http://"))
		if err != nil {
			return err
		}
		pairs = append(pairs, net.JoinHostPort(host, port)+"="+net.JoinHostPort("127.0.0.1", port))
	}
	if len(pairs) == 0 {
		return nil
	}
	p, err := r.l.start("relay", r.self, []string{"relay", "-pairs", strings.Join(pairs, ",")}, nil)
	if err != nil {
		return err
	}
	for _, pair := range pairs {
		listen, _, _ := strings.Cut(pair, "=")
		if err := p.waitFor(ctx, 10*time.Second, accepts("tcp", listen)); err != nil {
			return err
		}
	}
	if r.env.S3Endpoint != "" {
		r.env.PodS3Endpoint = "http://" + host + ":" + portOf(r.env.S3Endpoint)
	}
	if r.env.VaultAddr != "" {
		r.env.PodVaultAddr = "http://" + host + ":" + portOf(r.env.VaultAddr)
	}
	return nil
}

func portOf(url string) string {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(strings.TrimPrefix(url, "http://"), "https://"))
	return port
}
