package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/gateway"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// newGateway builds the service gateway when the configuration enables it.
func (s *Server) newGateway(opts Options) *gateway.Gateway {
	cfg := opts.Config
	if !cfg.Gateway.Enabled {
		return nil
	}
	key := make([]byte, 32)
	if k := cfg.Auth.Session.Key; k != "" {
		sum := sha256.Sum256([]byte("basalt gateway passes\x00" + k))
		key = sum[:]
	} else {
		_, _ = rand.Read(key) // one replica (local mode): its own key
	}
	domain, scheme := cfg.Gateway.Apps(cfg.Server)
	regions := []string{}
	for _, r := range cfg.Regions {
		if r.Region != "" {
			regions = append(regions, r.ID)
		}
	}
	return gateway.New(gateway.Options{Apps: gateway.Apps{Domain: domain, Scheme: scheme}, OnListener: cfg.Gateway.AppsDomain == "", Key: key,
		TicketTTL: cfg.Gateway.TicketTTL, SessionTTL: cfg.Gateway.SessionTTL, Portal: strings.TrimSuffix(cfg.Server.PublicURL, "/"),
		Regions: regions, Scopes: s.scopes, Audit: s.audit, Log: opts.Log, Registry: opts.Registry, Now: opts.LifecycleClock})
}

// serveApps hands requests to a service's host to the gateway, before any route of the
// portal's site sees them.
func (s *Server) serveApps(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.gateway != nil && s.gateway.Handles(c.Request().Host) {
			s.gateway.ServeHTTP(c.Response(), c.Request())
			return nil
		}
		return next(c)
	}
}

// gatewayAuthorize signs the caller's browser in at a service's host: a redirect there with a
// one-time ticket, when they may use the service. A browser not signed in to the portal signs
// in first and comes back.
func (s *Server) gatewayAuthorize(c echo.Context) error {
	if s.gateway == nil {
		return sdk.Errorf(sdk.ErrUnimplemented, "this instance serves no services' pages (gateway.enabled is false)")
	}
	err := s.authenticate(func(c echo.Context) error {
		u, err := currentUser(c)
		if err != nil {
			return err
		}
		to, err := s.gateway.Authorize(c.Request().Context(), u, c.QueryParam("host"), c.QueryParam("path"))
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		c.Response().Header().Set("Referrer-Policy", "no-referrer")
		return c.Redirect(http.StatusFound, to)
	})(c)
	if errors.Is(err, sdk.ErrUnauthenticated) && s.opts.Authn != nil && c.Request().Header.Get("Authorization") == "" {
		return c.Redirect(http.StatusFound, "/auth/login?"+url.Values{"return_to": {c.Request().URL.RequestURI()}}.Encode())
	}
	return err
}

// AccessView is a service's web address through the gateway and its traffic there (this
// replica's, since it started).
type AccessView struct {
	URL            string     `json:"url,omitempty"`
	LastRequest    *time.Time `json:"lastRequest,omitempty"`
	Requests       int64      `json:"requests"`
	BytesIn        int64      `json:"bytesIn"`
	BytesOut       int64      `json:"bytesOut"`
	OpenWebSockets int64      `json:"openWebSockets"`
}

// accessOf is a service's gateway view; nil without a gateway.
func (s *Server) accessOf(region, project string, r sdk.Release) *AccessView {
	if s.gateway == nil {
		return nil
	}
	u := s.gateway.Meter().Of(region, project, r.Name)
	return &AccessView{URL: s.gateway.Apps().URL(r.Name, project, "/"), LastRequest: timeOrNil(u.LastRequest), Requests: u.Requests,
		BytesIn: u.BytesIn, BytesOut: u.BytesOut, OpenWebSockets: u.OpenWebSockets}
}

// portForward is the kubectl command that opens a service through the user's own tunnel, to
// its first backend's Service; "" when it has none.
func (s *Server) portForward(c echo.Context, sc *scope.Scope, region sdk.Region, service string) string {
	resp, err := region.Backends(c.Request().Context(), sdk.BackendsRequest{ReleaseRef: sdk.ReleaseRef{Name: service}})
	if err != nil {
		return ""
	}
	for _, b := range resp.Backends {
		if b.Service != "" && b.Port > 0 {
			return shell.Command("kubectl", "port-forward", "--namespace", sc.Namespace, "service/"+b.Service, fmt.Sprintf("8080:%d", b.Port))
		}
	}
	return ""
}

// RunGateway writes, until ctx ends, when each service was last used through the gateway,
// with its release, for the lifecycle engine; without a gateway it returns at once.
func (s *Server) RunGateway(ctx context.Context) {
	if s.gateway != nil {
		s.gateway.Run(ctx)
	}
}
