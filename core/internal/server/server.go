// Package server is Basalt's HTTP server: health and readiness, metrics, the /api/v1 surface
// and the embedded portal, with request ids, an access log, one error shape and graceful
// shutdown.
package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/apitoken"
	"github.com/basalt-dev/basalt/core/internal/audit"
	"github.com/basalt-dev/basalt/core/internal/authn"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/catalog"
	"github.com/basalt-dev/basalt/core/internal/gateway"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/core/internal/sharelink"
	"github.com/basalt-dev/basalt/sdk"
)

// Options are what the server is built from.
type Options struct {
	Config   *config.Config
	Plugins  *pluginhost.Host
	Log      *slog.Logger
	Registry *prometheus.Registry
	// Authn authenticates callers in oidc mode; nil in local mode.
	Authn *authn.Authenticator
	// Authz decides every plugin call; handlers only ever see wrapped plugins.
	Authz *authz.Authorizer
	// Portal is the built front end; nil or empty serves a page saying it is not built.
	Portal fs.FS
	// LifecycleClock is the clock of the lifecycle engine and of the gateway (passes, last
	// requests); nil: time.Now. Tests drive it.
	LifecycleClock func() time.Time
}

// Server is a configured HTTP server, ready to serve on a listener.
type Server struct {
	opts     Options
	echo     *echo.Echo
	http     *http.Server
	metrics  *http.Server // on server.metrics_address; nil: /metrics is an API route
	catalogs *catalog.Service
	scopes   *scope.Resolver
	links    *sharelink.Signer
	launcher *action.Config
	actions  launchActions
	changes  changeActions
	launches *launchMetrics
	audit    *audit.Recorder
	engine   *lifecycle.Engine // nil when lifecycle.enabled is false
	gateway  *gateway.Gateway  // nil when gateway.enabled is false
	lacks    lacks             // what plugins have answered they do not hand out
	// fleetPages is the fleet's last listing, which its pages are read from.
	fleetPages fleetSnapshot
	tokens     *apitoken.Keeper // API tokens; nil when they are off
	forwards   *forwards        // services' port-forward commands, kept a while
}

// New builds the server and its routes.
func New(opts Options) (*Server, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = httpapi.ErrorHandler(opts.Log)
	e.Binder = &httpapi.Binder{}
	// A client's address (sign-in rate limits, logs) comes from X-Forwarded-For only when the
	// peer is a proxy on a loopback or private network (an ingress); anyone else could write
	// that header to dodge the limits.
	e.IPExtractor = echo.ExtractIPFromXFFHeader(echo.TrustLoopback(true), echo.TrustLinkLocal(false), echo.TrustPrivateNet(true))
	s := &Server{opts: opts, echo: e, catalogs: catalog.New(catalogSources(opts.Plugins, opts.Authz), opts.Log),
		links: newLinkSigner(opts.Config.Auth.Session.Key), forwards: newForwards()}
	s.scopes = scope.NewResolver(opts.Config, opts.Plugins, opts.Authz)
	s.tokens = newTokenKeeper(opts)
	var err error
	if s.launcher, err = action.NewConfig(opts.Config, s.catalogs, opts.Log); err != nil {
		return nil, err
	}
	s.actions = newLaunchActions(s.launcher)
	s.changes = changeActions{change: action.NewChange(s.launcher), rollback: action.NewRollback(s.launcher)}
	a := opts.Config.Audit
	s.audit = audit.New(opts.Log, audit.Webhook{URL: a.WebhookURL, Headers: a.WebhookHeaders, Timeout: a.WebhookTimeout})
	if s.engine, err = s.newEngine(opts); err != nil {
		return nil, err
	}
	s.gateway = s.newGateway(opts)
	// A service's host is another site: none of the portal's routes, headers or limits.
	e.Pre(s.serveApps)

	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "basalt_http_request_duration_seconds",
		Help:    "Duration of HTTP requests by route, method and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "method", "status"})
	opts.Registry.MustRegister(requests)
	s.launches = newLaunchMetrics(opts.Registry)

	if opts.Config.Telemetry.Tracing.Enabled {
		e.Use(traceRequests())
	}
	e.Use(middleware.RequestID())
	e.Use(httpapi.LimitInputs)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			opts.Log.Error("panic in handler", "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRoutePath: true,
		LogError: true, HandleError: true, LogResponseSize: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			requests.WithLabelValues(v.RoutePath, v.Method, strconv.Itoa(v.Status)).Observe(v.Latency.Seconds())
			level := slog.LevelInfo
			if v.URIPath == "/healthz" || v.URIPath == "/readyz" || v.URIPath == "/metrics" {
				level = slog.LevelDebug
			}
			opts.Log.Log(c.Request().Context(), level, "http request", "method", v.Method, "path", loggedPath(v.URIPath),
				"route", v.RoutePath, "status", v.Status, "took", v.Latency, "bytes", v.ResponseSize, "request_id", v.RequestID)
			return nil
		},
	}))

	if err := s.harden(); err != nil {
		return nil, err
	}
	if opts.Config.Server.MetricsAddress != "" {
		s.metrics = s.metricsServer()
	}
	s.routes()
	// No ReadTimeout nor WriteTimeout: they bound a whole request, which would cut uploads,
	// downloads and event streams; deadlines (hardening.go) bound each read and write instead.
	t := opts.Config.Server.Timeouts
	s.http = &http.Server{Handler: e, ReadHeaderTimeout: t.ReadHeader, IdleTimeout: t.Idle}
	return s, nil
}

// shareLinkRoute serves the links Basalt signs: the path's last element is the token.
const shareLinkRoute = "/api/v1/presigned/:token"

// loggedPath is a request's path for the access log. A share link's path holds its token,
// which lets anyone read the file: the route stands for it, whatever follows the token.
func loggedPath(path string) string {
	if strings.HasPrefix(path, strings.TrimSuffix(shareLinkRoute, ":token")) {
		return shareLinkRoute
	}
	return path
}

// Handler returns the server's HTTP handler (for in-process tests).
func (s *Server) Handler() http.Handler { return s.echo }

// Serve serves HTTP on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.gateway != nil {
		s.gateway.Listening(ln.Addr().String())
	}
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ServeMetrics serves /metrics alone on ln, the listener of server.metrics_address, until
// Shutdown.
func (s *Server) ServeMetrics(ln net.Listener) error {
	if s.metrics == nil {
		return errors.New("server.metrics_address is not set: /metrics is served with the API")
	}
	err := s.metrics.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections and waits for requests in flight, then for the audit
// events still on their way to the webhook, up to ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	var metrics error
	if s.metrics != nil {
		metrics = s.metrics.Shutdown(ctx)
	}
	return errors.Join(s.http.Shutdown(ctx), metrics, s.audit.Close(ctx))
}

// Routes lists the method and path of every route, for the OpenAPI check.
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	if s.metrics == nil {
		e.GET("/metrics", echo.WrapHandler(s.metricsHandler()))
	} else {
		// Served on the metrics listener; here, not the portal's page either.
		e.GET("/metrics", func(echo.Context) error { return echo.ErrNotFound })
	}
	// Profiles (server.profiling) are served on the metrics listener alone; here, not the
	// portal's page either.
	e.GET("/debug/pprof", func(echo.Context) error { return echo.ErrNotFound })
	e.GET("/debug/pprof/*", func(echo.Context) error { return echo.ErrNotFound })

	public := e.Group("/api/v1")
	public.GET("/openapi.yaml", s.openapi)
	public.GET("/version", s.version)
	public.GET("/config", s.uiConfig)
	public.GET("/presigned/:token", s.presigned)
	public.GET("/gateway/authorize", s.gatewayAuthorize) // it authenticates itself: a browser may have to sign in first
	public.Any("/*", func(echo.Context) error { return echo.ErrNotFound })

	v1 := e.Group("/api/v1", withoutNil(s.authenticate, s.auditTrail, s.launchLimit())...)
	v1.GET("/plugins", s.plugins)
	v1.GET("/catalogs", s.listCatalogs)
	v1.POST("/catalogs/refresh", s.refreshCatalogs)
	v1.GET("/catalogs/:catalog", s.getCatalog)
	v1.GET("/catalogs/:catalog/charts", s.listCharts)
	v1.GET("/catalogs/:catalog/charts/:chart", s.getChart)
	v1.GET("/catalogs/:catalog/charts/:chart/versions/:version", s.getChartVersion)
	v1.GET("/catalogs/:catalog/charts/:chart/icon", s.getChartIcon)
	v1.GET("/catalogs/:catalog/charts/:chart/versions/:version/archive", s.chartArchive)
	v1.GET("/schemas", s.listSchemas)
	v1.GET("/schemas/:name", s.getSchema)

	me := v1.Group("/me", s.inScope) // the caller in their personal project
	me.GET("", s.me)
	me.GET("/settings", s.getSettings)
	me.PUT("/settings", s.putSettings)
	me.GET("/profile", s.getProfile)
	me.PUT("/profile", s.putProfile)
	me.GET("/bookmarks", s.listBookmarks)
	me.POST("/bookmarks", s.addBookmark)
	me.DELETE("/bookmarks", s.removeBookmark)
	me.GET("/notices", s.notices)
	me.GET("/query-history", s.listQueryHistory)
	me.POST("/query-history", s.addQueryHistory)
	me.GET("/s3-profiles", s.listS3Profiles)
	me.POST("/s3-profiles", s.createS3Profile)
	me.PUT("/s3-profiles/:name", s.updateS3Profile)
	me.DELETE("/s3-profiles/:name", s.deleteS3Profile)
	me.GET("/s3-profiles/:name/credentials", s.s3ProfileCredentials)
	me.GET("/tokens", s.listAPITokens)
	me.POST("/tokens", s.createAPIToken)
	me.DELETE("/tokens/:id", s.revokeAPIToken)

	project := v1.Group("/projects/:project", s.inScope)

	files := project.Group("/files", s.withStorageHome)
	files.GET("", s.listFiles)
	files.DELETE("", s.deleteFile)
	files.GET("/content", s.downloadFile)
	files.PUT("/content", s.uploadFile)
	files.POST("/folders", s.createFolder)
	files.POST("/share", s.shareFile)
	files.PUT("/policy", s.setFilePolicy)
	files.GET("/public", s.listPublicFolders)
	project.GET("/credentials/storage", s.storageCredentials, s.withStorageHome)

	services := project.Group("/services")
	// A launch is read and checked before the region says it runs no services.
	services.POST("", s.launchService, s.withNamespaceIfAny)
	onboarded := []echo.MiddlewareFunc{s.withNamespace}
	services.GET("", s.listServices, onboarded...)
	services.DELETE("", s.deleteServices, onboarded...)
	services.GET("/:service", s.getService, onboarded...)
	services.PATCH("/:service", s.patchService, onboarded...)
	services.DELETE("/:service", s.deleteService, onboarded...)
	services.POST("/:service/suspend", s.suspendService, onboarded...)
	services.POST("/:service/resume", s.resumeService, onboarded...)
	services.GET("/:service/change/form", s.changeForm, onboarded...)
	services.POST("/:service/change/plan", s.planChange, onboarded...)
	services.POST("/:service/change", s.changeService, onboarded...)
	services.GET("/:service/history", s.serviceHistory, onboarded...)
	services.POST("/:service/rollback/plan", s.planRollback, onboarded...)
	services.POST("/:service/rollback", s.rollbackService, onboarded...)
	services.PUT("/:service/lifecycle", s.setServiceLifecycle, onboarded...)
	services.GET("/:service/access", s.serviceAccess, onboarded...)
	services.PUT("/:service/access", s.setServiceAccess, onboarded...)
	services.GET("/:service/credentials", s.serviceCredentials, onboarded...)
	streams := append(onboarded, withoutNil(s.streamCap())...)
	services.GET("/:service/logs", s.serviceLogs, streams...)
	services.GET("/:service/events", s.serviceEvents, streams...)
	project.GET("/quota", s.quota, s.withNamespace)
	project.GET("/kubeconfig", s.kubeconfig, s.withNamespace)
	project.GET("/members", s.projectMembers)
	project.POST("/members", s.changeProjectMembers)
	project.GET("/lifecycle", s.lifecyclePolicy)
	project.GET("/launch/form", s.launchForm, s.withNamespaceToPlan)
	project.POST("/launch/plan", s.planLaunch, s.withNamespaceToPlan)

	secrets := project.Group("/secrets", s.withSecretsHome)
	secrets.GET("", s.listSecrets)
	secrets.GET("/secret", s.readSecret)
	secrets.PUT("/secret", s.writeSecret)
	secrets.DELETE("/secret", s.deleteSecret)
	secrets.POST("/secret/undelete", s.undeleteSecret)
	secrets.GET("/secret/versions", s.secretVersions)
	project.GET("/credentials/secrets", s.secretsCredentials, s.withSecretsHome)
	configurations := project.Group("/configurations", s.withSecretsHome)
	configurations.GET("", s.listConfigurations)
	configurations.GET("/:name", s.getConfiguration)
	configurations.PUT("/:name", s.saveConfiguration)
	configurations.DELETE("/:name", s.deleteConfiguration)

	admin := v1.Group("/admin") // each handler requires the platform's rights
	admin.GET("/services", s.fleet)
	admin.POST("/services/actions", s.fleetAction)
	admin.GET("/platform", s.platformHealth)
	admin.GET("/audit", s.auditTrailOf)
	admin.GET("/usage", s.usageReport)
	admin.GET("/projects", s.adminProjects)
	admin.POST("/projects/:project/members", s.adminSetMembers)
	admin.PUT("/projects/:project/quota", s.adminSetQuota)

	if s.gateway != nil {
		// Forward-auth mode: the ingress controller asks before proxying to a service itself.
		e.GET(gateway.AuthPath, echo.WrapHandler(http.HandlerFunc(s.gateway.ServeAuth)))
	}
	s.authRoutes()
	s.portal()
}

// catalogSources are every catalog plugin instance: each serves the catalogs of its own
// configuration.
func catalogSources(h *pluginhost.Host, a *authz.Authorizer) []catalog.Source {
	var out []catalog.Source
	for _, inst := range h.Instances() {
		if inst.Kind != sdk.KindCatalog {
			continue
		}
		plugin, err := h.Catalog(inst.Name)
		if err == nil {
			out = append(out, catalog.Source{Name: inst.Name, Plugin: a.Catalog(plugin)})
		}
	}
	return out
}
