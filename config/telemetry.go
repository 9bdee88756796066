package config

import (
	"fmt"
	"net/url"
)

// Telemetry is what Basalt reports about its own work beyond the log and /metrics.
type Telemetry struct {
	Tracing Tracing `koanf:"tracing" doc:"OpenTelemetry traces of requests, launches and plugin calls, sent to an OTLP collector. The standard OTEL_EXPORTER_OTLP_* variables (endpoint, headers, certificate, protocol, timeout), OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES apply to what these keys leave empty; OTEL_SDK_DISABLED=true turns tracing off."`
}

// Tracing sends OpenTelemetry traces over OTLP. Off by default: no exporter and no
// instrumentation are set up at all.
type Tracing struct {
	Enabled     bool              `koanf:"enabled" doc:"Trace HTTP requests, launches and plugin calls, in the core and in the plugin processes it starts."`
	Endpoint    string            `koanf:"endpoint" doc:"The collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: http://collector:4318 for http/protobuf (/v1/traces is added), http://collector:4317 for grpc. http:// sends in clear, https:// with TLS. Empty: OTEL_EXPORTER_OTLP_ENDPOINT, else the protocol's localhost default."`
	Protocol    string            `koanf:"protocol" doc:"http/protobuf or grpc; empty: OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf."`
	Headers     map[string]string `koanf:"headers" doc:"Headers sent with every export, e.g. Authorization; values are secrets: never logged nor put in spans. Empty: OTEL_EXPORTER_OTLP_HEADERS."`
	CAFile      string            `koanf:"ca_file" doc:"A PEM file of the certificate authorities an https:// endpoint is checked against; empty: the system's (or OTEL_EXPORTER_OTLP_CERTIFICATE)."`
	SampleRatio float64           `koanf:"sample_ratio" doc:"The share of traces started by Basalt that are kept, from 0 to 1; a request carrying a traceparent header follows its caller's decision."`
	ServiceName string            `koanf:"service_name" doc:"The service.name of the core's spans; each plugin's is this name and -plugin-<instance>. Empty: OTEL_SERVICE_NAME, else basalt."`
}

// Tracing protocols.
const (
	TracingHTTP = "http/protobuf"
	TracingGRPC = "grpc"
)

func (t Tracing) validate(bad func(key, format string, args ...any)) {
	const key = "telemetry.tracing"
	if t.Endpoint != "" {
		if u, err := url.Parse(t.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(key+".endpoint", "must be an http:// or https:// URL such as http://collector:4318; got %q", t.Endpoint)
		}
	}
	switch t.Protocol {
	case "", TracingHTTP, TracingGRPC:
	default:
		bad(key+".protocol", "must be %s or %s; got %q", TracingHTTP, TracingGRPC, t.Protocol)
	}
	if t.SampleRatio < 0 || t.SampleRatio > 1 {
		bad(key+".sample_ratio", "must be between 0 and 1; got %s", fmt.Sprint(t.SampleRatio))
	}
	for name := range t.Headers {
		if name == "" {
			bad(key+".headers", "a header needs a name")
		}
	}
}
