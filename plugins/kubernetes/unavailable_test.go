package kubernetes_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// cuttableProxy forwards TCP connections on a loopback port to the API server. Cutting it
// closes the port and every connection through it, as an API server that stops does;
// restoring it listens on the same port again.
type cuttableProxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *cuttableProxy {
	p := &cuttableProxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.restore(t)
	p.addr = p.ln.Addr().String()
	t.Cleanup(p.cut)
	return p
}

func (p *cuttableProxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", p.target)
			if err != nil {
				in.Close()
				continue
			}
			if !p.track(in, out) {
				continue
			}
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
}

// track remembers a proxied connection, unless the proxy was cut meanwhile.
func (p *cuttableProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *cuttableProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// TestAPIServerAway cuts the plugin off the API server during a call and between calls: every
// call ends soon with ErrUnavailable, and the plugin works again once the server is back.
func TestAPIServerAway(t *testing.T) {
	env := testenv.Require(t)
	target := strings.TrimPrefix(env.KubeServer, "https://")
	proxy := startProxy(t, target)
	kubeconfig, err := os.ReadFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	viaProxy := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(viaProxy, []byte(strings.ReplaceAll(string(kubeconfig), env.KubeServer, "https://"+proxy.addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	p, client := newRegion(t, map[string]any{"kubeconfig": viaProxy})
	ctx := t.Context()
	dana := sdk.Caller{Username: unique("dana-")}
	project := sdk.Project{ID: "user-" + dana.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: dana, Project: project}); err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	name := unique("jupyter-")
	ref := sdk.ReleaseRef{Caller: dana, Project: project, Name: name}
	install := func() error {
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: dana, Project: project, ReleaseName: name, Archive: strings.NewReader(string(jupyterArchive(t))),
			Values: values(name), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: dana.Username},
		})
		return err
	}
	if err := install(); err != nil {
		t.Fatalf("Install: %v", err)
	}
	waitFor(t, p, ref, "ready", sdk.Release.Ready)

	// Mid-call: events followed while the server goes away.
	following := make(chan error, 1)
	go func() {
		following <- p.Events(ctx, sdk.EventsRequest{ReleaseRef: ref, Follow: true}, func(sdk.Event) error { return nil })
	}()
	time.Sleep(300 * time.Millisecond)
	proxy.cut()
	select {
	case err := <-following:
		t.Logf("Events followed: %v", err)
		if !errors.Is(err, sdk.ErrUnavailable) {
			t.Errorf("Events followed while the API server went away: %v, want ErrUnavailable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Events followed still runs 30s after the API server went away")
	}

	// Between calls: each ends soon, with ErrUnavailable.
	calls := map[string]func(ctx context.Context) error{
		"Onboard": func(ctx context.Context) error {
			_, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: dana, Project: project})
			return err
		},
		"Quota": func(ctx context.Context) error {
			_, err := p.Quota(ctx, sdk.QuotaRequest{Caller: dana, Project: project})
			return err
		},
		"Install": func(ctx context.Context) error { return install() },
		"Logs": func(ctx context.Context) error {
			return p.Logs(ctx, sdk.LogsRequest{ReleaseRef: ref, TailLines: 5}, func(sdk.LogLine) error { return nil })
		},
	}
	for what, call := range calls {
		callCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
		began := time.Now()
		err := call(callCtx)
		cancel()
		t.Logf("%s without API server: %v", what, err)
		if !errors.Is(err, sdk.ErrUnavailable) || time.Since(began) > 30*time.Second {
			t.Errorf("%s without API server: %v after %v, want ErrUnavailable within 30s", what, err, time.Since(began).Round(time.Millisecond))
		}
	}

	// Back: the same plugin works again, its caches included.
	proxy.restore(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := p.Quota(ctx, sdk.QuotaRequest{Caller: dana, Project: project})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Quota 30s after the API server came back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend once the API server is back: %v", err)
	}
	waitFor(t, p, ref, "suspended", func(r sdk.Release) bool { return r.Suspended && r.Status == sdk.StatusSuspended })
	if _, err := p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Uninstall once the API server is back: %v", err)
	}
}
