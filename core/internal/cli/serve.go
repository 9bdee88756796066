package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/basalt-dev/basalt/core/internal/authn"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/buildinfo"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/core/internal/server"
	"github.com/basalt-dev/basalt/web"
)

func newServe(stderr io.Writer) *cobra.Command {
	var flags configFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Start the server with its plugins",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			log := newLogger(cfg.Log, stderr)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()

			stopTracing, err := startTracing(ctx, cfg.Telemetry.Tracing, log)
			if err != nil {
				return err
			}
			defer stopTracing() // after the plugins have stopped and flushed their own

			registry := prometheus.NewRegistry()
			registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
			host, err := pluginhost.New(cfg.Plugins, log, pluginhost.NewMetrics(registry))
			if err != nil {
				return fmt.Errorf("configuration:\n%w", err)
			}
			defer host.Close()
			if err := host.Start(ctx); err != nil {
				return fmt.Errorf("plugins:\n%w", err)
			}

			authorizer, err := authz.New(cfg.Authz, log)
			if err != nil {
				return fmt.Errorf("authorization:\n%w", err)
			}
			go authorizer.Watch(ctx, 2*time.Second)

			var authenticator *authn.Authenticator
			if cfg.Auth.Mode == "oidc" {
				if authenticator, err = authn.New(ctx, cfg.Auth, cfg.Server.PublicURL, log); err != nil {
					return fmt.Errorf("authentication:\n%w", err)
				}
			}

			ln, err := net.Listen("tcp", cfg.Server.Address)
			if err != nil {
				return fmt.Errorf("server.address: %w", err)
			}
			srv, err := server.New(server.Options{Config: cfg, Plugins: host, Log: log, Registry: registry, Authn: authenticator, Authz: authorizer, Portal: portal()})
			if err != nil {
				return err
			}
			log.Info("basalt is serving", "version", buildinfo.Version, "url", "http://"+ln.Addr().String(),
				"plugins", len(host.Instances()), "portal_built", web.Built())
			if cfg.Auth.Mode == "local" {
				if host, _, _ := net.SplitHostPort(ln.Addr().String()); net.ParseIP(host).IsLoopback() {
					log.Info("local mode listens on loopback only: reachable from this machine alone (set server.address to expose it)")
				} else {
					log.Warn("local mode on a non-loopback address: whoever reaches it acts as the local user", "address", ln.Addr().String())
				}
			}

			for _, r := range cfg.Regions {
				if r.Region == "" {
					log.Info("region runs no services: launching answers 501 until it names a region plugin "+
						"(make run adds the sandbox cluster; or --set plugins.cluster.enabled=true --set plugins.cluster.config.kubeconfig=PATH)",
						"region", r.ID)
				}
			}

			done := make(chan error, 3)
			if addr := cfg.Server.MetricsAddress; addr != "" {
				mln, err := net.Listen("tcp", addr)
				if err != nil {
					return fmt.Errorf("server.metrics_address: %w", err)
				}
				log.Info("metrics are served on their own listener", "url", "http://"+mln.Addr().String()+"/metrics")
				go func() { done <- srv.ServeMetrics(mln) }()
			}
			go func() { done <- srv.Serve(ln) }()
			// The lifecycle engine stops with the server; a failure to start it (its Lease's
			// cluster unreachable) stops Basalt rather than leave services untended unseen.
			engineCtx, stopEngine := context.WithCancel(ctx)
			defer stopEngine()
			go srv.RunGateway(engineCtx)
			go func() {
				if err := srv.RunLifecycle(engineCtx); err != nil {
					done <- fmt.Errorf("lifecycle engine: %w", err)
				}
			}()
			select {
			case err := <-done:
				return err
			case <-ctx.Done():
			}
			log.Info("shutting down", "grace", cfg.Server.ShutdownTimeout)
			shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
			defer cancel()
			return srv.Shutdown(shutdownCtx)
		},
	}
	flags.add(cmd)
	return cmd
}
