// Package basalttest runs the basalt binary as an operator does, for tests that need whole
// processes: several replicas, restarts, a configuration written by another command.
package basalttest

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// Basalt is the main package of the basalt command.
const Basalt = "github.com/basalt-dev/basalt/core/cmd/basalt"

// Build compiles basalt and the named binaries (testplugin's names, e.g. basalt-plugin-s3)
// into one directory, once per test process, so that basalt finds its plugins beside it by
// their bare names. The package's TestMain runs its tests through Run, which removes the
// directory.
//
// Under `make test`, $BASALT_TEST_BIN_DIR names bin/, which `make build` has just filled: when
// every binary asked for is there, that directory is used and nothing is built.
func Build(tb testing.TB, binaries ...string) string {
	tb.Helper()
	all := []string{Basalt}
	for _, name := range binaries {
		all = append(all, testplugin.Package(tb, name))
	}
	if dir := os.Getenv(BinDirVar); dir != "" && len(plugintest.MissingBinaries(dir, all...)) == 0 {
		return dir
	}
	return plugintest.BuildDir(tb, all...)
}

// BinDirVar names a directory of binaries built beforehand (make test passes bin/).
const BinDirVar = testplugin.BinDirVar

// Run runs the package's tests and removes what Build made: os.Exit(basalttest.Run(m)) from
// TestMain.
func Run(m *testing.M) int { return plugintest.Run(m) }

// WorkDir makes a working directory of the test's own for a basalt run from the binaries in
// bin, and the environment giving it its own cache, configuration, data and state homes.
// Relative paths of its configuration, the embedded defaults' data/ and cache/ included, land
// there, never in bin/, where `make run` keeps its files and holds its secrets store's lock.
// The default catalog that make build packages beside the binaries (bin/catalog) is linked in,
// so the defaults find it as make run does.
func WorkDir(tb testing.TB, bin string) (dir string, env []string) {
	tb.Helper()
	dir = tb.TempDir()
	catalog, err := filepath.Abs(filepath.Join(bin, "catalog"))
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(catalog); err == nil {
		if err := os.Symlink(catalog, filepath.Join(dir, "catalog")); err != nil {
			tb.Fatal(err)
		}
	}
	for _, home := range []string{"cache", "config", "data", "state"} {
		env = append(env, "XDG_"+strings.ToUpper(home)+"_HOME="+filepath.Join(dir, "home", home))
	}
	return dir, env
}

// Process is a running `basalt serve`.
type Process struct {
	URL  string // http://address
	Addr string
	Dir  string // its working directory, its own (WorkDir)

	tb     testing.TB
	bin    string
	args   []string
	env    []string
	cmd    *exec.Cmd
	out    *logscan.Buffer // the process writes while the test may read
	log    io.Writer       // the copy kept in the run's log directory, if any
	exited chan struct{}   // nil once stopped
}

// FreeAddress returns a loopback address nobody listens on.
func FreeAddress(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Serve starts `basalt serve` from dir (made by Build) on addr with args (e.g. --config,
// --set) and env added to the test's environment, and waits until /readyz answers 200. Its
// lifecycle engine is off unless args turn it on. It
// runs in a working directory of its own (WorkDir), kept across restarts. The process is
// stopped when the test ends; its output is logged if the test failed.
func Serve(tb testing.TB, dir, addr string, env []string, args ...string) *Process {
	tb.Helper()
	work, homes := WorkDir(tb, dir)
	p := &Process{URL: "http://" + addr, Addr: addr, Dir: work, tb: tb, bin: filepath.Join(dir, "basalt"),
		args: append([]string{"serve", "--set", "server.address=" + addr, "--set", "lifecycle.enabled=" + lifecycleOn(args)}, args...), env: append(homes, env...)}
	p.start()
	tb.Cleanup(func() {
		p.Stop()
		if tb.Failed() {
			tb.Logf("basalt at %s said:\n%s", p.Addr, p.out)
		}
	})
	return p
}

// lifecycleOn keeps the lifecycle engine off in a test's Basalt unless the test turns it on
// (--set lifecycle.enabled=true): the test environment's cluster is shared by the suite, and
// two engines on one cluster would tend each other's services.
func lifecycleOn(args []string) string {
	for i, a := range args {
		if a == "lifecycle.enabled=true" && i > 0 && args[i-1] == "--set" {
			return "true"
		}
	}
	return "false"
}

func (p *Process) start() {
	p.tb.Helper()
	p.out = &logscan.Buffer{}
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Dir = p.Dir
	if p.log == nil {
		p.log = logscan.Create(p.tb, "basalt") // one file for the process and its restarts
	}
	KeepLog(p.cmd, p.out, p.log)
	if err := p.cmd.Start(); err != nil {
		p.tb.Fatal(err)
	}
	exited := make(chan struct{})
	p.exited = exited
	go func() { _ = p.cmd.Wait(); close(exited) }()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			p.tb.Fatalf("basalt exited before it was ready:\n%s", p.out)
		default:
		}
		if resp, err := http.Get(p.URL + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	p.tb.Fatalf("basalt at %s not ready after 90s:\n%s", p.Addr, p.out)
}

// Stop ends the process as Kubernetes does (SIGTERM, then SIGKILL after a grace period) and
// waits for it.
func (p *Process) Stop() {
	if p.exited == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.exited = nil
}

// Restart stops the process and starts it again with the same address, flags and
// environment, as a replaced pod would be.
func (p *Process) Restart() {
	p.tb.Helper()
	p.Stop()
	p.start()
}

// PID is the process's id while it runs.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// PluginCalls reads from the process's metrics how many calls it made to the method of the
// plugin named in its configuration.
func (p *Process) PluginCalls(plugin, method string) int {
	p.tb.Helper()
	resp, err := http.Get(p.URL + "/metrics")
	if err != nil {
		p.tb.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`basalt_plugin_call_duration_seconds_count\{[^}]*method="` + regexp.QuoteMeta(method) +
		`"[^}]*plugin="` + regexp.QuoteMeta(plugin) + `"[^}]*\} (\d+)`).FindSubmatch(text)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// Output is what the process wrote so far.
func (p *Process) Output() string { return p.out.String() }

// KeepLog makes cmd, a basalt command about to start, log at debug level and write its
// output (stdout and stderr) to out and to log, a file of the run's log directory
// (logscan.Create) that make test scans for secrets. Without log, out alone.
func KeepLog(cmd *exec.Cmd, out, log io.Writer) {
	cmd.Stdout, cmd.Stderr = out, out
	if log == nil {
		return
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	// First, so that a level the test sets itself wins.
	cmd.Env = append([]string{"BASALT_LOG__LEVEL=debug"}, env...)
	both := io.MultiWriter(out, log)
	cmd.Stdout, cmd.Stderr = both, both
}
