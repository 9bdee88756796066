package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestTraceRequestsNamesRoutesNotPaths: a request's span is named after its route and
// continues the caller's trace; a share token or a header in the request is in no span.
func TestTraceRequestsNamesRoutesNotPaths(t *testing.T) {
	recorder := tracetest.NewSpanRecorder()
	prevProvider, prevPropagator := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder)))
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTracerProvider(prevProvider); otel.SetTextMapPropagator(prevPropagator) })

	e := echo.New()
	e.Use(traceRequests())
	e.GET("/api/v1/presigned/:token", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.POST("/api/v1/projects/:project/services", func(c echo.Context) error {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "region down")
	})

	const token, caller, traceID = "share-token-4f1c", "00f067aa0ba902b7", "4bf92f3577b34da6a3ce929d0e0e4736"
	req := httptest.NewRequest(http.MethodGet, "/api/v1/presigned/"+token+"?download=1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	e.ServeHTTP(httptest.NewRecorder(), req)
	req = httptest.NewRequest(http.MethodPost, "/api/v1/projects/user-alice/services", nil)
	req.Header.Set("Traceparent", "00-"+traceID+"-"+caller+"-01")
	e.ServeHTTP(httptest.NewRecorder(), req)

	spans := recorder.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	presigned, launch := spans[0], spans[1]
	if presigned.Name() != "GET /api/v1/presigned/:token" || presigned.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q (%s), want GET /api/v1/presigned/:token, a server span", presigned.Name(), presigned.SpanKind())
	}
	for _, kv := range presigned.Attributes() {
		if strings.Contains(kv.Value.String(), token) {
			t.Errorf("attribute %s carries the share token", kv.Key)
		}
	}
	attrs := map[string]string{}
	for _, kv := range launch.Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	if launch.Name() != "POST /api/v1/projects/:project/services" || attrs["http.response.status_code"] != "503" ||
		attrs["basalt.project"] != "user-alice" || launch.Status().Code.String() != "Error" {
		t.Errorf("span %q, attributes %v, status %v", launch.Name(), attrs, launch.Status())
	}
	if launch.SpanContext().TraceID().String() != traceID || launch.Parent().SpanID().String() != caller {
		t.Errorf("span in trace %s under %s; want the caller's trace %s under %s", launch.SpanContext().TraceID(),
			launch.Parent().SpanID(), traceID, caller)
	}
}
