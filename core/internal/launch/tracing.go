package launch

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/basalt-dev/basalt/sdk"
)

// tracer names the launch pipeline's spans. Without tracing it is OpenTelemetry's no-op one.
var tracer = otel.Tracer("github.com/basalt-dev/basalt/core/internal/launch")

// Span attributes carry names only: never values, which hold the user's credentials.
const (
	attrCatalog = attribute.Key("basalt.catalog")
	attrChart   = attribute.Key("basalt.chart")
	attrVersion = attribute.Key("basalt.chart.version")
	attrProject = attribute.Key("basalt.project")
	attrRelease = attribute.Key("basalt.release")
)

// startSpan starts one step of a launch; end records how it went.
func startSpan(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, func(error)) {
	ctx, span := tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		if err != nil {
			// The error's kind, not its text: a message may quote the values it refuses.
			span.SetStatus(codes.Error, errorKind(err))
		}
		span.End()
	}
}

func chartAttrs(c *Chart) []attribute.KeyValue {
	if c == nil {
		return nil
	}
	return []attribute.KeyValue{attrChart.String(c.Name), attrVersion.String(c.Version)}
}

// errorKind names an error's kind for a span's status.
func errorKind(err error) string {
	if kind := sdk.KindOf(err); kind != nil {
		return kind.Error()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err.Error()
	}
	return "error"
}

// Names name what a launch installs, for its trace.
type Names struct {
	Catalog, Chart, Version, Project, Release string
}

// StartInstall starts the span of a launch's install, the region plugin's call included;
// call end with the install's outcome.
func StartInstall(ctx context.Context, n Names) (_ context.Context, end func(error)) {
	return startSpan(ctx, "launch.install", attrCatalog.String(n.Catalog), attrChart.String(n.Chart),
		attrVersion.String(n.Version), attrProject.String(n.Project), attrRelease.String(n.Release))
}
