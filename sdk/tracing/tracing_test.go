package tracing_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/basalt-dev/basalt/sdk/tracing"
	"github.com/basalt-dev/basalt/sdk/tracing/tracingtest"
)

func TestStartExportsToTheCollector(t *testing.T) {
	for _, protocol := range []string{tracing.ProtocolHTTP, tracing.ProtocolGRPC} {
		t.Run(protocol, func(t *testing.T) {
			collector := tracingtest.NewCollector(t)
			if protocol == tracing.ProtocolGRPC {
				collector = tracingtest.NewGRPCCollector(t)
			}
			exportTwoSpans(t, collector, protocol)
		})
	}
}

// exportTwoSpans sends a parent span and its child to collector and checks what arrived.
func exportTwoSpans(t *testing.T, collector *tracingtest.Collector, protocol string) {
	shutdown, err := tracing.Start(context.Background(), tracing.Settings{Endpoint: collector.URL, Protocol: protocol,
		Headers: map[string]string{"Authorization": "Bearer test-token"}, ServiceName: "basalt-test",
		Sampler: tracing.RootSampler(1)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent := otel.Tracer("test").Start(context.Background(), "parent")
	_, child := otel.Tracer("test").Start(ctx, "child")
	child.End()
	parent.End()
	if err := shutdown(context.Background()); err != nil { // flushes
		t.Fatal(err)
	}
	spans := collector.Spans()
	if len(spans) != 2 {
		t.Fatalf("received %d spans, want 2: %v", len(spans), spans)
	}
	byName := map[string]tracingtest.Span{}
	for _, s := range spans {
		byName[s.Name] = s
		if s.Service != "basalt-test" {
			t.Errorf("span %s: service %q", s.Name, s.Service)
		}
	}
	if p, c := byName["parent"], byName["child"]; c.ParentID != p.SpanID || c.TraceID != p.TraceID || p.ParentID != "" {
		t.Errorf("child %v is not parent %v's", c, p)
	}
	for _, h := range collector.Headers() {
		if h.Get("Authorization") != "Bearer test-token" {
			t.Errorf("export without the configured header: %v", h)
		}
	}
}

func TestStartRefusesAnUnknownProtocol(t *testing.T) {
	if _, err := tracing.Start(context.Background(), tracing.Settings{Protocol: "http/json"}); err == nil ||
		!strings.Contains(err.Error(), "http/json") {
		t.Fatalf("err = %v, want one naming the protocol", err)
	}
}

func TestPluginEnv(t *testing.T) {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_SERVICE_NAME"} {
		t.Setenv(name, "")
	}
	if got := tracing.PluginEnv(nil, "cluster"); !slices.Equal(got, []string{"OTEL_SDK_DISABLED=true"}) {
		t.Errorf("tracing off: %v, want the plugin's tracing off", got)
	}

	got := tracing.PluginEnv(&tracing.Settings{Endpoint: "http://collector:4318/", ServiceName: "lab",
		Headers: map[string]string{"Authorization": "Bearer a,b=c", "X-Tenant": "t1"}}, "cluster")
	for _, want := range []string{
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://collector:4318/v1/traces",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf",
		"OTEL_SERVICE_NAME=lab-plugin-cluster",
		"OTEL_TRACES_SAMPLER=parentbased_always_on",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS=Authorization=Bearer%20a%2Cb=c,X-Tenant=t1",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("plugin environment %v lacks %s", got, want)
		}
	}

	got = tracing.PluginEnv(&tracing.Settings{Protocol: tracing.ProtocolGRPC}, "files")
	for _, want := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317", "OTEL_SERVICE_NAME=basalt-plugin-files"} {
		if !slices.Contains(got, want) {
			t.Errorf("plugin environment %v lacks %s", got, want)
		}
	}

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "https://from-env:4318")
	got = tracing.PluginEnv(&tracing.Settings{}, "files")
	if slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, "ENDPOINT") }) {
		t.Errorf("plugin environment %v overrides the endpoint the plugin inherits", got)
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_SDK_DISABLED", "")
	if _, ok := tracing.FromEnv(); ok {
		t.Error("no collector named: want tracing off")
	}
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")
	if _, ok := tracing.FromEnv(); !ok {
		t.Error("a collector named: want tracing on")
	}
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if _, ok := tracing.FromEnv(); ok {
		t.Error("OTEL_SDK_DISABLED=true: want tracing off")
	}
}

func TestOpenTelemetryErrorsLeaveValuesOut(t *testing.T) {
	var out strings.Builder
	log := tracing.QuietLogger(&out)
	log.Error(errors.New("invalid URL escape"), "escape header value", "value", "Bearer%zzsecret")
	log.Info("exporting", "headers", "Bearer secret")
	if got := out.String(); strings.Contains(got, "secret") || !strings.Contains(got, "invalid URL escape") {
		t.Errorf("logged %q: want the error without its values", got)
	}
}
