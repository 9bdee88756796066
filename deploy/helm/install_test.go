package helm_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// The chart installs on the sandbox control plane and its pods become Ready (kwok's nodes
// report pods Ready without pulling the image); an upgrade that changes the configuration
// rolls the pods and keeps the generated session key, so users stay signed in.
func TestInstallOnTheSandboxCluster(t *testing.T) {
	t.Parallel()
	env := testenv.Require(t)
	kube := newKubeClient(t, env)
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	ns := "basalt-chart-" + hex.EncodeToString(suffix)
	rel := "basalt-" + hex.EncodeToString(suffix)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := helmCmdContext(ctx, t, "uninstall", rel, "--namespace", ns, "--wait", "--timeout", "1m"); err != nil {
			t.Logf("helm uninstall: %v\n%s", err, out)
		}
		kube.delete("/api/v1/namespaces/" + ns)
	})

	install := []string{"install", rel, chartDir, "--namespace", ns, "--create-namespace", "--wait", "--timeout", "2m",
		"--set", "replicaCount=2", "--set", "config.auth.mode=oidc", "--set", "config.plugins.cluster.enabled=true"}
	if out, err := helmCmd(t, install...); err != nil {
		t.Fatalf("helm install: %v\n%s", err, out)
	}
	checksum := readyPods(t, kube, ns, rel, 2)
	key := kube.secretValue(t, ns, rel, "session-key")
	if len(key) < 32 {
		t.Fatalf("generated session key is %d bytes", len(key))
	}
	var role clusterRole
	kube.get(t, "/apis/rbac.authorization.k8s.io/v1/clusterroles/"+rel, &role)
	if len(role.Rules) != len(documentedRules(t)) {
		t.Errorf("the installed ClusterRole has %d rules, the README documents %d", len(role.Rules), len(documentedRules(t)))
	}

	// The pods' ServiceAccount takes and renews the lifecycle engines' Lease, and no other.
	admin := kube.as(env.KubeToken)
	sa := impersonate("system:serviceaccount:"+ns+":"+rel, "system:serviceaccounts", "system:serviceaccounts:"+ns, "system:authenticated")
	lease := func(name string) string {
		return fmt.Sprintf(`{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":%q},"spec":{"holderIdentity":"pod-a"}}`, name)
	}
	leases := "/apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases"
	if code, answer := admin.do(t, http.MethodPost, leases, lease(rel+"-lifecycle"), sa); code != http.StatusCreated {
		t.Fatalf("the ServiceAccount creates its Lease: %d %s", code, brief(answer))
	}
	code, held := admin.do(t, http.MethodGet, leases+"/"+rel+"-lifecycle", "", sa)
	if code != http.StatusOK {
		t.Fatalf("the ServiceAccount reads its Lease: %d %s", code, brief(held))
	}
	renewed := strings.Replace(held, `"pod-a"`, `"pod-b"`, 1)
	if code, answer := admin.do(t, http.MethodPut, leases+"/"+rel+"-lifecycle", renewed, sa); code != http.StatusOK || !strings.Contains(answer, "pod-b") {
		t.Errorf("the ServiceAccount renews its Lease: %d %s", code, brief(answer))
	}
	admin.must(t, http.MethodPost, leases, lease("someone-elses"), nil)
	if code, _ := admin.do(t, http.MethodGet, leases+"/someone-elses", "", sa); code != http.StatusForbidden {
		t.Errorf("the ServiceAccount reads another Lease of its namespace: %d, want 403", code)
	}
	if code, _ := admin.do(t, http.MethodPost, "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease(rel+"-lifecycle"), sa); code != http.StatusForbidden {
		t.Errorf("the ServiceAccount creates a Lease in another namespace: %d, want 403", code)
	}

	upgrade := []string{"upgrade", rel, chartDir, "--namespace", ns, "--reuse-values", "--wait", "--timeout", "2m",
		"--set", "config.log.level=debug"}
	if out, err := helmCmd(t, upgrade...); err != nil {
		t.Fatalf("helm upgrade: %v\n%s", err, out)
	}
	if rolled := readyPods(t, kube, ns, rel, 2); rolled == checksum {
		t.Error("the pods did not roll on a configuration change")
	}
	if kube.secretValue(t, ns, rel, "session-key") != key {
		t.Error("the upgrade replaced the session key: every user would be signed out")
	}
}

// readyPods waits until want pods of the release with the Deployment's current template are
// Ready, and returns that template's config checksum.
func readyPods(t *testing.T, kube *kubeClient, ns, rel string, want int) string {
	t.Helper()
	var d deployment
	kube.get(t, "/apis/apps/v1/namespaces/"+ns+"/deployments/"+rel, &d)
	checksum := d.Spec.Template.Metadata.Annotations["checksum/config"]
	deadline := time.Now().Add(time.Minute)
	for {
		var pods struct {
			Items []struct {
				Metadata struct {
					Annotations       map[string]string `json:"annotations"`
					DeletionTimestamp *string           `json:"deletionTimestamp"`
				} `json:"metadata"`
				Status struct {
					Conditions []struct{ Type, Status string } `json:"conditions"`
				} `json:"status"`
			} `json:"items"`
		}
		kube.get(t, "/api/v1/namespaces/"+ns+"/pods?labelSelector=app.kubernetes.io/instance%3D"+rel, &pods)
		ready := 0
		for _, p := range pods.Items {
			for _, c := range p.Status.Conditions {
				if c.Type == "Ready" && c.Status == "True" && p.Metadata.DeletionTimestamp == nil && p.Metadata.Annotations["checksum/config"] == checksum {
					ready++
				}
			}
		}
		if ready == want {
			return checksum
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d pods Ready after a minute", ready, want)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// kubeClient reads the sandbox's API with the admin token: a few GETs need no client-go.
type kubeClient struct {
	env  *testenv.Env
	http *http.Client
}

func newKubeClient(t *testing.T, env *testenv.Env) *kubeClient {
	t.Helper()
	c, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	return &kubeClient{env: env, http: c}
}

func (k *kubeClient) do(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, k.env.KubeServer+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.env.KubeToken)
	return k.http.Do(req)
}

func (k *kubeClient) get(t *testing.T, path string, out any) {
	t.Helper()
	resp, err := k.do(t.Context(), http.MethodGet, path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func (k *kubeClient) secretValue(t *testing.T, ns, name, key string) string {
	t.Helper()
	var s struct {
		Data map[string][]byte `json:"data"` // base64 in JSON, decoded by encoding/json
	}
	k.get(t, fmt.Sprintf("/api/v1/namespaces/%s/secrets/%s", ns, name), &s)
	return string(s.Data[key])
}

// delete is for clean-up: best effort, with its own context since the test's is done.
func (k *kubeClient) delete(path string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if resp, err := k.do(ctx, http.MethodDelete, path); err == nil {
		resp.Body.Close()
	}
}
