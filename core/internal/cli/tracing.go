package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk/tracing"
)

// startTracing starts the core's tracing when the configuration turns it on; the plugins
// started afterwards trace too (pluginhost passes tracing.Active on). stop flushes the spans
// still buffered.
func startTracing(ctx context.Context, t config.Tracing, log *slog.Logger) (stop func(), err error) {
	if !t.Enabled {
		return func() {}, nil
	}
	if tracing.Disabled() {
		log.Info("telemetry.tracing.enabled is true, but OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none turns tracing off")
		return func() {}, nil
	}
	// Export failures reach the log; they carry no header and no span content.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing", "error", err.Error()) }))
	shutdown, err := tracing.Start(ctx, tracing.Settings{Endpoint: t.Endpoint, Protocol: t.Protocol, Headers: t.Headers,
		CAFile: t.CAFile, ServiceName: t.ServiceName, Sampler: tracing.RootSampler(t.SampleRatio)})
	if err != nil {
		return nil, fmt.Errorf("telemetry.tracing: %w", err)
	}
	log.Info("tracing", "endpoint", shownEndpoint(t.Endpoint), "protocol", t.Protocol, "sample_ratio", t.SampleRatio,
		"headers", len(t.Headers))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdown(ctx); err != nil {
			log.Warn("flushing spans", "error", err.Error())
		}
	}, nil
}

// shownEndpoint is the endpoint as the log may show it: no credentials in it.
func shownEndpoint(endpoint string) string {
	if endpoint == "" {
		return "from OTEL_EXPORTER_OTLP_ENDPOINT or the default"
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}
