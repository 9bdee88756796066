package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/gateway"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
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
	// The applications the lifecycle asks with their token take it from the gateway too.
	trusted := []gateway.TrustedApp{}
	for _, p := range cfg.Lifecycle.Probes {
		if p.Kind == config.ProbeJupyter && p.TokenValue != "" {
			trusted = append(trusted, gateway.TrustedApp{Charts: p.Charts, TokenValue: p.TokenValue})
		}
	}
	return gateway.New(gateway.Options{Apps: gateway.Apps{Domain: domain, Scheme: scheme}, OnListener: cfg.Gateway.AppsDomain == "", Key: key,
		TicketTTL: cfg.Gateway.TicketTTL, SessionTTL: cfg.Gateway.SessionTTL, Portal: strings.TrimSuffix(cfg.Server.PublicURL, "/"),
		Regions: regions, Scopes: s.scopes, Projects: cfg.Projects, TrustedApps: trusted, Audit: s.audit, Log: opts.Log, Registry: opts.Registry,
		Now: opts.LifecycleClock})
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
// one-time ticket, when they may use the service (by the link they followed there, if any). A
// browser not signed in to the portal signs in first and comes back.
func (s *Server) gatewayAuthorize(c echo.Context) error {
	if s.gateway == nil {
		return sdk.Errorf(sdk.ErrUnimplemented, "this instance serves no services' pages (gateway.enabled is false)")
	}
	err := s.authenticate(func(c echo.Context) error {
		u, err := currentUser(c)
		if err != nil {
			return err
		}
		to, err := s.gateway.Authorize(c.Request().Context(), u, c.QueryParam("host"), c.QueryParam("path"), c.QueryParam("link"), c.QueryParam("binding"))
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
	// A browser that followed Open gets a page in Basalt's words, not the API's JSON.
	if err != nil && !errors.Is(err, sdk.ErrInvalidArgument) && !errors.Is(err, sdk.ErrUnauthenticated) &&
		strings.Contains(c.Request().Header.Get("Accept"), "text/html") {
		s.gateway.Refuse(c.Response(), err)
		return nil
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
	return &AccessView{URL: s.gateway.Apps().URL(r.Name, project, "/"), LastRequest: httpapi.TimeOrNil(u.LastRequest), Requests: u.Requests,
		BytesIn: u.BytesIn, BytesOut: u.BytesOut, OpenWebSockets: u.OpenWebSockets}
}

// portForward is the kubectl command that opens a service through the user's own tunnel, to
// its first backend's Service; "" when it has none. Commands are kept a while (forwards).
func (s *Server) portForward(c echo.Context, sc *scope.Scope, region sdk.Region, rel sdk.Release) string {
	key := forwardKey{region: sc.Region.ID, namespace: sc.Namespace, service: rel.Name, revision: rel.Revision}
	if command, ok := s.forwards.get(key); ok {
		return command
	}
	resp, err := region.Backends(c.Request().Context(), sdk.BackendsRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Name}})
	if err != nil {
		return ""
	}
	command := ""
	for _, b := range resp.Backends {
		if b.Service != "" && b.Port > 0 {
			command = shell.Command("kubectl", "port-forward", "--namespace", sc.Namespace, "service/"+b.Service, fmt.Sprintf("8080:%d", b.Port))
			break
		}
	}
	s.forwards.put(key, command)
	return command
}

// RunGateway writes, until ctx ends, when each service was last used through the gateway,
// with its release, for the lifecycle engine; without a gateway it returns at once.
func (s *Server) RunGateway(ctx context.Context) {
	if s.gateway != nil {
		s.gateway.Run(ctx)
	}
}

// AccessGrant is one grant of a service's pages to someone other than its owner.
type AccessGrant struct {
	Kind    string     `json:"kind"`
	Name    string     `json:"name"`
	URL     string     `json:"url,omitempty"` // a link's address
	Expires *time.Time `json:"expires,omitempty"`
	By      string     `json:"by,omitempty"`
	Created *time.Time `json:"created,omitempty"`
}

// AccessGrants are who else may open a service through the gateway.
type AccessGrants struct {
	Grants []AccessGrant `json:"grants"`
}

// AccessGrantsInput replaces a service's grants: by and created are Basalt's.
type AccessGrantsInput struct {
	Grants []AccessGrantInput `json:"grants"`
}

// AccessGrantInput is one grant as its owner gives it. A link without a name is a new link,
// whose id Basalt makes; with one, a link the service has.
type AccessGrantInput struct {
	Kind    string     `json:"kind"`
	Name    string     `json:"name"`
	Expires *time.Time `json:"expires"`
}

// maxGrantValidity bounds a grant's expiry.
const maxGrantValidity = 366 * 24 * time.Hour

// grantsView is a service's grants for its owner, links with their address.
func (s *Server) grantsView(project, service string, grants []sdk.Grant) AccessGrants {
	out := AccessGrants{Grants: []AccessGrant{}}
	for _, g := range grants {
		view := AccessGrant{Kind: g.Kind, Name: g.Name, Expires: httpapi.TimeOrNil(g.Expires), By: g.By, Created: httpapi.TimeOrNil(g.Created)}
		if g.Kind == sdk.GrantLink && s.gateway != nil {
			view.URL = s.gateway.LinkURL(service, project, g.Name)
		}
		out.Grants = append(out.Grants, view)
	}
	return out
}

// serviceAccess lists who else may open the service: its owner's business.
func (s *Server) serviceAccess(c echo.Context) error {
	sc, region := inServices(c)
	rel, err := s.owned(c, sc, region)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.grantsView(sc.Project.ID, rel.Name, rel.Metadata.Grants))
}

// newLinkID makes a link grant's id: 192 random bits, which no one guesses.
func newLinkID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// setServiceAccess replaces who else may open the service. A grant taken away closes its
// holder's open connections within seconds (the gateway checks them again).
func (s *Server) setServiceAccess(c echo.Context) error {
	sc, region := inServices(c)
	var in AccessGrantsInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	rel, err := s.owned(c, sc, region)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	had := map[string]sdk.Grant{}
	for _, g := range rel.Metadata.Grants {
		had[g.Kind+"\x00"+g.Name] = g
	}
	if len(in.Grants) > sdk.MaxGrants {
		return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: "grants", Rule: fmt.Sprintf("at most %d", sdk.MaxGrants)})
	}
	grants := []sdk.Grant{}
	seen := map[string]bool{}
	for i, g := range in.Grants {
		field := fmt.Sprintf("grants[%d]", i)
		if g.Kind == sdk.GrantLink {
			if s.gateway == nil {
				return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: field + ".kind", Rule: "a link needs the service gateway, which this instance does not run"})
			}
			if g.Name == "" {
				g.Name = newLinkID()
			} else if _, ok := had[g.Kind+"\x00"+g.Name]; !ok {
				return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: field + ".name", Rule: "a link the service has; leave it out for a new link"})
			}
		}
		switch {
		case g.Kind != sdk.GrantUser && g.Kind != sdk.GrantGroup && g.Kind != sdk.GrantProject && g.Kind != sdk.GrantLink:
			return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: field + ".kind", Rule: "one of user, group, project, link"})
		case g.Name == "" || len(g.Name) > 128 || strings.ContainsAny(g.Name, "\x00\n"):
			return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: field + ".name", Rule: "1 to 128 characters on one line"})
		case g.Kind == sdk.GrantUser && g.Name == rel.Metadata.Owner:
			return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: field + ".name", Rule: "the owner needs no grant"})
		case g.Expires != nil && (!g.Expires.After(now) || g.Expires.Sub(now) > maxGrantValidity):
			return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: field + ".expires", Rule: "a time in the future, within a year"})
		case seen[g.Kind+"\x00"+g.Name]:
			return sdk.InvalidFields("invalid grants", sdk.FieldViolation{Field: field, Rule: "given twice"})
		}
		k := g.Kind + "\x00" + g.Name
		seen[k] = true
		grant := sdk.Grant{Kind: g.Kind, Name: g.Name, By: sc.User.Username, Created: now}
		if old, ok := had[k]; ok {
			grant.By, grant.Created = old.By, old.Created
		}
		if g.Expires != nil {
			grant.Expires = g.Expires.UTC()
		}
		grants = append(grants, grant)
	}
	resp, err := region.UpdateRelease(c.Request().Context(), sdk.UpdateReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Name}, Grants: &grants})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.grantsView(sc.Project.ID, rel.Name, resp.Release.Metadata.Grants))
}
