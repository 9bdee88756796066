package kubernetes

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"helm.sh/helm/v3/pkg/chart"

	"github.com/basalt-dev/basalt/sdk/tracing"
)

// tracer is OpenTelemetry's global one: the sdk sets it up when the host traces.
var tracer = otel.Tracer("github.com/basalt-dev/basalt/plugins/kubernetes")

// traceHelm starts the span of a Helm install or upgrade. Helm runs on in its own context
// (ctx) after the Install call returned; the span continues the call's trace (call) all the
// same. Its attributes are names, and a failure is told by its kind, not Helm's message.
func traceHelm(ctx, call context.Context, upgrade bool, ns, release string, ch *chart.Chart) (context.Context, func(error)) {
	name := "helm.install"
	if upgrade {
		name = "helm.upgrade"
	}
	ctx = trace.ContextWithSpanContext(ctx, trace.SpanContextFromContext(call))
	ctx, span := tracer.Start(ctx, name, trace.WithAttributes(
		tracing.AttrRelease.String(release), attribute.String("k8s.namespace.name", ns),
		tracing.AttrChart.String(ch.Name()), tracing.AttrVersion.String(ch.Metadata.Version)))
	return ctx, tracing.Ender(span)
}
