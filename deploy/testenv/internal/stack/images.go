package stack

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The images the sandbox's real node runs, built from Debian packages by mmdebstrap and
// written as OCI layouts by tools/imagebuild, then pushed into the sandbox's registry under
// the names the charts use (MirrorRef). Charts naming anything else stay on kwok nodes.

// PauseImage is the pod sandbox image the node's containerd is configured with.
const PauseImage = "registry.k8s.io/pause:3.10.1"

// imagebuildComponent is tools/imagebuild. Pure Go (no cgo through the network or user
// lookups), it links statically: the pause image holds this binary alone.
var imagebuildComponent = component{name: "imagebuild", part: "node", version: "ggcr-v0.22.1", pkg: ".", tags: "netgo,osusergo"}

// debianMirror serves every Debian image; nothing else is fetched from outside.
const debianMirror = "http://deb.debian.org/debian"

//go:embed images
var imageFiles embed.FS

// imageRecipe is one image: a Debian root file system and the configuration around it.
type imageRecipe struct {
	name  string   // cache directory, progress lines, and its folder under images/
	names []string // what charts call it, each pushed (MirrorRef)
	pause bool     // the pause image: imagebuild's own binary, no Debian

	suite    string   // Debian release
	packages []string // installed without their recommendations
	skip     []string // mmdebstrap steps to skip (--skip)
	// Scripts in images/<name>/ run as mmdebstrap hooks, outside the root file system,
	// with its path as $1: essential.sh before the packages are installed, customize.sh after.

	entrypoint, cmd []string
	env             []string
	user, workdir   string
	ports           []string
	stopSignal      string
}

// Trixie rather than bookworm: its boto3 (1.37) reads AWS_ENDPOINT_URL, which the Jupyter
// chart sets and bookworm's (1.26) ignores, and its PostgreSQL is 17, the version the
// chart's image names (bookworm has 15).
var imageRecipes = []imageRecipe{
	{
		name:  "jupyter",
		names: []string{"quay.io/jupyter/base-notebook:python-3.12", "quay.io/jupyter/base-notebook:python-3.11", "quay.io/jupyter/scipy-notebook:python-3.12"},
		suite: "trixie",
		// jupyter-notebook rather than jupyterlab: Debian's JupyterLab brings Node.js and its
		// build tools, 1.4 GB installed against 0.56 GB.
		packages: []string{"jupyter-notebook", "python3-ipykernel", "python3-boto3", "python3-pandas",
			"bash", "ca-certificates", "git", "tini"},
		// tini reaps the kernels' children and execs the chart's command, as upstream's does.
		entrypoint: []string{"/usr/bin/tini", "-g", "--"},
		cmd:        []string{"start-notebook.py"},
		env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"HOME=/home/jovyan", "SHELL=/bin/bash", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
			"NB_USER=jovyan", "NB_UID=1000", "NB_GID=100", "JUPYTER_PORT=8888"},
		user:    "1000",
		workdir: "/home/jovyan",
		ports:   []string{"8888/tcp"},
	},
	{
		name:     "postgres",
		names:    []string{"postgres:17"},
		suite:    "trixie",
		packages: []string{"postgresql-17"},
		// mmdebstrap empties /run after the hooks; customize.sh keeps /run/postgresql alone.
		skip: []string{"cleanup/run"},
		// The entry point starts as root to own $PGDATA, then runs the server as postgres.
		entrypoint: []string{"docker-entrypoint.sh"},
		cmd:        []string{"postgres"},
		env: []string{"PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"PGDATA=/var/lib/postgresql/data", "PG_MAJOR=17", "LANG=C.UTF-8"},
		ports: []string{"5432/tcp"},
		// A fast shutdown: the default (SIGTERM) waits for every client to leave.
		stopSignal: "SIGINT",
	},
	{name: "pause", names: []string{PauseImage}, pause: true},
}

// SandboxImages are the names, as the charts write them, of the images the sandbox's
// registry serves: pods that use only these may run on the real node.
func SandboxImages() []string {
	var names []string
	for _, r := range imageRecipes {
		if !r.pause {
			names = append(names, r.names...)
		}
	}
	return names
}

// MirrorRef is where the sandbox's registry keeps ref: registry/host/path:tag, with ref
// normalised as containerd reads it (no host: docker.io; one path element on docker.io:
// library/; no tag or digest: latest; a digest wins over a tag). The node's containerd
// maps each host to registry/v2/host/, so a pull of ref finds it there.
func MirrorRef(registry, ref string) string {
	name, suffix := ref, ":latest"
	if at := strings.LastIndex(name, "@"); at >= 0 {
		name, suffix = name[:at], name[at:]
		if colon := strings.LastIndex(name, ":"); colon > strings.LastIndex(name, "/") {
			name = name[:colon] // containerd pulls by the digest alone
		}
	} else if colon := strings.LastIndex(name, ":"); colon > strings.LastIndex(name, "/") {
		name, suffix = name[:colon], name[colon:]
	}
	host, rest, found := strings.Cut(name, "/")
	if !found || (!strings.ContainsAny(host, ".:") && host != "localhost") {
		host, rest = "docker.io", name
	}
	if host == "index.docker.io" {
		host = "docker.io"
	}
	if host == "docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	return registry + "/" + host + "/" + rest + suffix
}

// imageDir is where recipe's OCI layout is cached: the directory name carries a digest of
// everything the image is made from, so a changed recipe, script or imagebuild builds anew.
func (l Layout) imageDir(recipe imageRecipe, bins Binaries) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%q|%v|%s|%q|%q|%q|%q|%q|%s|%s|%q|%s|%s\n", recipe.names, recipe.pause, recipe.suite,
		recipe.packages, recipe.skip, recipe.entrypoint, recipe.cmd, recipe.env, recipe.user, recipe.workdir,
		recipe.ports, recipe.stopSignal, debianMirror)
	fmt.Fprintf(h, "%q\n", mmdebstrapShrink)
	// The binary's path carries imagebuild's version and recipe digest (binPath).
	fmt.Fprintf(h, "%s\n", bins["imagebuild"])
	files, err := recipe.files()
	if err != nil {
		return "", err
	}
	for _, f := range files {
		data, err := imageFiles.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", f, len(data))
		h.Write(data)
	}
	key := hex.EncodeToString(h.Sum(nil))[:12]
	return filepath.Join(l.Root, ".cache/images", recipe.name+"-"+key), nil
}

// files are the recipe's scripts under images/, in a stable order.
func (r imageRecipe) files() ([]string, error) {
	entries, err := imageFiles.ReadDir(path.Join("images", r.name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		files = append(files, path.Join("images", r.name, e.Name()))
	}
	return files, nil
}

// mmdebstrapShrink leaves out of every image what nobody reads in a container: manuals,
// documentation (but its copyright notices) and translations.
var mmdebstrapShrink = []string{
	`--aptopt=APT::Install-Recommends "false"`,
	"--dpkgopt=path-exclude=/usr/share/man/*",
	"--dpkgopt=path-exclude=/usr/share/info/*",
	"--dpkgopt=path-exclude=/usr/share/doc/*",
	"--dpkgopt=path-include=/usr/share/doc/*/copyright",
	"--dpkgopt=path-exclude=/usr/share/locale/*",
}

// BuildImages builds every image whose layout is not cached yet, printing a line per
// image with the time it took and its size. It needs imagebuild among bins, and mmdebstrap,
// which it installs with apt-get when it is missing.
func BuildImages(ctx context.Context, l Layout, bins Binaries, out io.Writer) error {
	if bins["imagebuild"] == "" {
		return errors.New("building images needs imagebuild: build the node part")
	}
	for _, recipe := range imageRecipes {
		dir, err := l.imageDir(recipe, bins)
		if err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(dir, "index.json")); err == nil {
			continue
		}
		fmt.Fprintf(out, "testenv: building image %s ...\n", recipe.name)
		t0 := time.Now()
		if err := buildImage(ctx, l, recipe, bins["imagebuild"], dir); err != nil {
			return err
		}
		fmt.Fprintf(out, "testenv: built image %s in %s (%s)\n", recipe.name,
			time.Since(t0).Round(time.Second), megabytes(dirSize(dir)))
	}
	return nil
}

func buildImage(ctx context.Context, l Layout, recipe imageRecipe, imagebuild, dir string) error {
	if err := os.MkdirAll(l.State, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(l.State, "build-image-"+recipe.name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	run := func(name string, args ...string) error {
		fmt.Fprintf(logf, "+ %s %s\n", name, strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, name, args...)
		// Stopped (a down during the build), mmdebstrap gets the time to unmount what it mounted.
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		cmd.WaitDelay = 30 * time.Second
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building image %s: %s failed (%v); see %s:\n%s", recipe.name, name, err, logPath, tail(logPath, 20))
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	if recipe.pause {
		return run(imagebuild, "pause-image", "-out", dir)
	}
	if err := ensureMmdebstrap(run); err != nil {
		return err
	}
	work, err := os.MkdirTemp(filepath.Dir(dir), recipe.name+"-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	args := []string{"--variant=apt", "--format=tar", "--include=" + strings.Join(recipe.packages, ",")}
	args = append(args, mmdebstrapShrink...)
	for _, step := range recipe.skip {
		args = append(args, "--skip="+step)
	}
	files, err := recipe.files()
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := imageFiles.ReadFile(f)
		if err != nil {
			return err
		}
		local := filepath.Join(work, path.Base(f))
		if err := os.WriteFile(local, data, 0o755); err != nil {
			return err
		}
		switch path.Base(f) {
		case "essential.sh":
			args = append(args, "--essential-hook=sh '"+local+`' "$1"`)
		case "customize.sh":
			args = append(args, "--customize-hook=sh '"+local+`' "$1"`)
		}
	}
	rootfs := filepath.Join(work, "rootfs.tar")
	args = append(args, recipe.suite, rootfs, "deb "+debianMirror+" "+recipe.suite+" main",
		"deb "+debianMirror+" "+recipe.suite+"-updates main",
		"deb "+debianMirror+"-security "+recipe.suite+"-security main")
	// Packages come from Debian's mirror over the network: one dropped connection is worth a
	// second try before the whole environment fails.
	err = run("mmdebstrap", args...)
	if err != nil && ctx.Err() == nil {
		fmt.Fprintf(logf, "testenv: mmdebstrap failed; trying once more\n")
		err = run("mmdebstrap", args...)
	}
	if err != nil {
		return err
	}
	image := []string{"image", "-rootfs", rootfs, "-out", dir, "-user", recipe.user, "-workdir", recipe.workdir,
		"-stop-signal", recipe.stopSignal}
	for _, list := range []struct {
		flag string
		args []string
	}{{"-entrypoint", recipe.entrypoint}, {"-cmd", recipe.cmd}} {
		if len(list.args) > 0 {
			j, _ := json.Marshal(list.args)
			image = append(image, list.flag, string(j))
		}
	}
	for _, e := range recipe.env {
		image = append(image, "-env", e)
	}
	for _, p := range recipe.ports {
		image = append(image, "-port", p)
	}
	return run(imagebuild, image...)
}

// ensureMmdebstrap installs Debian's mmdebstrap when it is missing, as the Makefile
// installs protoc: apt-get as root, through sudo otherwise.
func ensureMmdebstrap(run func(string, ...string) error) error {
	if _, err := exec.LookPath("mmdebstrap"); err == nil {
		return nil
	}
	aptGet := []string{"apt-get"}
	if os.Geteuid() != 0 {
		aptGet = []string{"sudo", "apt-get"}
	}
	if err := run(aptGet[0], append(aptGet[1:], "update", "-qq")...); err != nil {
		return err
	}
	return run(aptGet[0], append(aptGet[1:], "install", "-y", "-qq", "mmdebstrap")...)
}

// pushImages pushes every image into the sandbox's registry under its MirrorRef names.
// The registry's storage is new at each up; the layouts are cached, so this is a copy
// on the machine.
func (r *run) pushImages(ctx context.Context) error {
	imagebuild := r.bins["imagebuild"]
	if imagebuild == "" {
		return errors.New("pushing images needs imagebuild: build the node part")
	}
	for _, recipe := range imageRecipes {
		t0 := time.Now()
		dir, err := r.l.imageDir(recipe, r.bins)
		if err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
			return fmt.Errorf("image %s is not built (%s): run `testenv build`", recipe.name, dir)
		}
		args := []string{"push", "-layout", dir}
		for _, n := range recipe.names {
			args = append(args, "-ref", MirrorRef(r.env.Registry, n))
		}
		if out, err := exec.CommandContext(ctx, imagebuild, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("pushing image %s: %v\n%s", recipe.name, err, out)
		}
		r.logf("testenv: pushed image %s in %s", recipe.name, time.Since(t0).Round(100*time.Millisecond))
	}
	return nil
}

// dirSize is the size of the files under dir, 0 if it cannot be read.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func megabytes(n int64) string { return fmt.Sprintf("%d MB", (n+500_000)/1_000_000) }
