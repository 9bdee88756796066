package scale

import (
	"context"
	"errors"
	"fmt"
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
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

// Binaries are the programs Basalt runs here, by the names its configuration gives them.
var Binaries = []string{"basalt", "basalt-plugin-fs", "basalt-plugin-localsecrets", "basalt-plugin-helmrepo", "basalt-plugin-kubernetes"}

// Packages are the main packages of Binaries, for a test that builds them.
var Packages = []string{
	"github.com/basalt-dev/basalt/core/cmd/basalt",
	"github.com/basalt-dev/basalt/plugins/fs/cmd/basalt-plugin-fs",
	"github.com/basalt-dev/basalt/plugins/localsecrets/cmd/basalt-plugin-localsecrets",
	"github.com/basalt-dev/basalt/plugins/helmrepo/cmd/basalt-plugin-helmrepo",
	"github.com/basalt-dev/basalt/plugins/kubernetes/cmd/basalt-plugin-kubernetes",
}

// basaltConfig is the embedded defaults' instance (local files and secrets, the default
// catalog, the cluster region) signed in through the sandbox's OIDC provider, with Onyxia's
// charts as a second catalog and the region's cluster reached through the APICounter. Its
// metrics and Go's profiles are served on a second loopback listener.
const basaltConfig = `
server:
  public_url: %[1]q
  metrics_address: %[7]q
  profiling: true
auth:
  mode: oidc
  oidc: {issuer_url: %[2]q, client_id: %[3]q}
lifecycle:
  enabled: %[6]t
plugins:
  catalogs:
    config:
      cacheDir: cache/helmrepo
      catalogs:
%[4]s
  cluster:
    enabled: true
    config: {kubeconfig: %[5]q}
`

// Catalog is one catalog of the harness's Basalt.
type Catalog struct{ ID, Location string }

// BasaltOptions say how to start the harness's Basalt.
type BasaltOptions struct {
	Bin        string    // a folder holding Binaries (make build's bin/)
	Work       string    // its working directory, made empty by the caller
	Kubeconfig string    // the region's cluster (APICounter.Kubeconfig)
	Catalogs   []Catalog // the default catalog is bin/catalog, linked into Work as "catalog"
	Log        io.Writer // its output
	Lifecycle  bool      // the lifecycle engine, and with it the administrator's fleet
	Profiles   string    // a folder where each plugin writes its CPU profile when it stops; empty: none
}

// Basalt is a running `basalt serve`.
type Basalt struct {
	URL        string
	MetricsURL string // its metrics listener: /metrics and /debug/pprof/
	cmd        *exec.Cmd
	exited     chan struct{}
}

// StartBasalt starts basalt serve on a free loopback port and waits until it is ready.
func StartBasalt(ctx context.Context, env *testenv.Env, o BasaltOptions) (*Basalt, error) {
	addr, err := freeAddress()
	if err != nil {
		return nil, err
	}
	metricsAddr, err := freeAddress()
	if err != nil {
		return nil, err
	}
	var catalogs strings.Builder
	for _, c := range o.Catalogs {
		fmt.Fprintf(&catalogs, "        - {id: %q, location: %q, status: PROD}\n", c.ID, c.Location)
	}
	cfg := filepath.Join(o.Work, "basalt.yaml")
	url := "http://" + addr
	if err := os.WriteFile(cfg, fmt.Appendf(nil, basaltConfig, url, env.OIDCIssuer, env.ServicesClientID, strings.TrimRight(catalogs.String(), "\n"), o.Kubeconfig, o.Lifecycle, metricsAddr), 0o600); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(o.Bin, "catalog")); err == nil {
		abs, err := filepath.Abs(filepath.Join(o.Bin, "catalog"))
		if err != nil {
			return nil, err
		}
		if err := os.Symlink(abs, filepath.Join(o.Work, "catalog")); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command(filepath.Join(o.Bin, "basalt"), "serve", "--config", cfg, "--set", "server.address="+addr, "--set", "log.level=warn")
	cmd.Dir = o.Work
	cmd.Env = append(os.Environ(),
		"BASALT_AUTH__OIDC__CLIENT_SECRET="+env.ServicesClientSecret,
		"BASALT_AUTH__SESSION__KEY="+strings.Repeat("scale-harness-", 3))
	for _, home := range []string{"cache", "config", "data", "state"} {
		cmd.Env = append(cmd.Env, "XDG_"+strings.ToUpper(home)+"_HOME="+filepath.Join(o.Work, "home", home))
	}
	if o.Profiles != "" {
		cmd.Env = append(cmd.Env, pluginrpc.ProfileEnv+"="+filepath.Join(o.Profiles, "{kind}.pprof"))
	}
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	// Basalt ends with the harness, whatever ends it; its plugins end with Basalt.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b := &Basalt{URL: url, MetricsURL: "http://" + metricsAddr, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(b.exited) }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-b.exited:
			return nil, errors.New("basalt exited before it was ready")
		case <-ctx.Done():
			b.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b, nil
			}
		}
		if time.Now().After(deadline) {
			b.Stop()
			return nil, errors.New("basalt not ready after 2 minutes")
		}
	}
}

func freeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// PID is the core's process id.
func (b *Basalt) PID() int { return b.cmd.Process.Pid }

// Plugins maps each plugin process's binary name to its id.
func (b *Basalt) Plugins() map[string]int { return children(b.PID()) }

// Stop ends Basalt (SIGTERM, then SIGKILL after 20 s) and waits for it.
func (b *Basalt) Stop() {
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(20 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
}

var goroutinesLine = regexp.MustCompile(`(?m)^go_goroutines (\d+)`)

// Goroutines reads the core's goroutine count from its metrics.
func (b *Basalt) Goroutines(ctx context.Context) (int, error) {
	text, err := b.metricsGet(ctx, "/metrics")
	if err != nil {
		return 0, err
	}
	m := goroutinesLine.FindSubmatch(text)
	if m == nil {
		return 0, errors.New("basalt's metrics have no go_goroutines")
	}
	return strconv.Atoi(string(m[1]))
}

// CPUProfile takes the core's CPU profile over the next seconds (go tool pprof reads it).
func (b *Basalt) CPUProfile(ctx context.Context, seconds int) ([]byte, error) {
	return b.metricsGet(ctx, "/debug/pprof/profile?seconds="+strconv.Itoa(seconds))
}

// GoroutineDump is the core's goroutines: grouped by stack with a count each (debug 1), or
// each with its state and how long it has waited (debug 2).
func (b *Basalt) GoroutineDump(ctx context.Context, debug int) ([]byte, error) {
	return b.metricsGet(ctx, "/debug/pprof/goroutine?debug="+strconv.Itoa(debug))
}

func (b *Basalt) metricsGet(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.MetricsURL+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, body)
	}
	return body, nil
}
