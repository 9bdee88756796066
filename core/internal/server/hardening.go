package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/basalt-dev/basalt/core/internal/audit"
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

	s.echo.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   strconv.FormatInt(cfg.MaxBodyBytes, 10) + "B",
		Skipper: func(c echo.Context) bool { return c.Path() == uploadRoute && c.Request().Method == http.MethodPut },
	}))
	return nil
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
			case "POST /api/v1/projects/:project/services":
				return limitedLaunch(c)
			case "GET /api/v1/projects/:project/launch/form", "POST /api/v1/projects/:project/launch/plan":
				return limitedPreview(c)
			}
			return next(c)
		}
	}
}

// auditActions names the action of every route that changes state, by "METHOD path"; a
// route mapped to "" changes nothing although its method could (a POST that only computes).
// A test fails when a state-changing route is missing here.
var auditActions = map[string]string{
	"PUT /api/v1/me/settings":                                  "settings.write",
	"POST /api/v1/me/bookmarks":                                "bookmarks.add",
	"DELETE /api/v1/me/bookmarks":                              "bookmarks.remove",
	"POST /api/v1/me/s3-profiles":                              "s3profiles.create",
	"PUT /api/v1/me/s3-profiles/:name":                         "s3profiles.update",
	"DELETE /api/v1/me/s3-profiles/:name":                      "s3profiles.delete",
	"POST /api/v1/catalogs/refresh":                            "catalogs.refresh",
	"DELETE /api/v1/projects/:project/files":                   "files.delete",
	"PUT /api/v1/projects/:project/files/content":              "files.upload",
	"POST /api/v1/projects/:project/files/folders":             "files.mkdir",
	"POST /api/v1/projects/:project/files/share":               "files.share",
	"PUT /api/v1/projects/:project/files/policy":               "files.policy",
	"POST /api/v1/projects/:project/services":                  "services.launch",
	"DELETE /api/v1/projects/:project/services":                "services.delete_all",
	"PATCH /api/v1/projects/:project/services/:service":        "services.update",
	"DELETE /api/v1/projects/:project/services/:service":       "services.delete",
	"POST /api/v1/projects/:project/services/:service/suspend": "services.suspend",
	"POST /api/v1/projects/:project/services/:service/resume":  "services.resume",
	"POST /api/v1/projects/:project/launch/plan":               "",
	"PUT /api/v1/projects/:project/configurations/:name":       "configurations.save",
	"DELETE /api/v1/projects/:project/configurations/:name":    "configurations.delete",
	"PUT /api/v1/projects/:project/secrets/secret":             "secrets.write",
	"DELETE /api/v1/projects/:project/secrets/secret":          "secrets.delete",
	"POST /api/v1/projects/:project/secrets/secret/undelete":   "secrets.undelete",
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
			status, _ = describe(err)
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
