package memory_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// The plugin binary is built once per test process and shared by every test and benchmark.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// pluginBinary builds basalt-plugin-memory with the go command that runs the tests.
func pluginBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = "go" // let the build fail with the reason
		}
		if binDir, buildErr = os.MkdirTemp("", "basalt-plugin-memory-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "basalt-plugin-memory")
		out, err := exec.Command(goCmd, "build", "-o", binPath, "./cmd/basalt-plugin-memory").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		tb.Fatalf("building the plugin: %v", buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// logWriter sends the plugin host's log lines to the test log.
type logWriter struct{ tb testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// spawn starts the plugin binary serving kind, as the core does, and returns its client.
// The process is killed when the test ends.
func spawn(tb testing.TB, kind sdk.Kind, logs io.Writer) sdk.Plugin {
	tb.Helper()
	level := hclog.Warn
	if logs == nil {
		logs, level = logWriter{tb}, hclog.Info
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pluginrpc.Handshake,
		VersionedPlugins: pluginrpc.ClientPlugins(),
		Cmd:              exec.Command(pluginBinary(tb), string(kind)),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		GRPCDialOptions:  pluginrpc.DialOptions(),
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: logs, Level: level}),
	})
	tb.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		tb.Fatalf("starting the %s plugin: %v", kind, err)
	}
	raw, err := rpc.Dispense(string(kind))
	if err != nil {
		tb.Fatalf("dispensing %s: %v", kind, err)
	}
	return raw.(sdk.Plugin)
}

// TestStorageConformanceSubprocess runs the storage kit against the plugin binary over
// go-plugin with AutoMTLS: the whole path the core uses.
func TestStorageConformanceSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and spawns the plugin binary")
	}
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		store := spawn(t, sdk.KindStorage, nil).(sdk.Storage)
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
		info, err := spawn(t, kind, nil).Info(t.Context(), sdk.InfoRequest{})
		if err != nil || info.Kind != kind || info.Name != "memory" {
			t.Errorf("%s: info %+v, %v", kind, info, err)
		}
	}
	out, err := exec.Command(pluginBinary(t), "nonsense").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unknown kind") {
		t.Errorf("an unknown kind: %v, %q", err, out)
	}
}
