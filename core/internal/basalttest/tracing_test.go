package basalttest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/tracing/tracingtest"
)

// traced is a configuration with the default catalog and the test environment's cluster,
// tracing to a collector with an authorization header.
const traced = `
plugins:
  files: {enabled: false}
  secrets: {enabled: false}
  catalogs:
    config:
      catalogs:
        - {id: ide, name: {en: Services}, location: %[1]q}
  cluster:
    enabled: true
    config:
      kubeconfig: %[2]q
telemetry:
  tracing:
    enabled: %[3]t
    endpoint: %[4]q
    headers: {Authorization: %[5]q}
`

// startTraced starts basalt with the kubernetes plugin on the test environment's cluster,
// tracing (or not) to collector, and returns it with its user's services URL.
func startTraced(t *testing.T, collector *tracingtest.Collector, on bool, secret string, env ...string) (*Process, string) {
	shared := testenv.Require(t)
	dir, work, catalog := withDefaultCatalog(t)
	cfg := filepath.Join(work, "basalt.yaml")
	body := fmt.Appendf(nil, traced, catalog, shared.Kubeconfig, on, collector.URL, "Bearer "+secret)
	if err := os.WriteFile(cfg, body, 0o600); err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("trace%d", time.Now().UnixNano()%1_000_000)
	// Batches leave every 100 ms rather than every 5 s, in the core and in its plugins,
	// unless the test says otherwise.
	env = append([]string{"OTEL_BSP_SCHEDULE_DELAY=100"}, env...)
	p := Serve(t, dir, FreeAddress(t), env, "--config", cfg, "--set", "auth.local.username="+user,
		"--set", "log.level=debug")
	return p, p.URL + "/api/v1/projects/user-" + user + "/services"
}

// TestLaunchTrace launches jupyter through the HTTP API with a caller's traceparent and finds
// one trace at the collector, from the HTTP request through the launch pipeline and the
// region plugin's gRPC call to Helm's install, in the core's and the plugin's spans, each
// with its right parent. No span carries a header or a value.
func TestLaunchTrace(t *testing.T) {
	collector := tracingtest.NewCollector(t)
	secret := "trace-secret-" + randomHex(8)
	p, services := startTraced(t, collector, true, secret)

	catalogCalls := func() [3]int {
		return [3]int{p.PluginCalls("catalogs", "ListCatalogs"), p.PluginCalls("catalogs", "GetChart"), p.PluginCalls("catalogs", "GetArchive")}
	}
	before := catalogCalls()
	traceID, callerID := randomHex(16), randomHex(8)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, services,
		strings.NewReader(`{"catalog":"ide","chart":"jupyter",`+noVolume+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Traceparent", "00-"+traceID+"-"+callerID+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var launched struct{ Service struct{ ID string } }
	err = json.NewDecoder(resp.Body).Decode(&launched)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || err != nil || launched.Service.ID == "" {
		t.Fatalf("launch: %s %v", resp.Status, err)
	}
	t.Cleanup(func() { deleteQuietly(services + "/" + launched.Service.ID) })
	// One launch lists the catalogs once, and reads the chart and its archive once each.
	if after := catalogCalls(); after[0]-before[0] != 1 || after[1]-before[1] != 1 || after[2]-before[2] != 1 {
		t.Errorf("one launch made %d ListCatalogs, %d GetChart and %d GetArchive calls; want 1 each",
			after[0]-before[0], after[1]-before[1], after[2]-before[2])
	}

	var trace map[string]tracingtest.Span // by name
	deadline := time.Now().Add(90 * time.Second)
	for {
		trace = map[string]tracingtest.Span{}
		for _, s := range collector.Spans() {
			if s.TraceID == traceID {
				trace[s.Name] = s
			}
		}
		// The core and the plugin export in batches of their own: wait for both ends.
		_, plugin := trace["helm.install"]
		_, core := trace["launch.install"]
		_, request := trace["POST /api/v1/projects/:project/services"]
		if plugin && core && request {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no helm.install, launch.install and request spans in trace %s after 90s; spans of the trace: %v", traceID, trace)
		}
		time.Sleep(200 * time.Millisecond)
	}

	plans := 0
	for _, s := range collector.Spans() {
		if s.TraceID == traceID && s.Name == "launch.plan" {
			plans++
		}
	}
	if plans != 1 {
		t.Errorf("one launch planned %d times, want once", plans)
	}

	const install = "basalt.region.v1.Region/Install"
	httpSpan := trace["POST /api/v1/projects/:project/services"]
	want := []struct {
		name, service, parent string
		kind                  tracepb.Span_SpanKind
	}{
		{"POST /api/v1/projects/:project/services", "basalt", callerID, tracepb.Span_SPAN_KIND_SERVER},
		{"launch.plan", "basalt", httpSpan.SpanID, tracepb.Span_SPAN_KIND_INTERNAL},
		{"launch.resolve", "basalt", trace["launch.plan"].SpanID, tracepb.Span_SPAN_KIND_INTERNAL},
		{"launch.values", "basalt", trace["launch.plan"].SpanID, tracepb.Span_SPAN_KIND_INTERNAL},
		{"launch.validate", "basalt", trace["launch.plan"].SpanID, tracepb.Span_SPAN_KIND_INTERNAL},
		{"launch.install", "basalt", httpSpan.SpanID, tracepb.Span_SPAN_KIND_INTERNAL},
		// The same name on both ends of the plugin connection: the core's client span is
		// the plugin's server span's parent.
		{install + " client", "basalt", trace["launch.install"].SpanID, tracepb.Span_SPAN_KIND_CLIENT},
		{install + " server", "basalt-plugin-cluster", "", tracepb.Span_SPAN_KIND_SERVER},
		{"helm.install", "basalt-plugin-cluster", "", tracepb.Span_SPAN_KIND_INTERNAL},
	}
	var client, server tracingtest.Span
	for _, s := range collector.Spans() {
		if s.TraceID == traceID && s.Name == install {
			if s.Kind == tracepb.Span_SPAN_KIND_CLIENT {
				client = s
			} else {
				server = s
			}
		}
	}
	trace[install+" client"], trace[install+" server"] = client, server
	want[7].parent, want[8].parent = client.SpanID, server.SpanID
	for _, w := range want {
		s, ok := trace[w.name]
		switch {
		case !ok || s.SpanID == "":
			t.Errorf("no %s span in trace %s", w.name, traceID)
		case s.Service != w.service || s.ParentID != w.parent || s.Kind != w.kind:
			t.Errorf("span %s: service %q, parent %s, kind %s; want %q, %s, %s", w.name, s.Service, s.ParentID, s.Kind,
				w.service, w.parent, w.kind)
		}
	}
	if h := trace["helm.install"]; h.Attrs["basalt.chart"] != "jupyter" || h.Attrs["basalt.release"] != launched.Service.ID {
		t.Errorf("helm.install names chart %q and release %q; want jupyter and %s", h.Attrs["basalt.chart"],
			h.Attrs["basalt.release"], launched.Service.ID)
	}

	// Both processes export with the configured header, and nothing else shows it.
	exporters := map[string]bool{}
	for _, s := range collector.Spans() {
		exporters[s.Service] = true
		for k, v := range s.Attrs {
			if strings.Contains(v, secret) {
				t.Errorf("span %s attribute %s carries the exporter's header", s.Name, k)
			}
		}
	}
	if !exporters["basalt"] || !exporters["basalt-plugin-cluster"] {
		t.Errorf("spans from %v; want the core's and the region plugin's", exporters)
	}
	for _, h := range collector.Headers() {
		if h.Get("Authorization") != "Bearer "+secret {
			t.Errorf("an export without the configured header: %v", h.Get("User-Agent"))
		}
	}
	if strings.Contains(p.Output(), secret) {
		t.Error("the log shows the exporter's header")
	}
}

// TestSpansFlushedOnStop: with batches due only after ten minutes, the spans of a plan and of
// a listing reach the collector when basalt stops, from the core and from the region plugin.
func TestSpansFlushedOnStop(t *testing.T) {
	collector := tracingtest.NewCollector(t)
	p, services := startTraced(t, collector, true, "unused", "OTEL_BSP_SCHEDULE_DELAY=600000")
	plan(t, strings.TrimSuffix(services, "/services"))
	send(t, http.DefaultClient, http.MethodGet, services, "", http.StatusOK)
	if n := len(collector.Headers()); n != 0 {
		t.Fatalf("%d exports before the stop: the batch delay is not in force", n)
	}
	p.Stop()
	core, plugin := false, false
	for _, s := range collector.Spans() {
		core = core || (s.Service == "basalt" && s.Name == "launch.plan")
		plugin = plugin || (s.Service == "basalt-plugin-cluster" && s.Kind == tracepb.Span_SPAN_KIND_SERVER)
	}
	if !core || !plugin {
		t.Errorf("after the stop: the core's launch.plan %v, a server span of the region plugin %v; spans %v",
			core, plugin, collector.Spans())
	}
}

// TestNoTraceWhenTracingIsOff plans and lists services with tracing off, while OTEL_*
// variables name a collector: neither the core nor its plugins export anything, even when
// they stop (and would flush).
func TestNoTraceWhenTracingIsOff(t *testing.T) {
	collector := tracingtest.NewCollector(t)
	p, services := startTraced(t, collector, false, "unused", "OTEL_EXPORTER_OTLP_ENDPOINT="+collector.URL)
	plan(t, strings.TrimSuffix(services, "/services"))
	send(t, http.DefaultClient, http.MethodGet, services, "", http.StatusOK)
	time.Sleep(500 * time.Millisecond) // five batch delays
	p.Stop()
	if n := len(collector.Headers()); n != 0 {
		t.Fatalf("tracing off, yet %d exports reached the collector: %v", n, collector.Spans())
	}
}

// plan asks for the plan of a jupyter launch in project (its URL).
func plan(t *testing.T, project string) {
	t.Helper()
	resp, err := http.Post(project+"/launch/plan", "application/json", strings.NewReader(`{"catalog":"ide","chart":"jupyter"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("plan: %s", resp.Status)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
