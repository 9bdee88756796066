package tracing

import (
	"net/url"
	"os"
	"sort"
	"strings"
)

// Environment variables of OpenTelemetry's specification that plugins are started with.
const (
	envDisabled        = "OTEL_SDK_DISABLED"
	envExporter        = "OTEL_TRACES_EXPORTER"
	envEndpoint        = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesEndpoint  = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envTracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envTracesHeaders   = "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
	envTracesCA        = "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"
	envServiceName     = "OTEL_SERVICE_NAME"
	envSampler         = "OTEL_TRACES_SAMPLER"
	defaultServiceName = "basalt"
)

// Disabled reports whether the environment turns tracing off, as OpenTelemetry's SDKs
// read it.
func Disabled() bool {
	return strings.EqualFold(os.Getenv(envDisabled), "true") || os.Getenv(envExporter) == "none"
}

// serviceName is the core's service.name: the setting, else OTEL_SERVICE_NAME, else basalt.
func (s Settings) serviceName() string {
	if s.ServiceName != "" {
		return s.ServiceName
	}
	if v := os.Getenv(envServiceName); v != "" {
		return v
	}
	return defaultServiceName
}

// PluginEnv is what a host adds to the environment of the plugin instance it starts, after
// its own: with s nil (tracing off) it turns the plugin's tracing off, whatever OTEL_*
// variables the host has; otherwise the plugin exports where the host does, under its own
// service name, and keeps the spans of the traces the host keeps.
func PluginEnv(s *Settings, instance string) []string {
	if s == nil {
		return []string{envDisabled + "=true"}
	}
	protocol := s.protocol()
	env := []string{
		envTracesProtocol + "=" + protocol,
		envServiceName + "=" + s.serviceName() + "-plugin-" + instance,
		envSampler + "=parentbased_always_on",
	}
	switch {
	case s.Endpoint != "" && protocol == ProtocolHTTP:
		env = append(env, envTracesEndpoint+"="+strings.TrimSuffix(s.Endpoint, "/")+"/v1/traces")
	case s.Endpoint != "":
		env = append(env, envTracesEndpoint+"="+s.Endpoint)
	case os.Getenv(envEndpoint) == "" && os.Getenv(envTracesEndpoint) == "":
		// The exporter's own default, spelt out: a plugin traces only when it is told where to.
		def := "http://localhost:4318"
		if protocol == ProtocolGRPC {
			def = "http://localhost:4317"
		}
		env = append(env, envEndpoint+"="+def)
	}
	if len(s.Headers) > 0 {
		env = append(env, envTracesHeaders+"="+encodeHeaders(s.Headers))
	}
	if s.CAFile != "" {
		env = append(env, envTracesCA+"="+s.CAFile)
	}
	return env
}

// encodeHeaders writes headers as OTEL_EXPORTER_OTLP_HEADERS does: name=value pairs separated
// by commas, values percent-encoded.
func encodeHeaders(h map[string]string) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, name := range names {
		pairs[i] = name + "=" + url.PathEscape(h[name])
	}
	return strings.Join(pairs, ",")
}

// FromEnv returns the settings of a process whose host asked it to trace (PluginEnv): all of
// them come from the standard variables. ok is false when the environment names no collector
// or turns tracing off.
func FromEnv() (s Settings, ok bool) {
	if Disabled() || (os.Getenv(envEndpoint) == "" && os.Getenv(envTracesEndpoint) == "") {
		return Settings{}, false
	}
	return Settings{}, true
}
