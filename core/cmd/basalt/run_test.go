package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/core/internal/basalttest"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

func TestMain(m *testing.M) {
	os.Exit(basalttest.Run(m))
}

// TestMakeRunLaunchesOnTheCluster starts basalt as `make run` does (in its bin directory,
// on the embedded defaults plus the cluster flags of the Makefile's cluster_args, here on the
// test environment's Kubernetes), launches a chart of the default catalog through the API and
// waits for its pod to run on a kwok node; then deletes it.
//
// It does so while a `make run` serves from the same bin/, as on a developer's machine: make
// test must neither touch make run's files nor fight for its secrets store's lock.
func TestMakeRunLaunchesOnTheCluster(t *testing.T) {
	env := testenv.Require(t)
	bin := binDir(t)
	portal := besideMakeRun(t, bin)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	user := fmt.Sprintf("run%d", time.Now().UnixNano()%1_000_000)
	base, own := serve(t, bin,
		"--set", "plugins.cluster.enabled=true", "--set", "plugins.cluster.config.kubeconfig="+env.Kubeconfig,
		"--set", "auth.local.username="+user)
	launchUntilReady(t, ctx, env, base+"/api/v1/projects/user-"+user+"/services", "user-"+user)
	if _, err := os.Stat(filepath.Join(own, "data", "secrets.enc")); err != nil {
		t.Errorf("the test's basalt keeps no secrets store of its own: %v", err)
	}
	if portal != "" {
		if code, body := call(t, http.MethodGet, portal+"/readyz", "", nil); code != http.StatusOK {
			t.Errorf("the make run beside the test no longer serves: %d %s", code, body)
		}
	}
}

// launchUntilReady launches the default catalog's jupyter through services, waits for it to
// be ready with its pod running on a kwok node of namespace, then deletes it.
func launchUntilReady(t *testing.T, ctx context.Context, env *testenv.Env, services, namespace string) {
	t.Helper()
	var launched struct {
		Service struct{ ID string }
	}
	if code, body := call(t, http.MethodPost, services, `{"catalog":"ide","chart":"jupyter","name":"make run"}`, &launched); code != http.StatusAccepted {
		t.Fatalf("launch: %d %s", code, body)
	}
	id := launched.Service.ID
	var detail struct {
		Service struct {
			Status    string
			Ready     bool
			Workloads []struct{ Ready int }
		}
	}
	for {
		if code, body := call(t, http.MethodGet, services+"/"+id, "", &detail); code != http.StatusOK {
			t.Fatalf("service %s: %d %s", id, code, body)
		}
		if detail.Service.Ready {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s not ready: %+v", id, detail.Service)
		case <-time.After(500 * time.Millisecond):
		}
	}
	if detail.Service.Status != "deployed" || len(detail.Service.Workloads) == 0 || detail.Service.Workloads[0].Ready != 1 {
		t.Fatalf("ready but: %+v", detail.Service)
	}
	pods := runningPods(t, env, namespace)
	if len(pods) != 1 || !strings.HasPrefix(pods[0], id+"-") {
		t.Fatalf("pods running on kwok nodes in %s: %v, want one of %s", namespace, pods, id)
	}

	if code, body := call(t, http.MethodDelete, services+"/"+id, "", nil); code != http.StatusOK {
		t.Fatalf("delete: %d %s", code, body)
	}
	var list struct{ Services []struct{ ID string } }
	if code, body := call(t, http.MethodGet, services, "", &list); code != http.StatusOK || len(list.Services) != 0 {
		t.Fatalf("after delete: %d %s", code, body)
	}
}

// TestMakeRunServesBeforeTheSandbox starts basalt as make run does on a fresh clone, while the
// sandbox is still built: files on the sandbox's S3 store (here the test environment's MinIO)
// as the local user, with keys limited to their bucket; the cluster's kubeconfig not written
// yet, and the sandbox's progress file naming a step. Basalt serves the portal, the catalog,
// launch forms and plans (the S3 tab filled with those keys and the address pods reach),
// files (in the bucket) and secrets; the services list and a launch answer 503 with the step.
// Once the test writes the kubeconfig (of the test environment's cluster) and then the env
// file, the region takes a launch, which gets ready, without a restart.
func TestMakeRunServesBeforeTheSandbox(t *testing.T) {
	env := testenv.Require(t)
	bin := binDir(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// The local store, as testenv up -local-user makes it.
	user := fmt.Sprintf("first%d", time.Now().UnixNano()%1_000_000)
	bucket := testenv.UserBucket(user)
	root := env.RootS3()
	access, secret := user, fmt.Sprintf("%x", time.Now().UnixNano())
	if err := root.PutPolicy(ctx, "local-"+user, testenv.BucketsPolicy(bucket)); err != nil {
		t.Fatal(err)
	}
	if err := root.MakeBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	if err := root.AddUser(ctx, access, secret, "local-"+user); err != nil {
		t.Fatal(err)
	}
	podEndpoint := cmp.Or(env.PodS3Endpoint, "http://10.88.0.1:9000")

	sandbox := t.TempDir()
	kubeconfig, ready, progress := filepath.Join(sandbox, "kubeconfig"), filepath.Join(sandbox, "env"), filepath.Join(sandbox, "progress")
	if err := os.WriteFile(progress, []byte("building image jupyter ...\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, workEnv := basalttest.WorkDir(t, bin)
	// As the Makefile's sandbox_store and sandbox_cluster_args.
	storeEnv := []string{"BASALT_PLUGINS__FILES__PATH=basalt-plugin-s3", fmt.Sprintf("BASALT_PLUGINS__FILES__CONFIG={ "+
		"endpoint: '%s', serviceEndpoint: '%s', region: '%s', staticCredentials: {accessKeyID: '%s', "+
		"secretAccessKey: '%s', shareWithServices: true}}", env.S3Endpoint, podEndpoint, env.S3Region, access, secret)}
	base := start(t, bin, dir, append(workEnv, storeEnv...), "--set", "auth.local.username="+user,
		"--set", "plugins.cluster.enabled=true", "--set", "plugins.cluster.config.kubeconfig="+kubeconfig,
		"--set", "plugins.cluster.config.startup.readyFile="+ready, "--set", "plugins.cluster.config.startup.progressFile="+progress)
	api := base + "/api/v1/projects/user-" + user

	if code, page := call(t, http.MethodGet, base+"/", "", nil); code != http.StatusOK || !strings.Contains(string(page), "<html") {
		t.Errorf("the portal: %d %.100s", code, page)
	}
	if code, body := call(t, http.MethodGet, base+"/api/v1/catalogs", "", nil); code != http.StatusOK || !strings.Contains(string(body), `"ide"`) {
		t.Errorf("the catalogs: %d %s", code, body)
	}
	if code, body := call(t, http.MethodGet, api+"/launch/form?catalog=ide&chart=jupyter", "", nil); code != http.StatusOK {
		t.Errorf("a launch form: %d %s", code, body)
	}
	var plan struct {
		Values struct {
			S3 struct{ AccessKeyID, SecretAccessKey, URL string }
		}
	}
	if code, body := call(t, http.MethodPost, api+"/launch/plan", `{"catalog":"ide","chart":"jupyter"}`, &plan); code != http.StatusOK {
		t.Errorf("a plan: %d %s", code, body)
	} else if s3 := plan.Values.S3; s3.AccessKeyID != access || s3.SecretAccessKey != secret || s3.URL != podEndpoint {
		t.Errorf("the plan's S3 values: %+v, want the local user's key at %s", s3, podEndpoint)
	}
	if code, body := call(t, http.MethodPut, api+"/files/content?path="+bucket+"/sales.csv", "day,amount\n1,10\n", nil); code != http.StatusCreated {
		t.Errorf("an upload: %d %s", code, body)
	} else if got, err := root.GetObject(ctx, bucket, "sales.csv"); err != nil || string(got) != "day,amount\n1,10\n" {
		t.Errorf("the upload in the bucket: %q, %v", got, err)
	}
	if code, body := call(t, http.MethodPut, api+"/secrets/secret?path=db", `{"data":{"PGPASSWORD":"x"}}`, nil); code != http.StatusOK {
		t.Errorf("a secret: %d %s", code, body)
	}
	var denied *testenv.S3Error
	if _, err := env.S3(testenv.S3Credentials{AccessKey: access, SecretKey: secret}).GetObject(ctx, testenv.UserBucket("alice"), "x"); !errors.As(err, &denied) || denied.Code != "AccessDenied" {
		t.Errorf("the handed keys read alice's bucket: %v, want AccessDenied", err)
	}

	starting := "the cluster is still starting: building image jupyter ...; try again in a minute"
	var failure struct {
		Error struct{ Code, Message string }
	}
	for what, send := range map[string]func() (int, []byte){
		"the services": func() (int, []byte) { return call(t, http.MethodGet, api+"/services", "", nil) },
		"a launch": func() (int, []byte) {
			return call(t, http.MethodPost, api+"/services", `{"catalog":"ide","chart":"jupyter"}`, nil)
		},
	} {
		code, body := send()
		if err := json.Unmarshal(body, &failure); err != nil || code != http.StatusServiceUnavailable ||
			failure.Error.Code != "unavailable" || !strings.Contains(failure.Error.Message, starting) {
			t.Errorf("%s while the sandbox is built: %d %s, want 503 saying %q", what, code, body, starting)
		}
	}

	// The sandbox is up: its kubeconfig, then its env file, last.
	config, err := os.ReadFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kubeconfig, config, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ready, []byte("# up\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	services := api + "/services"
	for code, body := call(t, http.MethodGet, services, "", nil); code != http.StatusOK; code, body = call(t, http.MethodGet, services, "", nil) {
		select {
		case <-ctx.Done():
			t.Fatalf("the services once the sandbox is up: %d %s", code, body)
		case <-time.After(200 * time.Millisecond):
		}
	}
	launchUntilReady(t, ctx, env, services, "user-"+user)
}

// besideMakeRun makes sure a `make run` serves from bin while the test runs: the developer's,
// when one holds bin/data's secrets store, else one started here as make run starts it (in
// bin, on the embedded defaults) but without a cluster. It returns the URL of the one it
// started, "" for the developer's.
func besideMakeRun(t *testing.T, bin string) string {
	lock := filepath.Join(bin, "data", "secrets.enc.lock")
	if heldByAnother(lock) {
		t.Logf("a make run holds %s", lock)
		return ""
	}
	base := start(t, bin, bin, nil)
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("the make run started beside the test keeps no secrets store in bin/data: %v", err)
	}
	return base
}

// binDir returns the directory of binaries basalt serves from, laid out as `make build` lays
// out bin/: $BASALT_TEST_BIN_DIR under make test, or a fresh build.
func binDir(t *testing.T) string {
	if dir := os.Getenv(basalttest.BinDirVar); dir != "" {
		return dir
	}
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	dir := basalttest.Build(t, "basalt-plugin-fs", "basalt-plugin-localsecrets", "basalt-plugin-helmrepo", "basalt-catalog",
		"basalt-plugin-kubernetes", "basalt-plugin-s3")
	if _, err := os.Stat(filepath.Join(dir, "catalog")); err == nil {
		return dir
	}
	pack := exec.Command(filepath.Join(dir, "basalt-catalog"), "package", filepath.Join(root, "config", "catalog"), filepath.Join(dir, "catalog"))
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("basalt-catalog: %v\n%s", err, out)
	}
	return dir
}

// serve starts bin/basalt as make run does, on a free port, but in a working directory of its
// own (basalttest.WorkDir: bin/catalog linked in, its own data/ and cache/), never make run's.
// It returns the URL once basalt answers, and that directory.
func serve(t *testing.T, bin string, args ...string) (base, dir string) {
	dir, env := basalttest.WorkDir(t, bin)
	return start(t, bin, dir, env, args...), dir
}

// heldByAnother reports whether another process holds name locked, the way the localsecrets
// plugin locks its store (flock).
func heldByAnother(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// start starts bin/basalt serve in dir, with env added to the test's, on a free port and
// returns its URL once it answers. Its output goes to the test log if the test fails.
func start(t *testing.T, bin, dir string, env []string, args ...string) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var out bytes.Buffer
	// No lifecycle engine: the suite shares the test environment's cluster, and its lifecycle
	// tests run an engine of their own there.
	cmd := exec.Command(filepath.Join(bin, "basalt"), append([]string{"serve", "--set", "server.address=" + addr, "--set", "lifecycle.enabled=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	basalttest.KeepLog(cmd, &out, logscan.Create(t, "basalt"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("basalt's output:\n%s", out.String())
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
	}
	t.Fatalf("basalt did not get ready at %s", base)
	return ""
}

// call sends a JSON request and decodes a JSON answer into out, if not nil.
func call(t *testing.T, method, url, body string, out any) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, data)
		}
	}
	return resp.StatusCode, data
}

// runningPods lists the pods of namespace that run on a kwok node.
func runningPods(t *testing.T, env *testenv.Env, namespace string) []string {
	client, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, env.KubeServer+"/api/v1/namespaces/"+namespace+"/pods", nil)
	req.Header.Set("Authorization", "Bearer "+env.KubeToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Spec     struct{ NodeName string }
			Status   struct{ Phase string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list.Items {
		if p.Status.Phase == "Running" && strings.HasPrefix(p.Spec.NodeName, "kwok-") {
			names = append(names, p.Metadata.Name)
		}
	}
	return names
}
