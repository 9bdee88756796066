package tracing

import (
	"fmt"
	"io"

	"github.com/go-logr/logr"
)

// quietLogger is OpenTelemetry's internal logger in Basalt's processes: its errors, without
// their key-value pairs, which may quote a header's value (a malformed
// OTEL_EXPORTER_OTLP_HEADERS is reported with its text); its informational lines are dropped.
func quietLogger(w io.Writer) logr.Logger { return logr.New(quietSink{w}) }

type quietSink struct{ w io.Writer }

func (quietSink) Init(logr.RuntimeInfo)            {}
func (quietSink) Enabled(int) bool                 { return false }
func (quietSink) Info(int, string, ...any)         {}
func (s quietSink) WithValues(...any) logr.LogSink { return s }
func (s quietSink) WithName(string) logr.LogSink   { return s }
func (s quietSink) Error(err error, msg string, _ ...any) {
	fmt.Fprintf(s.w, "opentelemetry: %s: %v\n", msg, err)
}
