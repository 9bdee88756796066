package server

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authn"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/deploy/testenv"
)

// oidcConfig is the configuration of a Basalt signing users in through the test environment's
// provider (the portal's client, accepting the services client's ID tokens) on a loopback
// port, with the listener it is to serve on and its base URL.
func oidcConfig(t *testing.T, env *testenv.Env, sets ...string) (*config.Config, net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg, err := config.Load(config.Sources{Sets: append([]string{
		"auth.mode=oidc", "server.public_url=" + base, "auth.oidc.issuer_url=" + env.OIDCIssuer,
		"auth.oidc.client_id=" + env.PortalClientID, "auth.oidc.client_secret=" + env.PortalClientSecret,
		"auth.oidc.audience=" + env.ServicesClientID, "auth.session.key=" + strings.Repeat("i", 40),
	}, sets...)})
	if err != nil {
		t.Fatal(err)
	}
	return cfg, ln, base
}

// serveOIDC starts cfg's plugins and serves Basalt on ln until the test ends; it returns the
// plugin host, for setting data up through the plugins themselves.
func serveOIDC(t *testing.T, cfg *config.Config, ln net.Listener, base string, log *slog.Logger) *pluginhost.Host {
	t.Helper()
	host, _ := serveOIDCOnClock(t, cfg, ln, base, log, nil)
	return host
}

// serveOIDCOnClock is serveOIDC whose lifecycle reads the time from clock (nil: the real one);
// it returns the server too.
func serveOIDCOnClock(t *testing.T, cfg *config.Config, ln net.Listener, base string, log *slog.Logger, clock func() time.Time) (*pluginhost.Host, *Server) {
	t.Helper()
	ctx := t.Context()
	host, err := pluginhost.New(cfg.Plugins, log, pluginhost.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(host.Close)
	if err := host.Start(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := authn.New(ctx, cfg.Auth, base, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := mustNew(t, Options{Config: cfg, Plugins: host, Log: log, Registry: prometheus.NewRegistry(), Authn: a, Authz: newAuthz(t, cfg), LifecycleClock: clock})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return host, srv
}
