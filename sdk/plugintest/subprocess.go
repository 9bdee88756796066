package plugintest

import (
	"io"
	"os"
	"os/exec"
	"path"
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
	dir     string
	running bool // Run called: the folder will be removed
}{}

// Run runs the package's tests and then deletes what Build and BuildDir made; it returns the
// exit code, for TestMain: os.Exit(plugintest.Run(m)). Build refuses to work in a test process
// that did not go through Run, because each run would leave its binaries (hundreds of
// megabytes) in the temporary folder.
func Run(m *testing.M) int {
	builds.Lock()
	builds.running = true
	builds.Unlock()
	code := m.Run()
	removeBuilds()
	return code
}

// Build compiles a plugin's main package (an import path, or a path relative to the test's
// package such as "./cmd/basalt-plugin-fs") once per test process and returns the binary.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	return filepath.Join(BuildDir(tb, pkg), path.Base(pkg))
}

// BuildDir compiles main packages (as Build) into one folder, each binary named as go build
// names it, after its package's last element, so that a program finds the others beside it
// by their bare names. Each is built once per test process; the folder is returned.
func BuildDir(tb testing.TB, pkgs ...string) string {
	tb.Helper()
	builds.Lock()
	defer builds.Unlock()
	if !builds.running {
		tb.Fatal("plugintest: the package's TestMain must run its tests through plugintest.Run (or basalttest.Run), which removes the binaries Build makes")
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "basalt-plugintest-")
		if err != nil {
			tb.Fatalf("building %v: %v", pkgs, err)
		}
		builds.dir = dir
	}
	if missing := MissingBinaries(builds.dir, pkgs...); len(missing) > 0 {
		cmd := exec.Command("go", append([]string{"build", "-o", builds.dir + "/"}, missing...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			tb.Fatalf("go build %v: %v\n%s", missing, err, out)
		}
	}
	return builds.dir
}

// MissingBinaries returns the packages whose binary, named as BuildDir names it, dir lacks.
func MissingBinaries(dir string, pkgs ...string) []string {
	var missing []string
	for _, pkg := range pkgs {
		if _, err := os.Stat(filepath.Join(dir, path.Base(pkg))); err != nil {
			missing = append(missing, pkg)
		}
	}
	return missing
}

// removeBuilds deletes the binaries Build and BuildDir made.
func removeBuilds() {
	builds.Lock()
	defer builds.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
		builds.dir = ""
	}
}

// logWriter sends the host side's log lines to the test log.
type logWriter struct{ tb testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Spawn starts a plugin binary as the core does (go-plugin, gRPC only, AutoMTLS, the calls on
// the plugin's private channel, which it must serve) and returns its client for kind,
// unconfigured, with the process id; the process is killed when the test ends. Warnings of
// the plugin reach the test log.
func Spawn(tb testing.TB, kind sdk.Kind, bin string, args ...string) (sdk.Plugin, int) {
	tb.Helper()
	return spawn(tb, kind, bin, warnings(tb), true, args)
}

// SpawnWithoutChannel is Spawn with no private channel: the calls go over go-plugin's
// connection with mutual TLS, as they do for a plugin built with an sdk older than the
// channel.
func SpawnWithoutChannel(tb testing.TB, kind sdk.Kind, bin string, args ...string) (sdk.Plugin, int) {
	tb.Helper()
	return spawn(tb, kind, bin, warnings(tb), false, args)
}

func warnings(tb testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: logWriter{tb}, Level: hclog.Warn})
}

// SpawnLogged is Spawn that also copies every line the plugin logs, at any level, to log:
// for tests that check what a plugin writes to its logs.
func SpawnLogged(tb testing.TB, kind sdk.Kind, bin string, log io.Writer, args ...string) (sdk.Plugin, int) {
	tb.Helper()
	return spawn(tb, kind, bin, hclog.New(&hclog.LoggerOptions{Name: "plugin", Output: io.MultiWriter(log, logWriter{tb}), Level: hclog.Trace}), true, args)
}

func spawn(tb testing.TB, kind sdk.Kind, bin string, logger hclog.Logger, withChannel bool, args []string) (sdk.Plugin, int) {
	tb.Helper()
	logger = keepLog(tb, bin, logger)
	cmd := exec.Command(bin, args...)
	var channel *pluginrpc.Channel // nil: go-plugin's connection
	if withChannel {
		var err error
		if channel, err = pluginrpc.NewChannel(cmd); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { channel.Close() })
	}
	client := plugin.NewClient(pluginrpc.ClientConfig(cmd, logger))
	tb.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		tb.Fatalf("starting the %s plugin %s: %v", kind, bin, err)
	}
	p, err := channel.Dispense(rpc, kind)
	if err != nil {
		tb.Fatalf("dispensing %s: %v", kind, err)
	}
	if withChannel && !channel.Active() {
		tb.Fatalf("the %s plugin %s does not serve the private channel (built with an older sdk?)", kind, bin)
	}
	return p, client.ReattachConfig().Pid
}
