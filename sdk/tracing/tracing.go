// Package tracing sets up OpenTelemetry tracing in Basalt's processes: the core, from its
// configuration, and each plugin, from the environment the core starts it with. Spans go to
// an OTLP collector over http/protobuf or gRPC; the W3C trace context carries a trace from
// the core's HTTP request through the plugin calls it makes.
//
// When tracing is off nothing is set up: OpenTelemetry's global provider stays the no-op one
// and spans started through it cost next to nothing.
package tracing

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"google.golang.org/grpc/credentials"
)

// Protocols of the OTLP exporter.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// Settings say where spans go. Empty fields are left to the standard OTEL_EXPORTER_OTLP_*
// variables, which the exporters read themselves.
type Settings struct {
	// Endpoint is the collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT.
	Endpoint string
	// Protocol is ProtocolHTTP or ProtocolGRPC; empty: OTEL_EXPORTER_OTLP_PROTOCOL, else HTTP.
	Protocol string
	// Headers go with every export. They are credentials: never logged.
	Headers map[string]string
	// CAFile is a PEM bundle an https endpoint is checked against.
	CAFile string
	// ServiceName names the process's spans; empty: OTEL_SERVICE_NAME, else basalt.
	ServiceName string
	// Sampler decides which traces this process starts are kept; nil: OTEL_TRACES_SAMPLER,
	// else every one (child spans always follow their parent).
	Sampler sdktrace.Sampler
}

// active holds the settings of the provider Start made global, until it is shut down.
var active atomic.Pointer[Settings]

// Active returns the settings this process traces with, or nil when it does not trace. Like
// OpenTelemetry's global provider it is the process's: a host passes it on to the plugins it
// starts, and both ends of the plugin connection add their gRPC instrumentation only then.
func Active() *Settings { return active.Load() }

// Start makes a provider exporting to s's collector the global one, with the W3C trace
// context as the global propagator, and returns what flushes and stops it.
func Start(ctx context.Context, s Settings) (shutdown func(context.Context) error, err error) {
	otel.SetLogger(quietLogger(os.Stderr)) // before the exporter reads its variables
	exporter, err := newExporter(ctx, s)
	if err != nil {
		return nil, err
	}
	// The environment (OTEL_RESOURCE_ATTRIBUTES) first, so that the service name wins.
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(), resource.WithProcessPID(),
		resource.WithAttributes(semconv.ServiceName(s.serviceName())))
	if err != nil {
		return nil, fmt.Errorf("tracing resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)}
	if s.Sampler != nil {
		opts = append(opts, sdktrace.WithSampler(s.Sampler))
	}
	provider := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	active.Store(&s)
	return func(ctx context.Context) error {
		active.CompareAndSwap(&s, nil)
		return provider.Shutdown(ctx)
	}, nil
}

// RootSampler keeps ratio of the traces a process starts and follows the caller's decision
// for the others.
func RootSampler(ratio float64) sdktrace.Sampler {
	return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))
}

func newExporter(ctx context.Context, s Settings) (sdktrace.SpanExporter, error) {
	var roots *x509.CertPool
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tracing CA file: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tracing CA file %s: no PEM certificate in it", s.CAFile)
		}
	}
	switch protocol := s.protocol(); protocol {
	case ProtocolHTTP:
		var opts []otlptracehttp.Option
		if s.Endpoint != "" {
			opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimSuffix(s.Endpoint, "/")+"/v1/traces"))
		}
		if len(s.Headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(s.Headers))
		}
		if roots != nil {
			opts = append(opts, otlptracehttp.WithTLSClientConfig(&tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}))
		}
		return otlptracehttp.New(ctx, opts...)
	case ProtocolGRPC:
		var opts []otlptracegrpc.Option
		if s.Endpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(s.Endpoint))
		}
		if len(s.Headers) > 0 {
			opts = append(opts, otlptracegrpc.WithHeaders(s.Headers))
		}
		if roots != nil {
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewClientTLSFromCert(roots, "")))
		}
		return otlptracegrpc.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("tracing protocol %q: must be %s or %s", protocol, ProtocolHTTP, ProtocolGRPC)
	}
}

// protocol is the one the exporter speaks: the setting, else the standard variables.
func (s Settings) protocol() string {
	if s.Protocol != "" {
		return s.Protocol
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return ProtocolHTTP
}
