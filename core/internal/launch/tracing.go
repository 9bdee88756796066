package launch

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/basalt-dev/basalt/sdk/tracing"
)

// tracer names the launch pipeline's spans. Without tracing it is OpenTelemetry's no-op one.
var tracer = otel.Tracer("github.com/basalt-dev/basalt/core/internal/launch")

// startSpan starts one step of a launch; end records how it went.
func startSpan(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, func(error)) {
	ctx, span := tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	return ctx, tracing.Ender(span)
}

func chartAttrs(c *Chart) []attribute.KeyValue {
	if c == nil {
		return nil
	}
	return []attribute.KeyValue{tracing.AttrChart.String(c.Name), tracing.AttrVersion.String(c.Version)}
}

// Names name what a launch installs, for its trace.
type Names struct {
	Catalog, Chart, Version, Project, Release string
}

// StartInstall starts the span of a launch's install, the region plugin's call included;
// call end with the install's outcome.
func StartInstall(ctx context.Context, n Names) (_ context.Context, end func(error)) {
	return startSpan(ctx, "launch.install", tracing.AttrCatalog.String(n.Catalog), tracing.AttrChart.String(n.Chart),
		tracing.AttrVersion.String(n.Version), tracing.AttrProject.String(n.Project), tracing.AttrRelease.String(n.Release))
}
