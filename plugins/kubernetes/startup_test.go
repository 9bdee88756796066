package kubernetes_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// TestStartingCluster configures the region before its cluster exists, as make run does while
// the sandbox is built: Configure succeeds, calls answer unavailable in the words of the
// progress file until the ready file appears, then work; when the ready file goes, calls wait
// again; when the cluster is set up again, or anew while the region is connected (another
// address each time), the region connects to the new one.
func TestStartingCluster(t *testing.T) {
	env := testenv.Require(t)
	kubeconfig, err := os.ReadFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config, ready, progress := filepath.Join(dir, "kubeconfig"), filepath.Join(dir, "env"), filepath.Join(dir, "progress")
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// setUp writes what a new set-up writes: a kubeconfig reaching the API server through its
	// own address, then the ready file, dated at so that each set-up is told from the last.
	target := strings.TrimPrefix(env.KubeServer, "https://")
	setUp := func(at time.Time) *cuttableProxy {
		t.Helper()
		proxy := startProxy(t, target)
		write(config, strings.ReplaceAll(string(kubeconfig), env.KubeServer, "https://"+proxy.addr))
		write(ready, "up\n")
		if err := os.Chtimes(ready, at, at); err != nil {
			t.Fatal(err)
		}
		return proxy
	}
	write(progress, "building image jupyter ...\nmore lines are not shown\n")

	p, client := newRegion(t, map[string]any{"kubeconfig": config,
		"startup": map[string]any{"readyFile": ready, "progressFile": progress}})
	ctx := t.Context()
	erin := sdk.Caller{Username: unique("erin-")}
	project := sdk.Project{ID: "user-" + erin.Username}
	dropNamespace(t, client, project.ID)
	onboard := func() error {
		_, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: erin, Project: project})
		return err
	}
	expectUnavailable := func(when, want string) {
		t.Helper()
		err := onboard()
		if !errors.Is(err, sdk.ErrUnavailable) || err.Error() != want {
			t.Errorf("Onboard %s: %v, want ErrUnavailable %q", when, err, want)
		}
	}

	expectUnavailable("while the cluster is built", "the cluster is still starting: building image jupyter ...; try again in a minute")
	write(progress, "failed: kube-apiserver exited; see .cache/sandbox/up.log\n")
	expectUnavailable("after the set-up failed", "the cluster could not be set up: kube-apiserver exited; see .cache/sandbox/up.log")
	if err := os.Remove(progress); err != nil {
		t.Fatal(err)
	}
	expectUnavailable("without progress", "the cluster is still starting; try again in a minute")

	first := setUp(time.Now().Add(-time.Minute))
	if err := onboard(); err != nil {
		t.Fatalf("Onboard once the cluster is ready: %v", err)
	}

	if err := os.Remove(ready); err != nil {
		t.Fatal(err)
	}
	write(progress, "starting kube-apiserver\n")
	expectUnavailable("once the cluster is stopped", "the cluster is still starting: starting kube-apiserver; try again in a minute")

	first.cut()
	second := setUp(time.Now().Add(-30 * time.Second))
	if err := onboard(); err != nil {
		t.Fatalf("Onboard on the cluster set up again (the first address is closed): %v", err)
	}

	// Set up anew while the region is connected: the ready file is replaced, never missing.
	second.cut()
	setUp(time.Now())
	if err := onboard(); err != nil {
		t.Fatalf("Onboard once the ready file was replaced (the second address is closed): %v", err)
	}
	if _, err := p.Quota(ctx, sdk.QuotaRequest{Caller: erin, Project: project}); err != nil {
		t.Errorf("Quota on the cluster set up anew: %v", err)
	}
}
