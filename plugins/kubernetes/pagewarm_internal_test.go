package kubernetes

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

// PageWarmsReadAtMost is how many records a warm of service pages reads at most.
const PageWarmsReadAtMost = warmRecordsAtMost

// LimitPageWarms makes each warm of the region's service pages read at most n records.
func LimitPageWarms(p *Plugin, n int) {
	if _, c, err := p.configured(); err == nil {
		c.details.mu.Lock()
		c.details.atMost = n
		c.details.mu.Unlock()
	}
}

// AgePageWarms makes the region's warms of service pages older by d, as if d had passed.
func AgePageWarms(p *Plugin, d time.Duration) {
	if _, c, err := p.configured(); err == nil {
		c.details.mu.Lock()
		for _, w := range c.details.warms {
			w.at = w.at.Add(-d)
		}
		c.details.mu.Unlock()
	}
}

// WaitForPageWarms waits until no warm of service pages runs.
func WaitForPageWarms(p *Plugin) {
	_, c, err := p.configured()
	if err != nil {
		return
	}
	for {
		c.details.mu.Lock()
		running := false
		for _, w := range c.details.warms {
			running = running || w.running
		}
		c.details.mu.Unlock()
		if !running {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// KeptPageDetails says how many records' details the region keeps.
func KeptPageDetails(p *Plugin) int {
	if _, c, err := p.configured(); err == nil {
		return c.details.kept.Len()
	}
	return 0
}

// jupyterDetails are the details of a jupyter-python launched as the portal launches it (the
// chart's whole default values with the service's own on top, and its manifest), and those
// details packed.
func jupyterDetails(t testing.TB) (recordDetails, *packedDetails) {
	t.Helper()
	archive, err := os.ReadFile(filepath.Join("../../../shared/catalogs/interactive", "jupyter-python-2.5.2.tgz"))
	if err != nil {
		t.Fatalf("the shared catalogs must lie beside the repository: %v", err)
	}
	ch, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	var own map[string]any
	err = json.Unmarshal([]byte(`{"resources":{"requests":{"cpu":"100m","memory":"256Mi"}},"ingress":{"enabled":true,"hostname":"jupyter-one.example.test"},"security":{"password":"s3cret-pass"}}`), &own)
	if err != nil {
		t.Fatal(err)
	}
	config := chartutil.CoalesceTables(own, ch.Values)
	install := action.NewInstall(&action.Configuration{})
	install.ReleaseName, install.Namespace, install.DryRun, install.ClientOnly = "jupyter-one", "user-one", true, true
	rel, err := install.Run(ch, config)
	if err != nil {
		t.Fatal(err)
	}
	d, err := detailsOf("41", rel.Config, rel.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := pack(d)
	if err != nil {
		t.Fatal(err)
	}
	return d, packed
}

// TestKeptDetailsAreCompact: the 4,096 records' details kept take 20 MB at most when each is a
// jupyter-python's, everything counted (the heap they hold), and unpack as they were; a
// record at another resource version is not answered with them.
func TestKeptDetailsAreCompact(t *testing.T) {
	d, packed := jupyterDetails(t)
	full := newPageDetails()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range recordDetailsKept {
		one := d
		one.resourceVersion = strconv.Itoa(1000 + i)
		p, err := pack(one)
		if err != nil {
			t.Fatal(err)
		}
		full.kept.Add(detailsKey(fmt.Sprintf("user-%04d", i), "sh.helm.release.v1.jupyter-python-12345.v1"), p)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := after.HeapAlloc - before.HeapAlloc
	t.Logf("jupyter-python's details: %d bytes, %d gzipped; %d kept hold %.1f MB, %d bytes each",
		len(d.values)+len(d.masked)+len(d.manifest), len(packed.gz), full.kept.Len(), float64(held)/(1<<20), held/recordDetailsKept)
	if full.kept.Len() != recordDetailsKept || held > 20<<20 {
		t.Errorf("%d jupyter-python's details kept hold %d bytes, want %d and 20 MB at most", full.kept.Len(), held, recordDetailsKept)
	}
	runtime.KeepAlive(full)

	pd := newPageDetails()
	pd.kept.Add(detailsKey("user-one", "sh.helm.release.v1.jupyter-one.v1"), packed)
	got, ok := pd.get("user-one", "sh.helm.release.v1.jupyter-one.v1", "41")
	if !ok {
		t.Fatal("the kept details are not found")
	}
	if !bytes.Equal(got.values, d.values) || !bytes.Equal(got.masked, d.masked) || got.manifest != d.manifest || got.resourceVersion != "41" {
		t.Error("the kept details differ from those kept")
	}
	if bytes.Contains(got.masked, []byte("s3cret-pass")) || !bytes.Contains(got.values, []byte("s3cret-pass")) {
		t.Error("the values and the masked values are mixed up")
	}
	if _, ok := pd.get("user-one", "sh.helm.release.v1.jupyter-one.v1", "42"); ok {
		t.Error("details kept at resource version 41 answer for 42")
	}
	if pd.has("user-one", "sh.helm.release.v1.jupyter-one.v1", "42") || !pd.has("user-one", "sh.helm.release.v1.jupyter-one.v1", "41") {
		t.Error("has disagrees with get")
	}
}

// BenchmarkKeptDetails measures a service page's hit: unpacking a jupyter-python's kept
// details.
func BenchmarkKeptDetails(b *testing.B) {
	d, packed := jupyterDetails(b)
	pd := newPageDetails()
	pd.kept.Add(detailsKey("user-one", "record"), packed)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := pd.get("user-one", "record", "41"); !ok {
			b.Fatal("missed")
		}
	}
	b.ReportMetric(float64(len(packed.gz)), "kept-bytes/entry")
	b.ReportMetric(float64(len(d.values)+len(d.masked)+len(d.manifest)), "bytes/details")
}

// TestOneWarmOfANamespaceAtOnce: a namespace's warm does not start while another runs, and
// does not read the same records again within warmAgainAfter; other records, another
// namespace, or a minute later, it does.
func TestOneWarmOfANamespaceAtOnce(t *testing.T) {
	pd := newPageDetails()
	if !pd.begin("user-one") || pd.begin("user-one") {
		t.Fatal("a second warm of a namespace started while the first ran, or the first did not")
	}
	if !pd.begin("user-two") {
		t.Error("a warm of another namespace did not start")
	}
	if !pd.due("user-one", 1) || pd.due("user-one", 1) {
		t.Error("the same records were due twice at once, or never")
	}
	if !pd.due("user-one", 2) {
		t.Error("other records were not due")
	}
	pd.end("user-one")
	if !pd.begin("user-one") {
		t.Fatal("a warm of a namespace did not start once the last one ended")
	}
	if pd.due("user-one", 2) {
		t.Error("the same records were due again within the minute")
	}
	pd.warms["user-one"].at = pd.warms["user-one"].at.Add(-warmAgainAfter)
	if !pd.due("user-one", 2) {
		t.Error("the same records were not due a minute later")
	}
}
