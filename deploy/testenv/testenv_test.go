package testenv_test

// These tests prove that the environment is the real thing: a scheduler and
// controllers that make Deployments Ready, Helm releases that reach deployed,
// STS credentials scoped by the ID token, and Vault paths scoped by it too.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// catalogs is shared/catalogs, which CI lays beside the repository.
const catalogs = "../../../shared/catalogs"

func TestDeploymentGetsReadyPods(t *testing.T) {
	env := testenv.Require(t)
	k := newKube(t, env)
	ns := k.namespace(t, "proof-deploy")
	deploy := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web"},
		"spec": map[string]any{
			"replicas": 2,
			"selector": map[string]any{"matchLabels": map[string]string{"app": "web"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]string{"app": "web"}},
				"spec": map[string]any{"containers": []map[string]any{{
					"name": "web", "image": "nginx:1.27",
					"resources": map[string]any{"requests": map[string]string{"cpu": "100m", "memory": "64Mi"}},
				}}},
			},
		},
	}
	k.must(t, http.MethodPost, "/apis/apps/v1/namespaces/"+ns+"/deployments", deploy, nil)
	k.eventually(t, 60*time.Second, func() error {
		var d struct {
			Status struct{ ReadyReplicas int }
		}
		if err := k.call(http.MethodGet, "/apis/apps/v1/namespaces/"+ns+"/deployments/web", nil, &d); err != nil {
			return err
		}
		if d.Status.ReadyReplicas != 2 {
			return fmt.Errorf("%d of 2 replicas ready", d.Status.ReadyReplicas)
		}
		return nil
	})
	pods := k.readyPods(t, ns)
	if len(pods) != 2 {
		t.Fatalf("want 2 ready pods, got %v", pods)
	}
	for _, p := range pods {
		if !strings.HasPrefix(p.node, "kwok-") {
			t.Errorf("pod %s scheduled on %q, want a kwok node", p.name, p.node)
		}
	}
	// The API server asks the node (kwok) for a container's log, as kubectl logs does.
	var logs []byte
	k.must(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/pods/"+pods[0].name+"/log?container=web&tailLines=2&timestamps=true", nil, &logs)
	lines := strings.Split(strings.TrimSpace(string(logs)), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[1], " ready") {
		t.Errorf("the last 2 log lines of pod %s: %q, want 2 ending with the container's \"ready\"", pods[0].name, logs)
	}
}

func TestHelmInstallOfCatalogChartIsDeployed(t *testing.T) {
	env := testenv.Require(t)
	chart := filepath.Join(catalogs, "interactive", "jupyter-python-2.5.2.tgz")
	if _, err := os.Stat(chart); err != nil {
		t.Fatalf("the shared catalogs must lie beside the repository: %v", err)
	}
	k := newKube(t, env)
	ns := k.namespace(t, "proof-helm")
	helm := func(args ...string) []byte {
		t.Helper()
		home := t.TempDir()
		cmd := exec.Command(env.Helm, append(args, "--kubeconfig", env.Kubeconfig, "--namespace", ns)...)
		cmd.Env = append(os.Environ(),
			"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
			"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
			"HELM_DATA_HOME="+filepath.Join(home, "data"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	start := time.Now()
	helm("install", "jupyter", chart, "--wait", "--timeout", "3m")
	t.Logf("helm install --wait took %s", time.Since(start).Round(100*time.Millisecond))
	var status struct {
		Info struct{ Status string }
	}
	if err := json.Unmarshal(helm("status", "jupyter", "-o", "json"), &status); err != nil {
		t.Fatal(err)
	}
	if status.Info.Status != "deployed" {
		t.Fatalf("release status %q, want deployed", status.Info.Status)
	}
	if pods := k.readyPods(t, ns); len(pods) == 0 {
		t.Fatal("the release has no ready pod")
	}
}

func TestSTSCredentialsAreScopedToTheUser(t *testing.T) {
	env := testenv.Require(t)
	ctx := context.Background()
	s3 := func(user string) *testenv.S3Client {
		t.Helper()
		token, err := env.IDToken(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		creds, err := env.AssumeRoleWithWebIdentity(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if creds.SessionToken == "" {
			t.Fatal("STS gave no session token")
		}
		return env.S3(creds)
	}
	alice, dave := s3("alice"), s3("dave")
	body := []byte("hello from alice")
	if err := alice.PutObject(ctx, testenv.UserBucket("alice"), "notes/hello.txt", body); err != nil {
		t.Fatalf("alice writes to her bucket: %v", err)
	}
	got, err := alice.GetObject(ctx, testenv.UserBucket("alice"), "notes/hello.txt")
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("alice reads back %q, %v", got, err)
	}
	if err := alice.PutObject(ctx, testenv.GroupBucket("data-team"), "shared.txt", body); err != nil {
		t.Fatalf("alice writes to her project's bucket: %v", err)
	}
	denied := []struct {
		who    string
		c      *testenv.S3Client
		bucket string
	}{
		{"alice", alice, testenv.UserBucket("bob")},
		{"dave", dave, testenv.UserBucket("alice")},
		{"dave", dave, testenv.GroupBucket("data-team")},
	}
	for _, d := range denied {
		err := d.c.PutObject(ctx, d.bucket, "intrusion.txt", []byte("no"))
		var se *testenv.S3Error
		if !errors.As(err, &se) || se.Code != "AccessDenied" {
			t.Errorf("%s writes to %s: got %v, want AccessDenied", d.who, d.bucket, err)
		}
	}
	if _, err := dave.GetObject(ctx, testenv.UserBucket("alice"), "notes/hello.txt"); err == nil {
		t.Error("dave read alice's object")
	}
}

func TestVaultLoginIsScopedToTheUser(t *testing.T) {
	env := testenv.Require(t)
	ctx := context.Background()
	login := func(user string) string {
		t.Helper()
		token, err := env.IDToken(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		vt, err := env.VaultLogin(ctx, token)
		if err != nil {
			t.Fatalf("%s logs into Vault: %v", user, err)
		}
		return vt
	}
	write := func(token, path string) error {
		body := map[string]any{"data": map[string]string{"password": "s3cret"}}
		return env.Vault(ctx, token, http.MethodPost, "/v1/"+env.VaultKVMount+"/data/"+path, body, nil)
	}
	alice, dave := login("alice"), login("dave")
	for _, p := range []string{testenv.UserVaultPath("alice") + "/db", testenv.GroupVaultPath("data-team") + "/db"} {
		if err := write(alice, p); err != nil {
			t.Errorf("alice writes %s: %v", p, err)
		}
	}
	var read struct {
		Data struct{ Data map[string]string }
	}
	if err := env.Vault(ctx, alice, http.MethodGet, "/v1/"+env.VaultKVMount+"/data/"+testenv.UserVaultPath("alice")+"/db", nil, &read); err != nil || read.Data.Data["password"] != "s3cret" {
		t.Errorf("alice reads back %v, %v", read.Data.Data, err)
	}
	denied := []struct{ who, token, path string }{
		{"alice", alice, testenv.UserVaultPath("bob") + "/db"},
		{"dave", dave, testenv.UserVaultPath("alice") + "/db"},
		{"dave", dave, testenv.GroupVaultPath("data-team") + "/db"},
	}
	for _, d := range denied {
		var ve *testenv.VaultError
		if err := write(d.token, d.path); !errors.As(err, &ve) || ve.Status != http.StatusForbidden {
			t.Errorf("%s writes %s: got %v, want 403", d.who, d.path, err)
		}
	}
	if err := write(dave, testenv.UserVaultPath("dave")+"/db"); err != nil {
		t.Errorf("dave writes his own path: %v", err)
	}
}

func TestIDTokenCarriesGroupsAndRoles(t *testing.T) {
	env := testenv.Require(t)
	for _, u := range testenv.Users {
		token, err := env.IDToken(context.Background(), u.Name)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(token, ".")
		if len(parts) != 3 {
			t.Fatalf("not a JWT: %q", token)
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Iss               string
			Aud               []string
			PreferredUsername string `json:"preferred_username"`
			Groups, Roles     []string
		}
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		if claims.Iss != env.OIDCIssuer || claims.PreferredUsername != u.Name ||
			fmt.Sprint(claims.Groups) != fmt.Sprint(nonNil(u.Groups)) || fmt.Sprint(claims.Roles) != fmt.Sprint(nonNil(u.Roles)) {
			t.Errorf("%s: claims %+v", u.Name, claims)
		}
	}
}

func TestRegistryStoresBlobs(t *testing.T) {
	env := testenv.Require(t)
	blob := make([]byte, 1024)
	_, _ = rand.Read(blob)
	sum := sha256.Sum256(blob)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	base := "http://" + env.Registry + "/v2/proof/blob"
	resp, err := http.Post(base+"s/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("starting an upload: %s", resp.Status)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	q := loc.Query()
	q.Set("digest", digest)
	loc.RawQuery = q.Encode()
	req, _ := http.NewRequest(http.MethodPut, loc.String(), bytes.NewReader(blob))
	req.Header.Set("Content-Type", "application/octet-stream")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("finishing the upload: %s", resp.Status)
	}
	if resp, err = http.Get(base + "s/" + digest); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, blob) {
		t.Fatalf("blob read back differs (%s)", resp.Status)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// kube is the few raw API calls these tests need, so that the package keeps
// to the standard library.
// Charts ask for volumes without naming a class, as on a real cluster: the default
// StorageClass provisions them and the claim binds.
func TestClaimOfTheDefaultClassBinds(t *testing.T) {
	env := testenv.Require(t)
	k := newKube(t, env)
	ns := k.namespace(t, "proof-volume")
	claim := map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]any{"name": "data"},
		"spec": map[string]any{
			"accessModes": []string{"ReadWriteOnce"},
			"resources":   map[string]any{"requests": map[string]string{"storage": "5Gi"}},
		},
	}
	k.must(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/persistentvolumeclaims", claim, nil)
	k.eventually(t, 30*time.Second, func() error {
		var c struct {
			Spec   struct{ StorageClassName, VolumeName string }
			Status struct{ Phase string }
		}
		if err := k.call(http.MethodGet, "/api/v1/namespaces/"+ns+"/persistentvolumeclaims/data", nil, &c); err != nil {
			return err
		}
		if c.Status.Phase != "Bound" || c.Spec.StorageClassName != "standard" || c.Spec.VolumeName == "" {
			return fmt.Errorf("claim: %+v", c)
		}
		return nil
	})
}

type kube struct {
	env    *testenv.Env
	client *http.Client
}

func newKube(t *testing.T, env *testenv.Env) *kube {
	c, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	return &kube{env: env, client: c}
}

func (k *kube) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		data, _ := json.Marshal(in)
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, k.env.KubeServer+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.env.KubeToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = data
		return nil
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (k *kube) must(t *testing.T, method, path string, in, out any) {
	t.Helper()
	if err := k.call(method, path, in, out); err != nil {
		t.Fatal(err)
	}
}

// namespace creates a namespace for one test and deletes it afterwards.
func (k *kube) namespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e6)
	k.must(t, http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]string{"name": name}}, nil)
	t.Cleanup(func() { _ = k.call(http.MethodDelete, "/api/v1/namespaces/"+name, nil, nil) })
	// Pods are refused until the service account controller made "default".
	k.eventually(t, 30*time.Second, func() error {
		return k.call(http.MethodGet, "/api/v1/namespaces/"+name+"/serviceaccounts/default", nil, nil)
	})
	return name
}

type pod struct{ name, node string }

func (k *kube) readyPods(t *testing.T, ns string) []pod {
	t.Helper()
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Spec     struct{ NodeName string }
			Status   struct {
				Phase      string
				Conditions []struct{ Type, Status string }
			}
		}
	}
	k.must(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/pods", nil, &list)
	var out []pod
	for _, p := range list.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" && p.Status.Phase == "Running" {
				out = append(out, pod{p.Metadata.Name, p.Spec.NodeName})
			}
		}
	}
	return out
}

func (k *kube) eventually(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
