package helmrepo_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/basalt-dev/basalt/plugins/helmrepo"
	"github.com/basalt-dev/basalt/sdk"
)

// sharedCatalog is the repository of real Onyxia charts laid beside the project. Tests read it
// in place, or copy it into a temporary directory to break it.
const sharedCatalog = "../../../shared/catalogs/interactive"

// The charts of the shared catalog, and the versions of the one with several.
var (
	sharedCharts   = []string{"jupyter-pyspark", "jupyter-python", "jupyter-python-gpu", "marimo-python", "rstudio", "vscode-python"}
	jupyterPython  = []string{"2.5.2", "2.3.19", "2.1.11"}
	sharedArchives = 8
)

func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(sharedCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.yaml")); err != nil {
		t.Fatalf("the shared catalog is not beside the project: %v", err)
	}
	return dir
}

// copyRepo copies the shared catalog into a temporary directory, letting edit change its
// index first.
func copyRepo(t testing.TB, edit func(idx *repo.IndexFile)) string {
	t.Helper()
	src, dst := sharedDir(t), t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tgz") {
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dst, e.Name()), data)
		}
	}
	idx, err := repo.LoadIndexFile(filepath.Join(src, "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(idx)
	}
	saveIndex(t, dst, idx)
	return dst
}

func saveIndex(t testing.TB, dir string, idx *repo.IndexFile) {
	t.Helper()
	if err := idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func loadIndex(t testing.TB, dir string) *repo.IndexFile {
	t.Helper()
	idx, err := repo.LoadIndexFile(filepath.Join(dir, "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// repoServer serves a repository directory over HTTP like a static file host: ETag and
// Last-Modified on every file, conditional requests answered with 304. It counts what it
// serves.
type repoServer struct {
	*httptest.Server
	dir      string
	user     string
	password string

	mu        sync.Mutex
	requests  map[string]int // by path
	downloads map[string]int // full (200) responses, by path
}

func serveRepo(t testing.TB, dir string) *repoServer {
	t.Helper()
	s := &repoServer{dir: dir, requests: map[string]int{}, downloads: map[string]int{}}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func (s *repoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	s.mu.Unlock()
	if s.user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.password {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	path := filepath.Join(s.dir, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/")))
	data, err := os.ReadFile(path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	st, _ := os.Stat(path)
	w.Header().Set("ETag", `"`+sha(data)+`"`)
	// Counted when the status is written, before the body: a client that has read the whole
	// answer must find it counted.
	rec := &statusWriter{ResponseWriter: w, onStatus: func(status int) {
		if status == http.StatusOK {
			s.mu.Lock()
			s.downloads[r.URL.Path]++
			s.mu.Unlock()
		}
	}}
	http.ServeContent(rec, r, filepath.Base(path), st.ModTime(), bytes.NewReader(data))
}

// archiveDownloads counts the chart archives served in full.
func (s *repoServer) archiveDownloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for path, count := range s.downloads {
		if strings.HasSuffix(path, ".tgz") {
			n += count
		}
	}
	return n
}

func (s *repoServer) indexDownloads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.downloads["/index.yaml"]
}

type statusWriter struct {
	http.ResponseWriter
	onStatus func(status int)
}

func (w *statusWriter) WriteHeader(status int) {
	w.onStatus(status)
	w.ResponseWriter.WriteHeader(status)
}

// testLogger sends the plugin's logs to the test's log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// config is a plugin configuration written as Go values.
type config map[string]any

// newPlugin configures a plugin with catalogs and a fresh cache (or cacheDir when given),
// and stops it when the test ends. It returns the plugin itself, for the calls tests make
// directly; the conformance kit and the wire tests go through gRPC.
func newPlugin(t testing.TB, cacheDir string, catalogs ...config) *helmrepo.Plugin {
	t.Helper()
	p, err := configure(t, cacheDir, catalogs...)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return p
}

func configure(t testing.TB, cacheDir string, catalogs ...config) (*helmrepo.Plugin, error) {
	t.Helper()
	if cacheDir == "" {
		cacheDir = t.TempDir()
	}
	if catalogs == nil {
		catalogs = []config{} // the schema wants a list, not null
	}
	raw, err := json.Marshal(config{"cacheDir": cacheDir, "refreshInterval": "0s", "catalogs": catalogs})
	if err != nil {
		t.Fatal(err)
	}
	p := helmrepo.New(testLogger(t))
	t.Cleanup(func() { p.Close() })
	_, err = p.Configure(ctx(t), sdk.ConfigureRequest{Config: raw})
	return p, err
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func catalogInfo(t testing.TB, c sdk.Catalog, id string) sdk.CatalogInfo {
	t.Helper()
	resp, err := c.ListCatalogs(ctx(t), sdk.ListCatalogsRequest{})
	if err != nil {
		t.Fatalf("ListCatalogs: %v", err)
	}
	for _, info := range resp.Catalogs {
		if info.ID == id {
			return info
		}
	}
	t.Fatalf("ListCatalogs: no catalog %q", id)
	return sdk.CatalogInfo{}
}

func listCharts(t testing.TB, c sdk.Catalog, id string) []sdk.ChartSummary {
	t.Helper()
	resp, err := c.ListCharts(ctx(t), sdk.ListChartsRequest{CatalogID: id})
	if err != nil {
		t.Fatalf("ListCharts %s: %v", id, err)
	}
	return resp.Charts
}

func chartNames(charts []sdk.ChartSummary) []string {
	names := make([]string, len(charts))
	for i, c := range charts {
		names[i] = c.Name
	}
	return names
}

func versionsOf(c sdk.ChartSummary) []string {
	vs := make([]string, len(c.Versions))
	for i, v := range c.Versions {
		vs[i] = v.Version
	}
	return vs
}

func findChart(t testing.TB, charts []sdk.ChartSummary, name string) sdk.ChartSummary {
	t.Helper()
	for _, c := range charts {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("chart %s not listed in %q", name, chartNames(charts))
	return sdk.ChartSummary{}
}

// chartFiles describes a small chart made by a test.
type chartFiles struct {
	name, version string
	typ           string // "" is an application
	schema        string // values.schema.json, if any
	icon          string // Chart.yaml's icon, if any
}

// chartArchive packages a chart as helm does: a gzipped tar with the chart's folder.
func chartArchive(t testing.TB, c chartFiles) []byte {
	t.Helper()
	typ := c.typ
	if typ == "" {
		typ = "application"
	}
	files := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: " + c.name + "\nversion: " + c.version + "\ntype: " + typ + "\ndescription: made by a test\n",
		"values.yaml": "replicas: 1\n",
	}
	if c.schema != "" {
		files["values.schema.json"] = c.schema
	}
	if c.icon != "" {
		files["Chart.yaml"] += "icon: " + c.icon + "\n"
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		data := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: c.name + "/" + name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func chartMetadata(name, version string) *chart.Metadata {
	return &chart.Metadata{APIVersion: "v2", Name: name, Version: version, Description: "made by a test", Type: "application"}
}
