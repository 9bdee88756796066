package fs_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

func TestMain(m *testing.M) {
	os.Exit(plugintest.Run(m))
}

// TestConformanceSubprocess runs the kit against the plugin binary, started as the core
// starts it (go-plugin, gRPC, AutoMTLS).
func TestConformanceSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and spawns the plugin binary")
	}
	bin := plugintest.Build(t, "./cmd/basalt-plugin-fs")
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		p, _ := plugintest.Spawn(t, sdk.KindStorage, bin)
		s := p.(sdk.Storage)
		cfg := map[string]any{}
		cfg["root"] = t.TempDir()
		config, _ := json.Marshal(cfg)
		if _, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: config}); err != nil {
			t.Fatalf("Configure: %v", err)
		}
		return plugintest.StorageSetup{Storage: s, Connected: true, Caller: alice, Other: &bob}
	})
}
