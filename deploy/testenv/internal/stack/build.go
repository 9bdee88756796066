// Package stack builds, starts, configures and stops the servers of the test
// environment. cmd/testenv is its only user; tests reach a running
// environment through package testenv.
package stack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// component is one binary built from a tool module under deploy/testenv/tools.
type component struct {
	name    string // also the tool module's directory and the binary's name
	part    string // the part of the environment that runs it (Options.Only)
	version string // what the binary is, as shown in progress lines and cache keys
	pkg     string // package to build, inside the tool module
	// pkgs, instead of pkg, builds several programs into one directory (binPath names the
	// directory): programs found by name, as containerd finds its shim and CNI plugins.
	pkgs    []string
	tags    string
	cgo     bool // needs cgo (Hydra's SQLite); others take the go command's default
	ldflags string
}

const kubeVersion = "v1.36.3"

// components are built in this order, one at a time: two cores are shared.
var components = []component{
	{
		name: "kube", part: "kube", version: kubeVersion + "-etcd-v3.6.8", pkg: ".",
		ldflags: "-X k8s.io/component-base/version.gitVersion=" + kubeVersion +
			" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36" +
			" -X k8s.io/component-base/version.gitTreeState=clean",
	},
	{name: "kwok", part: "kube", version: "v0.8.0", pkg: "sigs.k8s.io/kwok/cmd/kwok"},
	{name: "metrics-server", part: "kube", version: "v0.8.0", pkg: "sigs.k8s.io/metrics-server/cmd/metrics-server",
		ldflags: "-X k8s.io/client-go/pkg/version.gitVersion=v0.8.0"},
	// Its Kubernetes service discovery alone: the other discoveries' cloud SDKs are left out.
	{name: "prometheus", part: "prometheus", version: "v3.16.0", pkg: "github.com/prometheus/prometheus/cmd/prometheus",
		tags: "remove_all_sd,enable_kubernetes_sd", ldflags: "-X github.com/prometheus/common/version.Version=3.16.0"},
	{name: "hydra", part: "oidc", version: "v2.3.0", pkg: "github.com/ory/hydra/v2", tags: "sqlite", cgo: true},
	{name: "minio", part: "s3", version: "v0.0.0-20260212201848-7aac2a2c5b7c", pkg: "github.com/minio/minio"},
	{name: "vault", part: "vault", version: "v1.21.0", pkg: "github.com/hashicorp/vault"},
	{name: "registry", part: "registry", version: "v3.1.2", pkg: "github.com/distribution/distribution/v3/cmd/registry"},
	{name: "mailpit", part: "mail", version: "v1.33.1", pkg: "github.com/axllent/mailpit",
		ldflags: "-X github.com/axllent/mailpit/config.Version=v1.33.1"},
	// The real node: a kubelet (in the kube binary), containerd with its runc shim, runc (with
	// seccomp, through cgo and Debian's libseccomp), and the CNI plugins of its pod network.
	{name: "containerd", part: "node", version: "v2.4.2", pkgs: []string{
		"github.com/containerd/containerd/v2/cmd/containerd",
		"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2",
	}, ldflags: "-X github.com/containerd/containerd/v2/version.Version=v2.4.2"},
	{name: "runc", part: "node", version: "v1.5.3", pkg: "github.com/opencontainers/runc", tags: "seccomp", cgo: true,
		ldflags: "-X main.version=1.5.3"},
	{name: "cni", part: "node", version: "v1.10.0", pkgs: []string{
		"github.com/containernetworking/plugins/plugins/main/bridge",
		"github.com/containernetworking/plugins/plugins/ipam/host-local",
		"github.com/containernetworking/plugins/plugins/main/loopback",
	}},
	imagebuildComponent, // writes and pushes the node's images (images.go), and is their pause
	{name: "helm", part: "helm", version: "v3.22.0", pkg: "helm.sh/helm/v3/cmd/helm",
		ldflags: "-X helm.sh/helm/v3/internal/version.version=v3.22.0"},
}

// Binaries are the paths of the built components, by name.
type Binaries map[string]string

// binPath is where c's binary is cached: the directory name carries the
// version and a digest of the recipe, so a changed recipe builds anew.
func (l Layout) binPath(c component) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%v|%s\n", c.pkg, c.tags, c.ldflags, c.cgo, c.version)
	if len(c.pkgs) > 0 {
		fmt.Fprintf(h, "%s\n", strings.Join(c.pkgs, ","))
	}
	dir := filepath.Join(l.Root, "deploy/testenv/tools", c.name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", n, len(data))
		h.Write(data)
	}
	key := hex.EncodeToString(h.Sum(nil))[:12]
	dir = filepath.Join(l.Root, ".cache/bin", c.name+"-"+c.version+"-"+key)
	if len(c.pkgs) > 0 {
		return filepath.Join(dir, "bin"), nil
	}
	return filepath.Join(dir, c.name), nil
}

// Build builds every component whose binary is not cached yet, printing a line
// per component with the time it took. Parts, if any, limits it to the
// components of those parts of the environment (see Options.Only).
func Build(ctx context.Context, l Layout, out io.Writer, parts ...string) (Binaries, error) {
	bins := Binaries{}
	start := time.Now()
	built := 0
	for _, c := range components {
		if len(parts) > 0 && !slices.Contains(parts, c.part) {
			continue
		}
		path, err := l.binPath(c)
		if err != nil {
			return nil, err
		}
		bins[c.name] = path
		if _, err := os.Stat(path); err == nil {
			continue
		}
		fmt.Fprintf(out, "testenv: building %s %s ...\n", c.name, c.version)
		t0 := time.Now()
		if err := buildOne(ctx, l, c, path); err != nil {
			return nil, err
		}
		built++
		fmt.Fprintf(out, "testenv: built %s %s in %s\n", c.name, c.version, time.Since(t0).Round(time.Second))
	}
	if built > 0 {
		fmt.Fprintf(out, "testenv: built %d components in %s\n", built, time.Since(start).Round(time.Second))
	}
	if len(parts) == 0 || slices.Contains(parts, "node") {
		if err := BuildImages(ctx, l, bins, out); err != nil {
			return nil, err
		}
	}
	return bins, nil
}

func buildOne(ctx context.Context, l Layout, c component, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(l.State, "build-"+c.name+".log")
	if err := os.MkdirAll(l.State, 0o755); err != nil {
		return err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	tmp := path + ".tmp"
	out := tmp
	if len(c.pkgs) > 0 {
		if err := os.RemoveAll(tmp); err != nil {
			return err
		}
		out = tmp + "/" // the go command then writes one program per package into it
	}
	args := []string{"build", "-trimpath", "-ldflags", strings.TrimSpace("-s -w " + c.ldflags), "-o", out}
	if c.tags != "" {
		args = append(args, "-tags", c.tags)
	}
	if len(c.pkgs) > 0 {
		args = append(args, c.pkgs...)
	} else {
		args = append(args, c.pkg)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = filepath.Join(l.Root, "deploy/testenv/tools", c.name)
	// The tool modules stay out of Basalt's workspace; see tools/*/go.mod.
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false -mod=readonly")
	if c.cgo {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=1")
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building %s failed (%v); see %s:\n%s", c.name, err, logPath, tail(logPath, 20))
	}
	return os.Rename(tmp, path)
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
