package helmrepo_test

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/plugins/helmrepo"
	"github.com/basalt-dev/basalt/sdk"
)

// syntheticIndex writes an index.yaml of charts×versions entries shaped like those of the
// large public repositories (dependencies, maintainers, sources, annotations).
func syntheticIndex(tb testing.TB, charts, versions int) string {
	tb.Helper()
	var b strings.Builder
	b.WriteString("apiVersion: v1\nentries:\n")
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for c := range charts {
		name := fmt.Sprintf("chart-%04d", c)
		fmt.Fprintf(&b, "  %s:\n", name)
		for v := range versions {
			version := fmt.Sprintf("%d.%d.%d", v/10+1, v%10, c%7)
			fmt.Fprintf(&b, `  - annotations:
      category: Analytics
      licenses: Apache-2.0
    apiVersion: v2
    appVersion: %[2]s
    created: "%[3]s"
    dependencies:
    - name: common
      repository: oci://registry.example/charts
      tags:
      - common
      version: 2.x.x
    description: A synthetic chart number %[4]d, with a description about as long as real ones are.
    digest: %[5]x
    home: https://example.org/charts/%[1]s
    icon: https://example.org/icons/%[1]s.svg
    keywords:
    - analytics
    - data
    - %[1]s
    maintainers:
    - name: Basalt
      url: https://example.org
    name: %[1]s
    sources:
    - https://github.com/example/charts/tree/main/%[1]s
    type: application
    urls:
    - https://charts.example.org/%[1]s-%[2]s.tgz
    version: %[2]s
`, name, version, created.Add(time.Duration(v)*time.Hour).Format(time.RFC3339), c*versions+v, sha256.Sum256([]byte(name+version)))
		}
	}
	path := filepath.Join(tb.TempDir(), "index.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkIndex20000Versions loads and indexes a repository of 20,000 chart versions (goal:
// under 1 s and 150 MB of heap). heap-MB is the live heap once loaded; alloc-MB is what one
// load allocates in all.
func BenchmarkIndex20000Versions(b *testing.B) {
	path := syntheticIndex(b, 1000, 20)
	var before, after runtime.MemStats
	var versions int
	b.ResetTimer()
	start := time.Now()
	runtime.GC()
	runtime.ReadMemStats(&before)
	for b.Loop() {
		_, n, err := helmrepo.IndexRepository(path, "all")
		if err != nil {
			b.Fatal(err)
		}
		versions = n
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if versions != 20000 {
		b.Fatalf("indexed %d versions, want 20000", versions)
	}
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "alloc-MB")
	b.ReportMetric(liveHeapMB(b, path), "heap-MB")
}

// liveHeapMB measures the heap one loaded index keeps, and its peak while loading.
func liveHeapMB(b *testing.B, path string) float64 {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := helmrepo.IndexRepository(path, "all")
	runtime.ReadMemStats(&after)
	if err != nil {
		b.Fatal(err)
	}
	// HeapAlloc right after the load holds what it keeps plus what the collector has not
	// reclaimed yet: an upper bound of the load's heap.
	return float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
}

// BenchmarkRefreshUnchanged refreshes the shared catalog when nothing changed (goal: no
// archive downloaded, under 50 ms).
func BenchmarkRefreshUnchanged(b *testing.B) {
	srv := serveRepo(b, sharedDir(b))
	p := newPlugin(b, "", config{"id": "interactive", "location": srv.URL, "multipleServicesMode": "all"})
	downloads := srv.archiveDownloads()
	c := ctx(b)
	start := time.Now()
	for b.Loop() {
		resp, err := p.Refresh(c, sdk.RefreshCatalogsRequest{CatalogID: "interactive"})
		if err != nil || resp.Catalogs[0].Error != "" {
			b.Fatalf("Refresh: %v %+v", err, resp)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms")
	b.ReportMetric(float64(srv.archiveDownloads()-downloads), "archives-downloaded")
}
