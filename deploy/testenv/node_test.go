package testenv_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/deploy/testenv/internal/stack"
)

// The pod sandbox image the real node's containerd uses; the sandbox builds and serves it.
const pauseImage = stack.PauseImage

// podOn is where a pod landed and what runs it.
type podOn struct {
	node, ip, containerID string
	running               bool
}

func (k *kube) podOn(ns, name string) (podOn, error) {
	var p struct {
		Spec   struct{ NodeName string }
		Status struct {
			Phase             string
			PodIP             string
			ContainerStatuses []struct{ ContainerID string }
		}
	}
	if err := k.call(http.MethodGet, "/api/v1/namespaces/"+ns+"/pods/"+name, nil, &p); err != nil {
		return podOn{}, err
	}
	on := podOn{node: p.Spec.NodeName, ip: p.Status.PodIP, running: p.Status.Phase == "Running"}
	if len(p.Status.ContainerStatuses) > 0 {
		on.containerID = p.Status.ContainerStatuses[0].ContainerID
	}
	return on, nil
}

func (k *kube) runPod(t *testing.T, ns, name, image string) podOn {
	t.Helper()
	k.must(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/pods", map[string]any{
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{"containers": []map[string]any{{"name": "main", "image": image}},
			"terminationGracePeriodSeconds": 1},
	}, nil)
	var on podOn
	k.eventually(t, 90*time.Second, func() error {
		var err error
		if on, err = k.podOn(ns, name); err != nil {
			return err
		}
		if !on.running {
			return fmt.Errorf("pod %s/%s is not running yet (node %q)", ns, name, on.node)
		}
		return nil
	})
	return on
}

// realNamespace creates a namespace whose pods may run on the real node.
func (k *kube) realNamespace(t *testing.T, prefix string) string {
	t.Helper()
	ns := k.namespace(t, prefix)
	// Labels are set after creation, as a test of Basalt would on a namespace Basalt made.
	var obj map[string]any
	k.must(t, http.MethodGet, "/api/v1/namespaces/"+ns, nil, &obj)
	obj["metadata"].(map[string]any)["labels"] = map[string]string{stack.RealWorkloadsLabel: "true"}
	k.must(t, http.MethodPut, "/api/v1/namespaces/"+ns, obj, nil)
	return ns
}

func TestRealNodeRunsWhatTheSandboxServes(t *testing.T) {
	env := testenv.Require(t)
	if env.RealNode == "" {
		t.Fatal("the environment has no real node (BASALT_TESTENV_REAL_NODE is empty)")
	}
	k := newKube(t, env)
	ns := k.realNamespace(t, "proof-real")

	real := k.runPod(t, ns, "served", pauseImage)
	if real.node != env.RealNode || !strings.HasPrefix(real.containerID, "containerd://") {
		t.Errorf("a pod of a served image runs on %q as %q, want %s and a containerd container", real.node, real.containerID, env.RealNode)
	}
	_, subnet, _ := net.ParseCIDR(env.PodHostIP + "/24")
	if ip := net.ParseIP(real.ip); ip == nil || !subnet.Contains(ip) || real.ip == env.PodHostIP {
		t.Errorf("the real pod's address %q is not a pod address of the bridge's subnet %s", real.ip, subnet)
	}
	simulated := k.runPod(t, ns, "unserved", "example.org/not-built-here:1")
	if !strings.HasPrefix(simulated.node, "kwok-") {
		t.Errorf("a pod of an image the sandbox does not serve runs on %q, want a kwok node", simulated.node)
	}
	plain := k.runPod(t, k.namespace(t, "proof-unlabelled"), "served", pauseImage)
	if !strings.HasPrefix(plain.node, "kwok-") {
		t.Errorf("a pod of a namespace not labelled for real workloads runs on %q, want a kwok node", plain.node)
	}
}

// TestDownLeavesNothingBehind starts an environment of its own with a real node, runs a pod
// there, stops it, and looks for what could remain: processes, mounts, the bridge, cgroups.
func TestDownLeavesNothingBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an environment of its own")
	}
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "testenv")
	build := exec.Command("go", "build", "-o", bin, "./cmd/testenv")
	build.Env = append(os.Environ(), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building testenv: %v\n%s", err, out)
	}
	state := filepath.Join(t.TempDir(), "state")
	layout := stack.Layout{Root: root, State: state}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(bin, append(args, "-root", root, "-state", state)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("testenv %s: %v\n%s", args[0], err, out)
		}
	}
	down := false
	t.Cleanup(func() {
		if !down {
			_ = exec.Command(bin, "down", "-root", root, "-state", state).Run()
		}
	})
	run("up", "-only", "kube,registry,node", "-real-workloads", "everywhere")
	env, err := testenv.Load(filepath.Join(state, "env"))
	if err != nil {
		t.Fatal(err)
	}
	k := newKube(t, env)
	on := k.runPod(t, "default", "doomed", pauseImage)
	if on.node != env.RealNode {
		t.Fatalf("the pod runs on %q, want the real node %s", on.node, env.RealNode)
	}
	bridge := bridgeOf(t, env.PodHostIP)
	run("down")
	down = true

	if mounts := mountsUnder(t, state); len(mounts) > 0 {
		t.Errorf("mounted after down: %v", mounts)
	}
	if _, err := net.InterfaceByName(bridge); err == nil {
		t.Errorf("the bridge %s is still there after down", bridge)
	}
	if procs := processesMentioning(t, state); len(procs) > 0 {
		t.Errorf("processes left after down: %v", procs)
	}
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*/basalt-*")
	for _, c := range cgroups {
		// The suite's own environment has a cgroup too: only this state's must be gone.
		if data, err := os.ReadFile(filepath.Join(c, "cgroup.procs")); err == nil && filepath.Base(c) == layout.NodeCgroup() {
			t.Errorf("cgroup %s left after down (procs %q)", c, data)
		}
	}
}

// bridgeOf names the interface holding the address ip.
func bridgeOf(t *testing.T, ip string) string {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifaces {
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if strings.HasPrefix(a.String(), ip+"/") {
				return i.Name
			}
		}
	}
	t.Fatalf("no interface has the pod network's host address %s", ip)
	return ""
}

func mountsUnder(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 && strings.HasPrefix(fields[4], dir) {
			out = append(out, fields[4])
		}
	}
	return out
}

// processesMentioning lists the processes whose command line names dir.
func processesMentioning(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmdline), dir) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}
