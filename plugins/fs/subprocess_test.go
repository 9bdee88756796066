package fs_test

import (
	"encoding/json"
	"fmt"
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

// pluginBinary builds basalt-plugin-fs once per test process.
var pluginBinary = sync.OnceValues(func() (string, error) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = "go" // let the build fail with the reason
	}
	dir, err := os.MkdirTemp("", "basalt-plugin-fs-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "basalt-plugin-fs")
	if out, err := exec.Command(goCmd, "build", "-o", bin, "./cmd/basalt-plugin-fs").CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v\n%s", err, out)
	}
	return bin, nil
})

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := pluginBinary(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

type logWriter struct{ tb testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestConformanceSubprocess runs the kit against the plugin binary, started as the core
// starts it (go-plugin, gRPC, AutoMTLS).
func TestConformanceSubprocess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and spawns the plugin binary")
	}
	bin, err := pluginBinary()
	if err != nil {
		t.Fatalf("building the plugin: %v", err)
	}
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		client := plugin.NewClient(&plugin.ClientConfig{
			HandshakeConfig:  pluginrpc.Handshake,
			VersionedPlugins: pluginrpc.ClientPlugins(),
			Cmd:              exec.Command(bin),
			AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
			AutoMTLS:         true,
			GRPCDialOptions:  pluginrpc.DialOptions(),
			Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: logWriter{t}, Level: hclog.Warn}),
		})
		t.Cleanup(client.Kill)
		rpc, err := client.Client()
		if err != nil {
			t.Fatalf("starting the plugin: %v", err)
		}
		raw, err := rpc.Dispense(string(sdk.KindStorage))
		if err != nil {
			t.Fatalf("dispensing: %v", err)
		}
		s := raw.(sdk.Storage)
		cfg := presignConfig()
		cfg["root"] = t.TempDir()
		config, _ := json.Marshal(cfg)
		if _, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: config}); err != nil {
			t.Fatalf("Configure: %v", err)
		}
		return plugintest.StorageSetup{Storage: s, Connected: true, Caller: alice, Other: &bob}
	})
}
