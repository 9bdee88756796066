package plugintest

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
)

var builds = struct {
	sync.Mutex
	dir  string
	bins map[string]string
}{bins: map[string]string{}}

// Build compiles a plugin's main package (an import path, or a path relative to the test's
// package such as "./cmd/basalt-plugin-fs") once per test process and returns the binary.
// RemoveBuilds, from TestMain, deletes what Build made.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	builds.Lock()
	defer builds.Unlock()
	if bin, ok := builds.bins[pkg]; ok {
		return bin
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "basalt-plugintest-")
		if err != nil {
			tb.Fatalf("building %s: %v", pkg, err)
		}
		builds.dir = dir
	}
	bin := filepath.Join(builds.dir, strings.NewReplacer("/", "_", ".", "_").Replace(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		tb.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	builds.bins[pkg] = bin
	return bin
}

// RemoveBuilds deletes the binaries Build made.
func RemoveBuilds() {
	builds.Lock()
	defer builds.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
		builds.dir, builds.bins = "", map[string]string{}
	}
}

// logWriter sends the host side's log lines to the test log.
type logWriter struct{ tb testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Spawn starts a plugin binary as the core does (go-plugin, gRPC only, AutoMTLS) and returns
// its client for kind, unconfigured, with the process id; the process is killed when the test
// ends. Warnings of the plugin reach the test log.
func Spawn(tb testing.TB, kind sdk.Kind, bin string, args ...string) (sdk.Plugin, int) {
	tb.Helper()
	return spawn(tb, kind, bin, hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: logWriter{tb}, Level: hclog.Warn}), args)
}

// SpawnLogged is Spawn that also copies every line the plugin logs, at any level, to log:
// for tests that check what a plugin writes to its logs.
func SpawnLogged(tb testing.TB, kind sdk.Kind, bin string, log io.Writer, args ...string) (sdk.Plugin, int) {
	tb.Helper()
	return spawn(tb, kind, bin, hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: io.MultiWriter(log, logWriter{tb}), Level: hclog.Trace}), args)
}

func spawn(tb testing.TB, kind sdk.Kind, bin string, logger hclog.Logger, args []string) (sdk.Plugin, int) {
	tb.Helper()
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pluginrpc.Handshake,
		VersionedPlugins: pluginrpc.ClientPlugins(),
		Cmd:              exec.Command(bin, args...),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		GRPCDialOptions:  pluginrpc.DialOptions(),
		Logger:           logger,
	})
	tb.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		tb.Fatalf("starting the %s plugin %s: %v", kind, bin, err)
	}
	raw, err := rpc.Dispense(string(kind))
	if err != nil {
		tb.Fatalf("dispensing %s: %v", kind, err)
	}
	return raw.(sdk.Plugin), client.ReattachConfig().Pid
}
