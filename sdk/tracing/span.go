package tracing

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/basalt-dev/basalt/sdk"
)

// Span attributes Basalt's spans share. They carry names only: never values, which hold
// users' credentials.
const (
	AttrCatalog = attribute.Key("basalt.catalog")
	AttrChart   = attribute.Key("basalt.chart")
	AttrVersion = attribute.Key("basalt.chart.version")
	AttrProject = attribute.Key("basalt.project")
	AttrRelease = attribute.Key("basalt.release")
)

// Ender returns the function that ends span with its operation's outcome. A failure's
// status is the error's kind, never its message, which may quote the values it refused.
func Ender(span trace.Span) func(error) {
	return func(err error) {
		if err != nil {
			span.SetStatus(codes.Error, ErrorKind(err))
		}
		span.End()
	}
}

// ErrorKind names an error's kind: one of the sdk's kinds, a context's end, or "error".
func ErrorKind(err error) string {
	if kind := sdk.KindOf(err); kind != nil {
		return kind.Error()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err.Error()
	}
	return "error"
}
