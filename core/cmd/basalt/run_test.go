package main

import (
	"bytes"
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
	code := m.Run()
	basalttest.RemoveBuilds()
	os.Exit(code)
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
	services := base + "/api/v1/projects/user-" + user + "/services"

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
	pods := runningPods(t, env, "user-"+user)
	if len(pods) != 1 || !strings.HasPrefix(pods[0], id+"-") {
		t.Fatalf("pods running on kwok nodes in user-%s: %v, want one of %s", user, pods, id)
	}

	if code, body := call(t, http.MethodDelete, services+"/"+id, "", nil); code != http.StatusOK {
		t.Fatalf("delete: %d %s", code, body)
	}
	var list struct{ Services []struct{ ID string } }
	if code, body := call(t, http.MethodGet, services, "", &list); code != http.StatusOK || len(list.Services) != 0 {
		t.Fatalf("after delete: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(own, "data", "secrets.enc")); err != nil {
		t.Errorf("the test's basalt keeps no secrets store of its own: %v", err)
	}
	if portal != "" {
		if code, body := call(t, http.MethodGet, portal+"/readyz", "", nil); code != http.StatusOK {
			t.Errorf("the make run beside the test no longer serves: %d %s", code, body)
		}
	}
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
		"basalt-plugin-kubernetes")
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
