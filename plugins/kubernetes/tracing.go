package kubernetes

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"helm.sh/helm/v3/pkg/chart"
)

// tracer is OpenTelemetry's global one: the sdk sets it up when the host traces.
var tracer = otel.Tracer("github.com/basalt-dev/basalt/plugins/kubernetes")

// traceHelm starts the span of a Helm install or upgrade. Helm runs on in its own context
// (ctx) after the Install call returned; the span continues the call's trace (call) all the
// same. Its attributes are names: never values, which hold the user's credentials.
func traceHelm(ctx, call context.Context, upgrade bool, ns, release string, ch *chart.Chart) (context.Context, func(error)) {
	name := "helm.install"
	if upgrade {
		name = "helm.upgrade"
	}
	ctx = trace.ContextWithSpanContext(ctx, trace.SpanContextFromContext(call))
	ctx, span := tracer.Start(ctx, name, trace.WithAttributes(
		attribute.String("basalt.release", release), attribute.String("k8s.namespace.name", ns),
		attribute.String("basalt.chart", ch.Name()), attribute.String("basalt.chart.version", ch.Metadata.Version)))
	return ctx, func(err error) {
		switch {
		case errors.Is(err, context.Canceled):
			span.SetStatus(codes.Error, "canceled")
		case err != nil:
			// Not Helm's message: it may quote the values it refused.
			span.SetStatus(codes.Error, "helm failed")
		}
		span.End()
	}
}
