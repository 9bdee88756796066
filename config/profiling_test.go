package config

import (
	"errors"
	"strings"
	"testing"
)

// Profiles are served on the metrics listener alone: without one, turning them on is refused
// rather than served on server.address.
func TestProfilingNeedsTheMetricsListener(t *testing.T) {
	_, err := Load(Sources{Sets: []string{"server.profiling=true"}})
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "server.profiling" || !strings.Contains(err.Error(), "server.metrics_address") {
		t.Fatalf("profiling without server.metrics_address: %v, want an error naming server.profiling and server.metrics_address", err)
	}
	cfg, err := Load(Sources{Sets: []string{"server.profiling=true", "server.metrics_address=127.0.0.1:9090"}})
	if err != nil || !cfg.Server.Profiling {
		t.Fatalf("profiling with a metrics listener: %v", err)
	}
	if cfg, err := Load(Sources{}); err != nil || cfg.Server.Profiling {
		t.Fatalf("profiling must be off by default (%v)", err)
	}
}
