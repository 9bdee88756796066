package launch

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// BenchmarkLaunchResolveTraced is BenchmarkLaunchResolve with tracing on: every plan records
// its five spans (plan, resolve, values, validate and the request's own) in memory. Beside
// BenchmarkLaunchResolve, where OpenTelemetry's global provider is the no-op one as in a
// Basalt without telemetry.tracing, it tells what tracing costs a launch.
func BenchmarkLaunchResolveTraced(b *testing.B) {
	recorder, provider := benchTracing()

	c := loadChart(b, catalogDir+"/jupyter-python-2.5.2.tgz")
	p, err := NewPlanner(nil)
	if err != nil {
		b.Fatal(err)
	}
	req := Request{Chart: c, Context: NewContext(contextCases()[0].in), Values: []map[string]any{{"persistence": map[string]any{"size": "30Gi"}}}}
	ctx, request := provider.Tracer("bench").Start(context.Background(), "request")
	defer request.End()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i > 0 && i%1024 == 0 {
			recorder.Reset() // memory, not time: the spans would go to an exporter
		}
		if _, err := p.PlanContext(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if len(recorder.Ended()) == 0 {
		b.Fatal("no span recorded: the benchmark measures nothing of tracing")
	}
}

// benchTracing makes a recording provider the global one, once per process: the global
// provider hands its tracers to the first provider set only.
var benchTracing = sync.OnceValues(func() (*tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	recorder := tracetest.NewSpanRecorder()
	provider := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	otel.SetTracerProvider(provider)
	return recorder, provider
})
