package stack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

func TestMirrorRef(t *testing.T) {
	const reg = "127.0.0.1:5000"
	for ref, want := range map[string]string{
		"postgres:17":                                       "127.0.0.1:5000/docker.io/library/postgres:17",
		"postgres":                                          "127.0.0.1:5000/docker.io/library/postgres:latest",
		"docker.io/postgres:17":                             "127.0.0.1:5000/docker.io/library/postgres:17",
		"index.docker.io/library/postgres:17":               "127.0.0.1:5000/docker.io/library/postgres:17",
		"bitnami/postgresql:17":                             "127.0.0.1:5000/docker.io/bitnami/postgresql:17",
		"quay.io/jupyter/base-notebook:python-3.12":         "127.0.0.1:5000/quay.io/jupyter/base-notebook:python-3.12",
		"registry.k8s.io/pause:3.10.1":                      "127.0.0.1:5000/registry.k8s.io/pause:3.10.1",
		"localhost/team/app:v1":                             "127.0.0.1:5000/localhost/team/app:v1",
		"ghcr.io/org/app@sha256:" + strings.Repeat("a", 64): "127.0.0.1:5000/ghcr.io/org/app@sha256:" + strings.Repeat("a", 64),
		// A digest wins over a tag, as containerd pulls.
		"postgres:17@sha256:" + strings.Repeat("b", 64): "127.0.0.1:5000/docker.io/library/postgres@sha256:" + strings.Repeat("b", 64),
	} {
		if got := MirrorRef(reg, ref); got != want {
			t.Errorf("MirrorRef(%q) = %q, want %q", ref, got, want)
		}
	}
}

// The names the sandbox serves are names the default catalog's charts use, and each
// chart's default is among them: otherwise the default services stay simulated.
func TestSandboxImagesAreTheCatalogs(t *testing.T) {
	root := repoRoot(t)
	used := map[string]bool{}
	var defaults []string
	for _, chart := range []string{"jupyter", "postgresql"} {
		data, err := os.ReadFile(filepath.Join(root, "config/catalog", chart, "values.schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		var schema struct {
			Properties struct {
				Service struct {
					Properties struct {
						Image struct {
							Properties struct {
								Version struct {
									Default  string   `json:"default"`
									ListEnum []string `json:"listEnum"`
								} `json:"version"`
							} `json:"properties"`
						} `json:"image"`
					} `json:"properties"`
				} `json:"service"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(data, &schema); err != nil {
			t.Fatalf("%s: %v", chart, err)
		}
		v := schema.Properties.Service.Properties.Image.Properties.Version
		if v.Default == "" {
			t.Fatalf("%s: no default image in values.schema.json", chart)
		}
		defaults = append(defaults, v.Default)
		for _, n := range append(v.ListEnum, v.Default) {
			used[n] = true
		}
	}
	served := SandboxImages()
	for _, n := range served {
		if !used[n] {
			t.Errorf("the sandbox serves %q, which no default chart offers", n)
		}
	}
	for _, d := range defaults {
		if !slices.Contains(served, d) {
			t.Errorf("the default image %q is not served by the sandbox", d)
		}
	}
	if slices.Contains(served, PauseImage) {
		t.Errorf("SandboxImages lists the pause image, which no chart names")
	}
}

// An image made from a root file system tar reaches the registry under two names and
// reads back with its configuration and its files, device nodes left out.
func TestImageBuiltPushedAndReadBack(t *testing.T) {
	registry := runningRegistry(t)
	imagebuild := imagebuildBinary(t)
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs.tar")
	hello := "#!/bin/sh\necho hello from the sandbox\n"
	writeTar(t, rootfs, []tar.Header{
		{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./bin/hello", Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(hello))},
		{Name: "./bin/hi", Typeflag: tar.TypeSymlink, Linkname: "hello"},
		{Name: "./dev/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "./dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3},
		{Name: "./home/jovyan/", Typeflag: tar.TypeDir, Mode: 0o2775, Uid: 1000, Gid: 100},
	}, map[string]string{"./bin/hello": hello})

	layoutDir := filepath.Join(dir, "layout")
	runTool(t, imagebuild, "image", "-rootfs", rootfs, "-out", layoutDir,
		"-entrypoint", `["/usr/bin/tini","-g","--"]`, "-cmd", `["start-notebook.py"]`,
		"-env", "HOME=/home/jovyan", "-env", "NB_UID=1000", "-user", "1000", "-workdir", "/home/jovyan",
		"-port", "8888/tcp", "-stop-signal", "SIGINT")

	tag := "t" + randomHex(t)
	refs := []string{"example.org/basalt-tests/tiny:" + tag, "tiny-" + tag + ":" + tag}
	push := []string{"push", "-layout", layoutDir}
	for _, r := range refs {
		push = append(push, "-ref", MirrorRef(registry, r))
	}
	runTool(t, imagebuild, push...)

	img := readImage(t, registry, refs[0])
	again := readImage(t, registry, refs[1])
	if img.digest != again.digest {
		t.Errorf("the two names hold different manifests: %s and %s", img.digest, again.digest)
	}
	c := img.config
	if c.OS != "linux" || c.Architecture != "amd64" {
		t.Errorf("platform %s/%s, want linux/amd64", c.OS, c.Architecture)
	}
	wantConfig := imageConfig{
		Entrypoint: []string{"/usr/bin/tini", "-g", "--"}, Cmd: []string{"start-notebook.py"},
		Env: []string{"HOME=/home/jovyan", "NB_UID=1000"}, User: "1000", WorkingDir: "/home/jovyan",
		ExposedPorts: map[string]struct{}{"8888/tcp": {}}, StopSignal: "SIGINT",
	}
	if !reflect.DeepEqual(c.Config, wantConfig) {
		t.Errorf("config\n got %+v\nwant %+v", c.Config, wantConfig)
	}
	files := img.files
	if files["bin/hello"].content != hello || files["bin/hello"].mode != 0o755 {
		t.Errorf("bin/hello = %+v", files["bin/hello"])
	}
	if files["bin/hi"].link != "hello" {
		t.Errorf("bin/hi = %+v, want a link to hello", files["bin/hi"])
	}
	if f := files["home/jovyan"]; f.uid != 1000 || f.gid != 100 {
		t.Errorf("home/jovyan owned by %d:%d, want 1000:100", f.uid, f.gid)
	}
	if _, ok := files["dev"]; !ok {
		t.Errorf("the dev folder is missing")
	}
	if _, ok := files["dev/null"]; ok {
		t.Errorf("the device node dev/null reached the image")
	}
}

// The pause image is imagebuild itself at /pause, a static binary, and nothing else.
func TestPauseImage(t *testing.T) {
	registry := runningRegistry(t)
	imagebuild := imagebuildBinary(t)
	f, err := elf.Open(imagebuild)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("imagebuild is linked dynamically: the pause image would hold a binary that cannot start")
		}
	}
	f.Close()
	layoutDir := filepath.Join(t.TempDir(), "pause")
	runTool(t, imagebuild, "pause-image", "-out", layoutDir)
	ref := "registry.k8s.io/basalt-tests/pause:t" + randomHex(t)
	runTool(t, imagebuild, "push", "-layout", layoutDir, "-ref", MirrorRef(registry, ref))
	img := readImage(t, registry, ref)
	if !slices.Equal(img.config.Config.Entrypoint, []string{"/pause"}) {
		t.Errorf("entrypoint %q, want [/pause]", img.config.Config.Entrypoint)
	}
	bin, err := os.ReadFile(imagebuild)
	if err != nil {
		t.Fatal(err)
	}
	if len(img.files) != 1 || img.files["pause"].content != string(bin) || img.files["pause"].mode != 0o755 {
		names := make([]string, 0, len(img.files))
		for n := range img.files {
			names = append(names, n)
		}
		t.Errorf("the pause image holds %q; want pause alone, executable, the imagebuild binary", names)
	}
}

// pause, as PID 1 of a PID namespace, reaps the orphans it inherits and exits on SIGTERM.
func TestPauseReapsOrphansAndStops(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root, to give pause a PID namespace of its own")
	}
	imagebuild := imagebuildBinary(t)
	cmd := exec.Command(imagebuild)
	cmd.Args = []string{"pause"} // dispatched on argv[0], as the image's entrypoint /pause is
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	pid := cmd.Process.Pid

	// A shell in pause's namespace leaves a sleep behind: the sleep becomes pause's child.
	// (Its output goes elsewhere, or CombinedOutput would wait for it to end.)
	if out, err := exec.Command("nsenter", "-t", strconv.Itoa(pid), "-p", "sh", "-c", "sleep 1 >/dev/null 2>&1 & exit").CombinedOutput(); err != nil {
		t.Fatalf("nsenter: %v\n%s", err, out)
	}
	// Orphans are handed to any of pause's threads: read each thread's children.
	children := func() string {
		threads, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
		var all []string
		for _, f := range threads {
			data, _ := os.ReadFile(f)
			all = append(all, strings.Fields(string(data))...)
		}
		return strings.Join(all, " ")
	}
	if children() == "" {
		t.Fatal("the orphaned sleep did not become pause's child")
	}
	deadline := time.Now().Add(5 * time.Second)
	for children() != "" {
		if time.Now().After(deadline) {
			t.Fatalf("pause left its exited child %s unreaped", children())
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("pause exited with %v on SIGTERM, want 0", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pause still runs 5 s after SIGTERM")
	}
}

// runningRegistry is the test environment's registry (host:port).
func runningRegistry(t *testing.T) string {
	t.Helper()
	env := testenv.Require(t)
	if env.Registry == "" {
		t.Fatal("the test environment runs no registry (started with -only?)")
	}
	return env.Registry
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// imagebuildBinary builds tools/imagebuild into the cache as Build does, unless it is there.
func imagebuildBinary(t *testing.T) string {
	t.Helper()
	l := NewLayout(repoRoot(t))
	path, err := l.binPath(imagebuildComponent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		return path
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := buildOne(ctx, l, imagebuildComponent, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func runTool(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), args[0], err, out)
	}
}

func writeTar(t *testing.T, path string, headers []tar.Header, contents map[string]string) {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range headers {
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, contents[h.Name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// imageConfig is the part of an OCI image configuration the recipes set.
type imageConfig struct {
	Entrypoint   []string            `json:"Entrypoint"`
	Cmd          []string            `json:"Cmd"`
	Env          []string            `json:"Env"`
	User         string              `json:"User"`
	WorkingDir   string              `json:"WorkingDir"`
	ExposedPorts map[string]struct{} `json:"ExposedPorts"`
	StopSignal   string              `json:"StopSignal"`
}

type pulledFile struct {
	content, link string
	mode          int64
	uid, gid      int
}

type pulledImage struct {
	digest string
	config struct {
		OS           string      `json:"os"`
		Architecture string      `json:"architecture"`
		Config       imageConfig `json:"config"`
		RootFS       struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	files map[string]pulledFile // by path without "./", folders without their "/"
}

// readImage pulls ref from the registry through its HTTP API, as containerd would under the
// mirrored name, checking every digest on the way.
func readImage(t *testing.T, registry, ref string) pulledImage {
	t.Helper()
	mirrored := strings.TrimPrefix(MirrorRef(registry, ref), registry+"/")
	repo, tag, _ := strings.Cut(mirrored, ":")
	manifestData, header := registryGet(t, registry, repo, "manifests/"+tag, "application/vnd.oci.image.manifest.v1+json")
	var manifest struct {
		MediaType string `json:"mediaType"`
		Config    struct {
			Digest string `json:"digest"`
		} `json:"config"`
		Layers []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(manifestData, &manifest); err != nil {
		t.Fatalf("manifest of %s: %v", ref, err)
	}
	if manifest.MediaType != "application/vnd.oci.image.manifest.v1+json" || len(manifest.Layers) != 1 ||
		manifest.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Fatalf("manifest of %s: %s", ref, manifestData)
	}
	img := pulledImage{digest: header.Get("Docker-Content-Digest"), files: map[string]pulledFile{}}
	configData, _ := registryGet(t, registry, repo, "blobs/"+manifest.Config.Digest, "")
	if err := json.Unmarshal(configData, &img.config); err != nil {
		t.Fatalf("config of %s: %v", ref, err)
	}
	layer, _ := registryGet(t, registry, repo, "blobs/"+manifest.Layers[0].Digest, "")
	gz, err := gzip.NewReader(bytes.NewReader(layer))
	if err != nil {
		t.Fatal(err)
	}
	uncompressed, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	if diffID := fmt.Sprintf("sha256:%x", sha256.Sum256(uncompressed)); !slices.Equal(img.config.RootFS.DiffIDs, []string{diffID}) {
		t.Errorf("config's diff_ids %q, want the layer's %s", img.config.RootFS.DiffIDs, diffID)
	}
	tr := tar.NewReader(bytes.NewReader(uncompressed))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		content, _ := io.ReadAll(tr)
		name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		if name != "" {
			img.files[name] = pulledFile{content: string(content), link: h.Linkname, mode: h.Mode, uid: h.Uid, gid: h.Gid}
		}
	}
	return img
}

func registryGet(t *testing.T, registry, repo, path, accept string) ([]byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+registry+"/v2/"+repo+"/"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", req.URL, resp.Status, data)
	}
	if strings.HasPrefix(path, "blobs/") {
		want := strings.TrimPrefix(path, "blobs/")
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256(data)); got != want {
			t.Fatalf("GET %s: content digest %s", req.URL, got)
		}
	}
	return data, resp.Header
}
