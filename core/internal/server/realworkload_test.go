package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// realWorld is Basalt in oidc mode with the real plugins and Basalt's default catalog, on the
// test environment's real node: services get the addresses at which pods reach MinIO and
// Vault, and alice's namespace is open to real workloads while the test runs.
type realWorld struct {
	*injectionWorld
}

func newRealWorld(t *testing.T) *realWorld {
	t.Helper()
	env := testenv.Require(t)
	if env.RealNode == "" || env.PodS3Endpoint == "" || env.PodVaultAddr == "" {
		t.Fatalf("the test environment has no real node or no pod addresses for MinIO and Vault (node %q); rerun make testenv-up", env.RealNode)
	}
	catalog := filepath.Join(t.TempDir(), "catalog")
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(testplugin.Path(t, "basalt-catalog"), "package", filepath.Join(root, "config", "catalog"), catalog).CombinedOutput(); err != nil {
		t.Fatalf("packaging the default catalog: %v\n%s", err, out)
	}
	w := &realWorld{startInjectionWorld(t, env, "basalt", catalog, env.PodS3Endpoint, env.PodVaultAddr)}
	w.labelNamespace(t, "true")
	t.Cleanup(func() { w.labelNamespace(t, nil) })
	return w
}

// labelNamespace sets (or, with nil, removes) the label that lets the namespace's pods run
// on the real node.
func (w *realWorld) labelNamespace(t *testing.T, value any) {
	t.Helper()
	patch := fmt.Sprintf(`{"metadata":{"labels":{"basalt.dev/real-workloads":%s}}}`, must(json.Marshal(value)))
	req, _ := http.NewRequest(http.MethodPatch, w.env.KubeServer+"/api/v1/namespaces/"+w.ns, strings.NewReader(patch))
	req.Header.Set("Authorization", "Bearer "+w.env.KubeToken)
	req.Header.Set("Content-Type", "application/merge-patch+json")
	resp, err := w.kube.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("labelling %s: %s", w.ns, resp.Status)
	}
}

func must(data []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return data
}

// realPod is a running pod of a release, and what runs it.
type realPod struct {
	name, node, containerID string
}

// pods lists the release's pods, running or not.
func (w *realWorld) pods(t *testing.T, release string) []realPod {
	t.Helper()
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Spec     struct{ NodeName string }
			Status   struct {
				Phase             string
				ContainerStatuses []struct {
					ContainerID string
					Ready       bool
				}
			}
		}
	}
	w.kubeGet(t, "/api/v1/namespaces/"+w.ns+"/pods?labelSelector=app.kubernetes.io/instance%3D"+release, &list)
	var out []realPod
	for _, p := range list.Items {
		rp := realPod{name: p.Metadata.Name, node: p.Spec.NodeName}
		for _, c := range p.Status.ContainerStatuses {
			if c.Ready {
				rp.containerID = c.ContainerID
			}
		}
		out = append(out, rp)
	}
	return out
}

// readyPod waits until the release has one ready pod and returns it.
func (w *realWorld) readyPod(t *testing.T, release string, within time.Duration) realPod {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		pods := w.pods(t, release)
		if len(pods) == 1 && pods[0].containerID != "" {
			return pods[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready pod of %s after %s: %+v", release, within, pods)
		}
		time.Sleep(time.Second)
	}
}

// inJupyter is what the proof's Python code, run in the container, found: the hash of the
// object it read with boto3, the hashes of the secret's keys in the notebook server's
// environment (what its kernels inherit), and Vault's answers to the service's token.
type inJupyter struct {
	CSV   string            `json:"csv"`
	Env   map[string]string `json:"env"`
	Vault map[string]int    `json:"vault"`
	// Server and Names say which process was read, and the names (never values) it has.
	Server string   `json:"server"`
	Names  []string `json:"names"`
	// Routes are the destinations of the pod's routes: the bridge's subnet alone, no default.
	Routes []string `json:"routes"`
	Error  string   `json:"error"`
}

// proofScript reads bucket/key with boto3 from the environment the chart gave the container,
// hashes the secret's keys as the notebook server (the process running jupyter) has them,
// and asks Vault for the chosen secret and another one with the service's token. Only hashes
// leave the container.
const proofScript = `
import hashlib, json, os, sys, urllib.error, urllib.request
bucket, key, mine, other, keys = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(",")
out = {"env": {}, "vault": {}}
try:
    import boto3
    s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_DEFAULT_REGION"])
    out["csv"] = hashlib.sha256(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()
    server = None
    for pid in os.listdir("/proc"):
        try:
            cmd = open("/proc/%s/cmdline" % pid, "rb").read()
        except (OSError, ValueError):
            continue
        argv = cmd.split(b"\0")
        if len(argv) > 1 and argv[1] != b"-c" and any(os.path.basename(a).startswith((b"jupyter", b"start-notebook")) for a in argv):
            server = pid
            break
    environ = {}
    for entry in open("/proc/%s/environ" % server, "rb").read().split(b"\0"):
        k, _, v = entry.partition(b"=")
        environ[k.decode()] = v
    out["env"] = {k: hashlib.sha256(environ[k]).hexdigest() for k in keys if k in environ}
    out["server"] = open("/proc/%s/cmdline" % server, "rb").read().replace(b"\0", b" ").decode()
    # The pod's routes (the kernel's table, no packet sent): destinations in hex, 00000000 for a default route.
    out["routes"] = [line.split()[1] for line in open("/proc/net/route").read().splitlines()[1:]]
    out["names"] = sorted(environ)
    if os.environ.get("VAULT_TOKEN"):
        for name, path in (("mine", mine), ("other", other)):
            url = "%s/v1/%s/data/%s/%s" % (os.environ["VAULT_ADDR"], os.environ["VAULT_MOUNT"], os.environ["VAULT_TOP_DIR"], path)
            req = urllib.request.Request(url, headers={"X-Vault-Token": os.environ["VAULT_TOKEN"]})
            try:
                out["vault"][name] = urllib.request.urlopen(req, timeout=10).status
            except urllib.error.HTTPError as e:
                out["vault"][name] = e.code
except Exception as e:
    out["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
`

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestLaunchedJupyterReadsTheUsersFilesAndSecrets is the real-workloads proof: alice, signed in
// through the identity provider, uploads a file and stores a secret through Basalt, launches
// the default catalog's Jupyter with S3 and that secret in each secret injection mode, and
// Python inside the running container (on the real node, its containerd container) reads the
// file from MinIO with boto3 and finds the secret's keys in the notebook server's
// environment; the scoped token reads that secret and no other. Paused, the pod goes; resumed,
// a notebook written before is still there. The logs are the container's own. Deleted, the
// pod, the volume, the token and the release go.
func TestLaunchedJupyterReadsTheUsersFilesAndSecrets(t *testing.T) {
	w := newRealWorld(t)
	ctx := t.Context()
	dir := fmt.Sprintf("real-%d", time.Now().UnixNano()%1e9)
	csv := "region,amount\nnorth," + logscan.Canary()[:8] + "\nsouth,12\n"
	if code := w.upload(t, "user-alice/"+dir+"/sales.csv", csv); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("upload: %d", code)
	}
	secret := map[string]string{"DB_USER": "alice", "DB_PASSWORD": logscan.Canary()}
	for path, data := range map[string]map[string]string{dir + "/db": secret, dir + "/other": {"OTHER": logscan.Canary()}} {
		body := must(json.Marshal(map[string]any{"data": data}))
		if code := w.call(t, http.MethodPut, "/projects/user-alice/secrets/secret?path="+path, string(body), nil); code/100 != 2 {
			t.Fatalf("storing the secret %s: %d", path, code)
		}
	}

	for _, mode := range []string{config.SecretInjectionScopedToken, config.SecretInjectionUserToken, config.SecretInjectionKubernetesSecret} {
		t.Run(mode, func(t *testing.T) {
			release := w.launchJupyter(t, mode, dir+"/db")
			pod := w.readyPod(t, release, 4*time.Minute)
			if pod.node != w.env.RealNode || !strings.HasPrefix(pod.containerID, "containerd://") {
				t.Fatalf("the notebook runs on %q as %q, want the real node %s and a containerd container", pod.node, pod.containerID, w.env.RealNode)
			}
			stdout, stderr, err := podExec(ctx, w.env, w.ns, pod.name, "jupyter", "python3", "-c", proofScript,
				"user-alice", dir+"/sales.csv", dir+"/db", dir+"/other", "DB_USER,DB_PASSWORD")
			var got inJupyter
			if err != nil || json.Unmarshal([]byte(stdout), &got) != nil || got.Error != "" {
				t.Fatalf("the proof in the container: %v, error %q, stderr %.500s", err, got.Error, stderr)
			}
			if len(got.Routes) != 1 || got.Routes[0] == "00000000" {
				t.Errorf("the pod's routes go to %v, want its bridge's subnet alone (no way out of the machine)", got.Routes)
			}
			if got.CSV != sha(csv) {
				t.Errorf("boto3 in the container read %q bytes' hash %s, want the uploaded file's %s", dir+"/sales.csv", got.CSV, sha(csv))
			}
			for k, v := range secret {
				if got.Env[k] != sha(v) {
					t.Errorf("the notebook server's environment (%s: %v): %s present %v, as stored %v; the service's own lines: %q",
						got.Server, got.Names, k, got.Env[k] != "", got.Env[k] == sha(v), w.basaltLines(t, mode, release))
				}
			}
			switch mode {
			case config.SecretInjectionScopedToken:
				if got.Vault["mine"] != http.StatusOK || got.Vault["other"] != http.StatusForbidden {
					t.Errorf("the scoped token: Vault answered %d for the chosen secret and %d for another, want 200 and 403", got.Vault["mine"], got.Vault["other"])
				}
			case config.SecretInjectionUserToken:
				if got.Vault["mine"] != http.StatusOK {
					t.Errorf("the user's token: Vault answered %d for the chosen secret", got.Vault["mine"])
				}
			case config.SecretInjectionKubernetesSecret:
				if len(got.Vault) != 0 {
					t.Errorf("a kubernetes-secret launch handed the container a Vault token (answers %v)", got.Vault)
				}
				w.pauseResumeKeepsFiles(t, mode, release, pod)
			}
			w.logsAreTheContainers(t, mode, release)
			w.deleteLeavesNothing(t, mode, release)
		})
	}
}

func (w *realWorld) upload(t *testing.T, path, content string) int {
	t.Helper()
	resp, _ := do(t, http.MethodPut, w.base+"/api/v1/projects/user-alice/files/content?path="+path, strings.NewReader(content),
		"Authorization", "Bearer "+w.token, "Content-Type", "text/csv")
	return resp.StatusCode
}

// launchJupyter launches the default catalog's Jupyter with S3, Vault, a volume and secret.
func (w *realWorld) launchJupyter(t *testing.T, region, secret string) string {
	t.Helper()
	return w.launchRequest(t, region, fmt.Sprintf(`{"catalog":"basalt","chart":"jupyter","secret":%q,"values":{"s3":{"enabled":true},"vault":{"enabled":true},"persistence":{"enabled":true,"size":"1Gi"},"resources":{"requests":{"cpu":"100m","memory":"1Gi"}}}}`, secret))
}

func (w *realWorld) pauseResumeKeepsFiles(t *testing.T, region, release string, pod realPod) {
	t.Helper()
	ctx := t.Context()
	notebook := "/home/jovyan/work/before-pause.ipynb"
	if _, stderr, err := podExec(ctx, w.env, w.ns, pod.name, "jupyter", "sh", "-c", `echo '{"cells": []}' > `+notebook); err != nil {
		t.Fatalf("writing a notebook: %v %s", err, stderr)
	}
	if code := w.call(t, http.MethodPost, "/projects/"+w.ns+"/services/"+release+"/suspend?region="+region, "", nil); code/100 != 2 {
		t.Fatalf("suspend: %d", code)
	}
	for deadline := time.Now().Add(time.Minute); len(w.pods(t, release)) > 0; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("the paused notebook still has pods: %+v", w.pods(t, release))
		}
	}
	if code := w.call(t, http.MethodPost, "/projects/"+w.ns+"/services/"+release+"/resume?region="+region, "", nil); code/100 != 2 {
		t.Fatalf("resume: %d", code)
	}
	resumed := w.readyPod(t, release, 2*time.Minute)
	if resumed.name == pod.name {
		t.Fatalf("the resumed notebook's pod is still %s", pod.name)
	}
	stdout, stderr, err := podExec(ctx, w.env, w.ns, resumed.name, "jupyter", "cat", notebook)
	if err != nil || !strings.Contains(stdout, `"cells"`) {
		t.Errorf("the notebook written before the pause, after the resume: %q, %v %s", stdout, err, stderr)
	}
}

// basaltLines are the lines the chart's startup wrote about itself ("basalt: ..."), to tell
// why a secret did not reach the service.
func (w *realWorld) basaltLines(t *testing.T, region, release string) []string {
	t.Helper()
	_, body := do(t, http.MethodGet, w.base+"/api/v1/projects/"+w.ns+"/services/"+release+"/logs?tail=500&region="+region, nil,
		"Authorization", "Bearer "+w.token)
	var lines []string
	for _, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, "basalt:") {
			lines = append(lines, l)
		}
	}
	return lines
}

// logsAreTheContainers reads the service's logs through Basalt, until they hold the notebook
// server's own lines (the kubelet may not have read its first lines yet), never the
// simulated nodes' canned ones.
func (w *realWorld) logsAreTheContainers(t *testing.T, region, release string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, body := do(t, http.MethodGet, w.base+"/api/v1/projects/"+w.ns+"/services/"+release+"/logs?tail=200&region="+region, nil,
			"Authorization", "Bearer "+w.token)
		logs := string(body)
		if strings.Contains(logs, "starting the service") {
			t.Fatalf("the service's logs are the simulated nodes' lines: %.600s", logs)
		}
		// The notebook server's logger names itself on every line it writes.
		if resp.StatusCode == http.StatusOK && strings.Contains(logs, "NotebookApp") {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the service's logs (%d) hold no line of the notebook server after 30 s: %.600s", resp.StatusCode, logs)
			return
		}
		time.Sleep(time.Second)
	}
}

// deleteLeavesNothing deletes the service and waits until its pods, its volume claims and
// volumes, its secrets token and its release are gone.
func (w *realWorld) deleteLeavesNothing(t *testing.T, region, release string) {
	t.Helper()
	accessor := w.secret(t, "sh.onyxia.release.v1."+release)["secretsTokenAccessor"]
	if (region == config.SecretInjectionScopedToken) != (accessor != "") {
		t.Errorf("the release keeps a token accessor %v in %s", accessor != "", region)
	}
	if code := w.call(t, http.MethodDelete, "/projects/"+w.ns+"/services/"+release+"?region="+region, "", nil); code != http.StatusOK {
		t.Fatalf("delete: %d", code)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var claims struct {
			Items []struct{ Metadata struct{ Name string } }
		}
		w.kubeGet(t, "/api/v1/namespaces/"+w.ns+"/persistentvolumeclaims?labelSelector=app.kubernetes.io/instance%3D"+release, &claims)
		var volumes struct {
			Items []struct {
				Spec struct {
					ClaimRef struct{ Namespace, Name string } `json:"claimRef"`
				}
			}
		}
		w.kubeGet(t, "/api/v1/persistentvolumes", &volumes)
		kept := 0
		for _, v := range volumes.Items {
			if v.Spec.ClaimRef.Namespace == w.ns && strings.Contains(v.Spec.ClaimRef.Name, release) {
				kept++
			}
		}
		pods := w.pods(t, release)
		released := w.kubeGet(t, "/api/v1/namespaces/"+w.ns+"/secrets/sh.onyxia.release.v1."+release, nil) == http.StatusNotFound
		if len(pods) == 0 && len(claims.Items) == 0 && kept == 0 && released {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("two minutes after the delete: pods %+v, claims %+v, volumes %d, release record gone %v", pods, claims.Items, kept, released)
		}
		time.Sleep(time.Second)
	}
	if accessor != "" {
		if err := w.env.Vault(t.Context(), "", "POST", "/v1/auth/token/lookup-accessor", map[string]any{"accessor": accessor}, nil); err == nil {
			t.Errorf("Vault still knows the deleted service's token")
		}
	}
}
