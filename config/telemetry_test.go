package config

import (
	"errors"
	"strings"
	"testing"
)

func TestTracingIsOffByDefault(t *testing.T) {
	cfg, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if tr := cfg.Telemetry.Tracing; tr.Enabled || tr.Endpoint != "" || tr.SampleRatio != 1 {
		t.Errorf("default tracing %+v: want off, no endpoint, every trace kept once on", tr)
	}
}

func TestTracingSettingsAreChecked(t *testing.T) {
	cases := []struct{ set, key string }{
		{"telemetry.tracing.endpoint=collector:4318", "telemetry.tracing.endpoint"},
		{"telemetry.tracing.endpoint=ftp://collector", "telemetry.tracing.endpoint"},
		{"telemetry.tracing.protocol=http/json", "telemetry.tracing.protocol"},
		{"telemetry.tracing.sample_ratio=1.5", "telemetry.tracing.sample_ratio"},
		{"telemetry.tracing.sample_ratio=-0.1", "telemetry.tracing.sample_ratio"},
	}
	for _, c := range cases {
		_, err := Load(Sources{Sets: []string{c.set}})
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), c.key) {
			t.Errorf("--set %s: error %v does not name %s", c.set, err, c.key)
		}
	}
}

func TestTracingFromTheEnvironment(t *testing.T) {
	cfg, err := Load(Sources{Environ: []string{
		"BASALT_TELEMETRY__TRACING__ENABLED=true",
		"BASALT_TELEMETRY__TRACING__ENDPOINT=https://collector.example:4317",
		"BASALT_TELEMETRY__TRACING__PROTOCOL=grpc",
		"BASALT_TELEMETRY__TRACING__SAMPLE_RATIO=0.25",
	}})
	if err != nil {
		t.Fatal(err)
	}
	tr := cfg.Telemetry.Tracing
	if !tr.Enabled || tr.Endpoint != "https://collector.example:4317" || tr.Protocol != TracingGRPC || tr.SampleRatio != 0.25 {
		t.Errorf("tracing from BASALT_TELEMETRY__TRACING__*: %+v", tr)
	}
}
