package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// platform is the only one the sandbox's node runs.
var platform = v1.Platform{OS: "linux", Architecture: "amd64"}

// listFlag collects a flag given several times.
type listFlag []string

func (f *listFlag) String() string     { return strings.Join(*f, ",") }
func (f *listFlag) Set(v string) error { *f = append(*f, v); return nil }

// jsonListFlag is a JSON array of strings, as an image's entrypoint or cmd.
type jsonListFlag []string

func (f *jsonListFlag) String() string { b, _ := json.Marshal(*f); return string(b) }
func (f *jsonListFlag) Set(v string) error {
	if err := json.Unmarshal([]byte(v), (*[]string)(f)); err != nil {
		return fmt.Errorf("not a JSON array of strings: %v", err)
	}
	return nil
}

func imageCommand(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	rootfs := fs.String("rootfs", "", "root file system as a tar (mmdebstrap --format=tar)")
	out := fs.String("out", "", "OCI image layout to write (replaced)")
	var entrypoint, cmd jsonListFlag
	var env, ports listFlag
	fs.Var(&entrypoint, "entrypoint", `entrypoint, a JSON array: ["/usr/bin/tini","--"]`)
	fs.Var(&cmd, "cmd", "default arguments, a JSON array")
	fs.Var(&env, "env", "K=V, repeated")
	fs.Var(&ports, "port", "exposed port such as 8888/tcp, repeated")
	user := fs.String("user", "", "user (and group) the container runs as: 1000, 1000:100, postgres")
	workdir := fs.String("workdir", "", "working directory")
	stopSignal := fs.String("stop-signal", "", "signal that stops the container, such as SIGINT (default SIGTERM)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rootfs == "" || *out == "" {
		return errors.New("-rootfs and -out are required")
	}
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("-env %q: want NAME=VALUE", kv)
		}
	}
	exposed := map[string]struct{}{}
	for _, p := range ports {
		if !validPort(p) {
			return fmt.Errorf("-port %q: want a port number and a protocol, such as 8888/tcp", p)
		}
		exposed[p] = struct{}{}
	}
	src, err := os.Open(*rootfs)
	if err != nil {
		return err
	}
	defer src.Close()
	cfg := v1.Config{
		Entrypoint: entrypoint, Cmd: cmd, Env: env, User: *user, WorkingDir: *workdir, StopSignal: *stopSignal,
	}
	if len(exposed) > 0 {
		cfg.ExposedPorts = exposed
	}
	return writeImage(*out, src, cfg)
}

func validPort(p string) bool {
	num, proto, ok := strings.Cut(p, "/")
	if !ok || (proto != "tcp" && proto != "udp" && proto != "sctp") || num == "" {
		return false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func pauseImageCommand(args []string) error {
	fs := flag.NewFlagSet("pause-image", flag.ContinueOnError)
	out := fs.String("out", "", "OCI image layout to write (replaced)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-out is required")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		return err
	}
	var rootfs bytes.Buffer
	tw := tar.NewWriter(&rootfs)
	if err := tw.WriteHeader(&tar.Header{Name: "pause", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(bin); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	// The user Kubernetes' own pause image runs as: nobody needs root to wait.
	return writeImage(*out, &rootfs, v1.Config{Entrypoint: []string{"/pause"}, User: "65535:65535"})
}

// writeImage writes an OCI layout at out holding one image: cfg over one
// layer made from the root file system tar read from rootfs. It is written
// beside out and renamed, so out is either whole or absent.
func writeImage(out string, rootfs io.Reader, cfg v1.Config) (err error) {
	tmp, err := os.MkdirTemp(filepath.Dir(out), filepath.Base(out)+".tmp-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp's 0700 is for secrets
		return err
	}
	p, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return err
	}
	layer, err := writeLayer(p, rootfs)
	if err != nil {
		return err
	}
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: platform.Architecture, OS: platform.OS, Config: cfg, RootFS: v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return err
	}
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{CreatedBy: "imagebuild"}})
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithPlatform(platform)); err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// writeLayer compresses a root file system tar straight into the layout's
// blobs, taking both digests on the way: one pass over a tar of hundreds of
// megabytes instead of the three a layer read from a file would cost.
// Device nodes and FIFOs are left out: the runtime makes /dev itself.
func writeLayer(p layout.Path, rootfs io.Reader) (*blobLayer, error) {
	dir := filepath.Join(string(p), "blobs", "sha256")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "layer-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name()) // once renamed, this fails harmlessly
	defer f.Close()
	compressed, uncompressed := sha256.New(), sha256.New()
	var size countingWriter
	gz, err := gzip.NewWriterLevel(io.MultiWriter(f, compressed, &size), gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(io.MultiWriter(gz, uncompressed))
	tr := tar.NewReader(rootfs)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the root file system tar: %w", err)
		}
		switch hdr.Typeflag {
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			continue
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("%s: %w", hdr.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return nil, fmt.Errorf("%s: %w", hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	l := &blobLayer{
		digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(compressed.Sum(nil))},
		diffID: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(uncompressed.Sum(nil))},
		size:   int64(size),
	}
	l.path = filepath.Join(dir, l.digest.Hex)
	if err := os.Rename(f.Name(), l.path); err != nil {
		return nil, err
	}
	return l, nil
}

type countingWriter int64

func (c *countingWriter) Write(b []byte) (int, error) {
	*c += countingWriter(len(b))
	return len(b), nil
}

// blobLayer is a gzip layer already in the layout's blobs, digests known: the
// layout writer finds the blob there and copies nothing.
type blobLayer struct {
	path           string
	digest, diffID v1.Hash
	size           int64
}

func (l *blobLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *blobLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *blobLayer) Size() (int64, error)                { return l.size, nil }
func (l *blobLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }
func (l *blobLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }

func (l *blobLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	gz, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{gz, f}, nil
}

var _ v1.Layer = (*blobLayer)(nil)
