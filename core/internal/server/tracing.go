package server

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// traceRequests gives every request a server span named after its route, continuing the
// caller's trace when it sends a traceparent header. The span names the route, never the
// path: a path may hold a share token (/presigned/:token) or a file's name. It is installed
// only when tracing is on.
func traceRequests() echo.MiddlewareFunc {
	tracer := otel.Tracer("github.com/basalt-dev/basalt/core/internal/server")
	propagator := otel.GetTextMapPropagator()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			route := c.Path() // echo routes before it runs the middleware of e.Use
			if route == "" {
				route = "unmatched"
			}
			ctx := propagator.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
			attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(req.Method), semconv.HTTPRoute(route)}
			if project := c.Param("project"); project != "" {
				attrs = append(attrs, attribute.String("basalt.project", project))
			}
			ctx, span := tracer.Start(ctx, req.Method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attrs...))
			defer span.End()
			c.SetRequest(req.WithContext(ctx))

			err := next(c)
			status := c.Response().Status
			if err != nil && !c.Response().Committed {
				status = http.StatusInternalServerError
				if he := (*echo.HTTPError)(nil); errors.As(err, &he) {
					status = he.Code
				}
			}
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
				span.SetAttributes(attribute.String("basalt.request_id", id))
			}
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
			}
			return err
		}
	}
}
