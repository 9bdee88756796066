package memory_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

func TestMain(m *testing.M) {
	os.Exit(plugintest.Run(m))
}

// pluginBinary is basalt-plugin-memory, built once per test process.
func pluginBinary(tb testing.TB) string {
	return plugintest.Build(tb, "./cmd/basalt-plugin-memory")
}

// spawn starts the plugin binary serving kind, as the core does, and returns its client.
func spawn(tb testing.TB, kind sdk.Kind) sdk.Plugin {
	p, _ := plugintest.Spawn(tb, kind, pluginBinary(tb), string(kind))
	return p
}

// TestStorageConformanceSubprocess runs the storage kit against the plugin binary over
// go-plugin with AutoMTLS: the whole path the core uses.
func TestStorageConformanceSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and spawns the plugin binary")
	}
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		store := spawn(t, sdk.KindStorage).(sdk.Storage)
		if _, err := store.Configure(t.Context(), sdk.ConfigureRequest{Config: []byte(`{"maxPageSize": 500}`)}); err != nil {
			t.Fatalf("Configure: %v", err)
		}
		return plugintest.StorageSetup{Storage: store, Connected: true, Caller: alice, Other: &bob}
	})
}

// TestBinaryServesEveryKind checks the binary serves each kind and refuses an unknown one.
func TestBinaryServesEveryKind(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and spawns the plugin binary")
	}
	for _, kind := range sdk.Kinds {
		info, err := spawn(t, kind).Info(t.Context(), sdk.InfoRequest{})
		if err != nil || info.Kind != kind || info.Name != "memory" {
			t.Errorf("%s: info %+v, %v", kind, info, err)
		}
	}
	out, err := exec.Command(pluginBinary(t), "nonsense").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unknown kind") {
		t.Errorf("an unknown kind: %v, %q", err, out)
	}
}
