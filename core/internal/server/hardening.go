package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/basalt-dev/basalt/core/internal/audit"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/identity"
)

// uploadRoute streams file bodies to the store: the only route exempt from the body cap.
const uploadRoute = "/api/v1/projects/:project/files/content"

// contentSecurityPolicy suits the portal: its own scripts only, inline styles (the theme),
// images from anywhere over HTTPS (logos, chart icons), and XHR to itself or to an object
// store, which the browser reaches directly with presigned URLs. A configured font style
// sheet on another origin (ui.font.css_url) is allowed as a style, and fonts over HTTPS.
func contentSecurityPolicy(fontCSS string) string {
	styles := "'self' 'unsafe-inline'"
	if u, err := url.Parse(fontCSS); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		styles += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src " + styles + "; " +
		"img-src 'self' data: https:; font-src 'self' data: https:; connect-src 'self' https: http://127.0.0.1:* http://localhost:*; " +
		"frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
}

// harden puts the request-wide protections in front of every route: security headers,
// refusal of cross-origin state changes (CSRF), CORS for the configured origins only, and the
// request body cap.
func (s *Server) harden() error {
	cfg := s.opts.Config.Server
	secure := middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: contentSecurityPolicy(s.opts.Config.UI.Font.CSSURL),
		ReferrerPolicy:        "strict-origin-when-cross-origin",
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme == "https" {
		secure.HSTSMaxAge = int((365 * 24 * time.Hour).Seconds())
	}
	s.echo.Use(middleware.SecureWithConfig(secure))

	// Browsers say where a request comes from (Sec-Fetch-Site, Origin): a state change from a
	// page of another origin is refused, whatever cookie it carries. API clients send neither
	// header and are not concerned.
	csrf := http.NewCrossOriginProtection()
	for _, origin := range cfg.CORSOrigins {
		if err := csrf.AddTrustedOrigin(origin); err != nil {
			return fmt.Errorf("server.cors_origins: %w", err)
		}
	}
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"error":{"code":"permission_denied","message":"cross-origin request refused: state changes must come from the portal's own pages"}}`))
	}))
	s.echo.Use(echo.WrapMiddleware(csrf.Handler))

	if len(cfg.CORSOrigins) > 0 {
		s.echo.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:     cfg.CORSOrigins,
			AllowCredentials: true,
			AllowMethods:     []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
			AllowHeaders:     []string{echo.HeaderContentType, echo.HeaderAuthorization, "If-Match"},
			ExposeHeaders:    []string{echo.HeaderXRequestID, "Retry-After"},
			MaxAge:           600,
		}))
	}

	s.echo.Use(s.deadlines())
	s.echo.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   strconv.FormatInt(cfg.MaxBodyBytes, 10) + "B",
		Skipper: func(c echo.Context) bool { return c.Path() == uploadRoute && c.Request().Method == http.MethodPut },
	}))
	return nil
}

// deadlines bound slow clients beyond the server's header and idle timeouts. A request body
// must arrive within timeouts.read, except an upload's, which may take as long as it needs
// but never pause that long; each write of a response must be taken by the client within
// timeouts.write, so that a download or an event stream lasts as long as its client reads it,
// and a client that stops reading frees the connection.
func (s *Server) deadlines() echo.MiddlewareFunc {
	t := s.opts.Config.Server.Timeouts
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			w, r := c.Response(), c.Request()
			rc := http.NewResponseController(w.Writer)
			if rc.SetWriteDeadline(time.Now().Add(t.Write)) != nil {
				return next(c) // not a connection of ours (in-process tests)
			}
			w.Writer = &movingWriter{ResponseWriter: w.Writer, rc: rc, timeout: t.Write}
			if r.Body != nil && r.Body != http.NoBody {
				body := &deadlineBody{ReadCloser: r.Body, rc: rc, timeout: t.Read}
				body.moving = r.Method == http.MethodPut && c.Path() == uploadRoute
				if !body.moving {
					_ = rc.SetReadDeadline(time.Now().Add(t.Read))
				}
				r.Body = body
			}
			return next(c)
		}
	}
}

// movingWriter gives each write of a response its own deadline.
type movingWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *movingWriter) Write(p []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.ResponseWriter.Write(p)
}

func (w *movingWriter) FlushError() error {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.rc.Flush()
}

func (w *movingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// deadlineBody is a request body read under a deadline: a fixed one, or with moving set, one
// that each read pushes back.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	moving  bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if b.moving {
		_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		// Once the body is read, the server watches the connection for the client leaving
		// for as long as the handler runs: no deadline, or a long stream would be cancelled.
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// metricsServer is the listener of server.metrics_address: /metrics and, with
// server.profiling, Go's profiles, both behind server.metrics_token when it is set.
func (s *Server) metricsServer() *http.Server {
	cfg := s.opts.Config.Server
	t := cfg.Timeouts
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
	if cfg.Profiling {
		// net/http/pprof pushes the write deadline back by a profile's seconds itself.
		mux.Handle("/debug/pprof/", s.behindMetricsToken(profiles(), "/debug/pprof/"))
	}
	return srv
}

// profiles serves net/http/pprof's handlers but the command line's, which may hold settings
// given with --set.
func profiles() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // the index, and each runtime profile by name
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol)
	return mux
}

// metricsHandler serves the registry; with server.metrics_token, to bearers of that token
// only.
func (s *Server) metricsHandler() http.Handler {
	return s.behindMetricsToken(promhttp.HandlerFor(s.opts.Registry, promhttp.HandlerOpts{Registry: s.opts.Registry}), "/metrics")
}

// behindMetricsToken lets only bearers of server.metrics_token reach next, when it is set.
func (s *Server) behindMetricsToken(next http.Handler, what string) http.Handler {
	token := s.opts.Config.Server.MetricsToken
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token)) // equal lengths, so that the comparison's time tells nothing
	refusal, _ := json.Marshal(httpapi.ErrorBody{Error: httpapi.ErrorDetail{Code: "unauthenticated",
		Message: what + " needs the metrics token (server.metrics_token) as a bearer token"}})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if got == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write(refusal)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// streamCap caps the log and event streams one user has open at once: each holds a
// connection and a watch on the cluster for as long as its page stays open.
func (s *Server) streamCap() echo.MiddlewareFunc {
	limit := s.opts.Config.Server.MaxStreamsPerUser
	if limit == 0 {
		return nil
	}
	var mu sync.Mutex
	open := map[string]int{}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, err := currentUser(c)
			if err != nil {
				return err
			}
			mu.Lock()
			if open[u.Username] >= limit {
				mu.Unlock()
				return echo.NewHTTPError(http.StatusTooManyRequests, fmt.Sprintf(
					"too many log and event streams open: at most %d per user; close one (another tab or window) and try again", limit))
			}
			open[u.Username]++
			mu.Unlock()
			defer func() {
				mu.Lock()
				if open[u.Username]--; open[u.Username] == 0 {
					delete(open, u.Username)
				}
				mu.Unlock()
			}()
			return next(c)
		}
	}
}

// limiter is a token bucket per key, answering 429 with Retry-After when one is empty; nil
// (a rate of 0) lets everything through.
func limiter(perMinute float64, burst int, key func(echo.Context) string, what string) echo.MiddlewareFunc {
	if perMinute <= 0 {
		return nil
	}
	retry := strconv.Itoa(int(max(1, 60/perMinute)))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(perMinute / 60), Burst: burst, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return key(c), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", retry)
			return echo.NewHTTPError(http.StatusTooManyRequests, "too many "+what+"; try again in "+retry+" s")
		},
	})
}

// signInLimit caps sign-in attempts per client address.
func (s *Server) signInLimit() echo.MiddlewareFunc {
	r := s.opts.Config.Server.RateLimit
	return limiter(r.LoginPerMinute, r.Burst, func(c echo.Context) string { return c.RealIP() }, "sign-in attempts")
}

// launchLimit caps launches per user; it runs after authentication. Launch forms and plans
// take the same rate in a bucket of their own: each computes a launch context (credentials
// from the storage and secrets plugins) and builds values from what the caller sent, and
// opening forms must not use up launches.
func (s *Server) launchLimit() echo.MiddlewareFunc {
	r := s.opts.Config.Server.RateLimit
	user := func(c echo.Context) string {
		if u := identity.UserFrom(c.Request().Context()); u != nil {
			return u.Username
		}
		return c.RealIP()
	}
	launches := limiter(r.LaunchPerMinute, r.Burst, user, "launches")
	previews := limiter(r.LaunchPerMinute, r.Burst, user, "launch forms and plans")
	if launches == nil {
		return nil
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		limitedLaunch, limitedPreview := launches(next), previews(next)
		return func(c echo.Context) error {
			switch c.Request().Method + " " + c.Path() {
			case "POST /api/v1/projects/:project/services", "POST /api/v1/projects/:project/services/:service/change":
				return limitedLaunch(c)
			case "GET /api/v1/projects/:project/launch/form", "POST /api/v1/projects/:project/launch/plan",
				"GET /api/v1/projects/:project/services/:service/change/form", "POST /api/v1/projects/:project/services/:service/change/plan":
				return limitedPreview(c)
			}
			return next(c)
		}
	}
}

// auditActions names the action of every route that changes state, and of the reads that
// reveal a secret of a service's, by "METHOD path"; a route mapped to "" changes nothing
// although its method could (a POST that only computes).
// A test fails when a state-changing route is missing here.
var auditActions = map[string]string{
	"PUT /api/v1/me/settings":                                        "settings.write",
	"PUT /api/v1/me/profile":                                         "profile.write",
	"POST /api/v1/me/bookmarks":                                      "bookmarks.add",
	"DELETE /api/v1/me/bookmarks":                                    "bookmarks.remove",
	"POST /api/v1/me/query-history":                                  "queryhistory.add",
	"POST /api/v1/me/s3-profiles":                                    "s3profiles.create",
	"PUT /api/v1/me/s3-profiles/:name":                               "s3profiles.update",
	"DELETE /api/v1/me/s3-profiles/:name":                            "s3profiles.delete",
	"POST /api/v1/me/tokens":                                         "tokens.create",
	"DELETE /api/v1/me/tokens/:id":                                   "tokens.revoke",
	"POST /api/v1/catalogs/refresh":                                  "catalogs.refresh",
	"DELETE /api/v1/projects/:project/files":                         "files.delete",
	"PUT /api/v1/projects/:project/files/content":                    "files.upload",
	"POST /api/v1/projects/:project/files/folders":                   "files.mkdir",
	"POST /api/v1/projects/:project/files/share":                     "files.share",
	"PUT /api/v1/projects/:project/files/policy":                     "files.policy",
	"POST /api/v1/projects/:project/services":                        "services.launch",
	"DELETE /api/v1/projects/:project/services":                      "services.delete_all",
	"PATCH /api/v1/projects/:project/services/:service":              "services.update",
	"DELETE /api/v1/projects/:project/services/:service":             "services.delete",
	"POST /api/v1/projects/:project/services/:service/suspend":       "services.suspend",
	"POST /api/v1/projects/:project/services/:service/resume":        "services.resume",
	"POST /api/v1/projects/:project/services/:service/change":        "services.change",
	"POST /api/v1/projects/:project/services/:service/change/plan":   "",
	"POST /api/v1/projects/:project/services/:service/rollback":      "services.rollback",
	"PUT /api/v1/projects/:project/services/:service/lifecycle":      "services.lifecycle",
	"PUT /api/v1/projects/:project/services/:service/access":         "services.access",
	"GET /api/v1/projects/:project/services/:service/credentials":    "services.credentials",
	"GET /api/v1/projects/:project/kubeconfig":                       "projects.kubeconfig",
	"POST /api/v1/admin/services/actions":                            "fleet.action",
	"POST /api/v1/admin/projects/:project/members":                   "projects.members",
	"PUT /api/v1/admin/projects/:project/quota":                      "projects.quota",
	"POST /api/v1/projects/:project/members":                         "projects.members",
	"POST /api/v1/projects/:project/services/:service/rollback/plan": "",
	"POST /api/v1/projects/:project/launch/plan":                     "",
	"PUT /api/v1/projects/:project/configurations/:name":             "configurations.save",
	"DELETE /api/v1/projects/:project/configurations/:name":          "configurations.delete",
	"PUT /api/v1/projects/:project/secrets/secret":                   "secrets.write",
	"DELETE /api/v1/projects/:project/secrets/secret":                "secrets.delete",
	"POST /api/v1/projects/:project/secrets/secret/undelete":         "secrets.undelete",
}

// auditTarget lets a handler name what it acted on when the path does not (a launch names
// the service it created).
const auditTarget = "audit.target"

// auditTrail records one audit event per state-changing request, after its handler, with the
// status the caller gets.
func (s *Server) auditTrail(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		action := auditActions[c.Request().Method+" "+c.Path()]
		if action == "" {
			return next(c)
		}
		err := next(c)
		status := c.Response().Status
		if err != nil {
			status, _ = httpapi.Describe(err)
		}
		e := audit.Event{Project: c.Param("project"), Action: action, Status: status,
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID), Outcome: audit.Success}
		if u := identity.UserFrom(c.Request().Context()); u != nil {
			e.Actor = u.Username
		}
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound:
			e.Outcome = audit.Denied
		case status >= 400:
			e.Outcome = audit.Failed
		}
		e.Target = auditTargetOf(c)
		s.audit.Record(c.Request().Context(), e)
		return err
	}
}

func auditTargetOf(c echo.Context) string {
	if t, ok := c.Get(auditTarget).(string); ok && t != "" {
		return t
	}
	for _, p := range []string{"service", "name"} {
		if v := c.Param(p); v != "" {
			return v
		}
	}
	// Files and secrets are named by a path in the query; never by a value.
	return strings.TrimSpace(c.QueryParam("path"))
}

// withoutNil drops the middlewares a configuration turned off.
func withoutNil(mws ...echo.MiddlewareFunc) []echo.MiddlewareFunc {
	out := mws[:0]
	for _, m := range mws {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}
