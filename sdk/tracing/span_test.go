package tracing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/basalt-dev/basalt/sdk"
)

// A span ended with an error has the error's kind as its status, never the message's text.
func TestEnderRecordsKindsNotMessages(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")
	for _, err := range []error{
		nil,
		sdk.Errorf(sdk.ErrInvalidArgument, "password %q refused", "hunter2-secret"),
		errors.New("helm: values hunter2-secret are invalid"),
		context.Canceled,
	} {
		_, span := tracer.Start(context.Background(), "step")
		Ender(span)(err)
	}
	want := []struct {
		code codes.Code
		desc string
	}{{codes.Unset, ""}, {codes.Error, sdk.ErrInvalidArgument.Error()}, {codes.Error, "error"}, {codes.Error, context.Canceled.Error()}}
	spans := rec.Ended()
	if len(spans) != len(want) {
		t.Fatalf("%d spans ended, want %d", len(spans), len(want))
	}
	for i, s := range spans {
		if st := s.Status(); st.Code != want[i].code || st.Description != want[i].desc || strings.Contains(st.Description, "hunter2") {
			t.Errorf("span %d: status %v %q, want %v %q", i, st.Code, st.Description, want[i].code, want[i].desc)
		}
	}
}
