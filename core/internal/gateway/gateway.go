package gateway

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/audit"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Scopes make users' scopes (a *scope.Resolver).
type Scopes interface {
	Resolve(u *identity.User, projectID, regionID string) (*scope.Scope, error)
	Projects(u *identity.User) []identity.Project
}

// Options are what a Gateway is built from.
type Options struct {
	Apps Apps
	// OnListener puts the apps domain on the listener's port (localhost's subdomains, when
	// the configuration names no apps domain).
	OnListener bool
	// Key signs tickets and sessions; every replica needs the same.
	Key        []byte
	TicketTTL  time.Duration
	SessionTTL time.Duration
	// Portal is the portal's base URL, where a browser without a session is sent to sign in;
	// empty until Listening when Basalt has no public URL.
	Portal  string
	Regions []string // region ids, the default first
	Scopes  Scopes
	// Projects are how project ids are made: a grantee reads a service in its project's name.
	Projects config.Projects
	// TrustedApps are the applications the gateway signs its users in to with their own
	// credential.
	TrustedApps []TrustedApp
	// Audit records each sign-in at a service by someone other than its owner.
	Audit    *audit.Recorder
	Log      *slog.Logger
	Registry prometheus.Registerer
	Now      func() time.Time
}

// Gateway serves the apps domain.
type Gateway struct {
	o      Options
	sign   signer
	spent  spent
	meter  *Meter
	routes sync.Map // session route key -> *route
	conns  conns
	proxy  *httputil.ReverseProxy
}

// cookieName is the session's cookie on each service's host.
const cookieName = "basalt_app"

// ticketPath receives tickets on every service's host; services cannot serve it.
const ticketPath = "/_basalt/ticket"

// signInPath, on a service's host, starts a sign-in: it sets the sign-in cookie there and
// sends the browser to the portal. The portal sends browsers that came without it (nginx's
// auth-signin) through it.
const signInPath = "/_basalt/signin"

// linkPath, followed by a link grant's id, is where a link opens a service; services cannot
// serve it either.
const linkPath = "/_basalt/link/"

// routeTTL is how long a decision (may this user use this service, and where it is served)
// stands before the region is asked again.
const routeTTL = 3 * time.Second

// New builds a gateway.
func New(o Options) *Gateway {
	if o.Now == nil {
		o.Now = time.Now
	}
	g := &Gateway{o: o, sign: signer{key: o.Key}, meter: newMeter(o.Registry)}
	g.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			rt := pr.In.Context().Value(routeKey{}).(*route)
			pr.SetURL(&url.URL{Scheme: "http", Host: rt.endpoint})
			pr.Out.Host = pr.In.Host // the service builds its links for the host it is served at
			pr.SetXForwarded()
			pr.Out.Header.Set("X-Forwarded-Proto", g.o.Apps.Scheme)
			pr.Out.Header.Del("Authorization")
			if rt.credential != "" && fromItsOwnPages(pr.In, g.o.Apps.Scheme) {
				pr.Out.Header.Set("Authorization", "token "+rt.credential)
				// Without the browser's encodings the transport decodes what comes back, so
				// that the credential can be taken out of it.
				pr.Out.Header.Del("Accept-Encoding")
			}
			keepCookies(pr.Out)
			setIdentity(pr.Out.Header, rt.user, rt.groups)
		},
		ModifyResponse: func(resp *http.Response) error {
			if rt := resp.Request.Context().Value(routeKey{}).(*route); rt.credential != "" {
				withoutCredential(resp, rt.credential)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			g.o.Log.Warn("gateway: the service did not answer", "host", r.Host, "error", err)
			page(w, http.StatusBadGateway, "This service is not answering", "It may be starting, paused or stopped. Open it again from the portal in a moment.")
		},
		// Answers of unknown length (event streams, terminals) are flushed as they come; the
		// others through large buffers, as fast as a direct download.
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second,
			// A pod that does not answer is reported in seconds, not when the system gives up.
			DialContext: (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext},
		BufferPool: bufferPool{},
	}
	return g
}

// Listening completes the options that depend on the listener, before it serves: the portal's
// address when Basalt has no public URL, and the port of an apps domain on localhost.
func (g *Gateway) Listening(addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return
	}
	if g.o.Portal == "" {
		g.o.Portal = "http://" + addr
	}
	if g.o.OnListener {
		g.o.Apps.Domain = "localhost"
		if port != "80" {
			g.o.Apps.Domain += ":" + port
		}
	}
}

// Meter is the gateway's traffic per service.
func (g *Gateway) Meter() *Meter { return g.meter }

// Apps is the apps domain.
func (g *Gateway) Apps() Apps { return g.o.Apps }

// Handles reports whether a request's host is on the apps domain.
func (g *Gateway) Handles(host string) bool {
	_, _, ok := g.o.Apps.Parse(host)
	return ok
}

// keepCookies drops Basalt's cookies from what the service receives.
func keepCookies(r *http.Request) {
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	for _, c := range cookies {
		if c.Name != cookieName && !isSignInCookie(c.Name) {
			r.AddCookie(c)
		}
	}
}

// LinkURL is the address of a service's link grant, which opens the service to whoever
// follows it and signs in; "" when the service has no host.
func (g *Gateway) LinkURL(service, project, id string) string {
	return g.o.Apps.URL(service, project, linkPath+id)
}

// Authorize is the portal's side of a sign-in: if the user may use the service a host names
// (through link, a link grant's id they presented there, when not ""), the address that signs
// their browser in there (with a one-time ticket) and then opens path. The ticket is bound to
// the browser by binding, the hash of the sign-in cookie the host set; without one, the
// address is the host's, which sets the cookie and comes back with its hash.
func (g *Gateway) Authorize(ctx context.Context, u *identity.User, host, path, link, binding string) (string, error) {
	service, project, ok := g.o.Apps.Parse(host)
	if !ok {
		return "", sdk.InvalidFields("invalid host", sdk.FieldViolation{Field: "host", Rule: "a service's host on the apps domain, <service>--<project>." + g.o.Apps.Domain})
	}
	if path == "" {
		path = "/"
	}
	if !onTheHost(path) {
		return "", sdk.InvalidFields("invalid path", sdk.FieldViolation{Field: "path", Rule: "a path on the service's host, starting with one / (not // nor /\\), without control characters, at most 2048 characters"})
	}
	if link != "" && !sdk.LinkID.MatchString(link) {
		return "", sdk.InvalidFields("invalid link", sdk.FieldViolation{Field: "link", Rule: "a link's id: 22 to 128 letters, digits, - or _"})
	}
	if binding != "" && !validBinding(binding) {
		return "", sdk.InvalidFields("invalid binding", sdk.FieldViolation{Field: "binding", Rule: "the hash the service's host sent, 43 letters, digits, - or _"})
	}
	v := visitor{user: u.Username, groups: u.Groups, link: link}
	var refused error
	for _, region := range g.o.Regions {
		g.forget(v, region, project, service) // a sign-in sees grants given a moment ago
		rt, err := g.decide(ctx, v, region, project, service)
		if err == nil && binding == "" {
			q := url.Values{"path": {path}}
			if link != "" {
				q.Set("link", link)
			}
			return (&url.URL{Scheme: g.o.Apps.Scheme, Host: host, Path: signInPath, RawQuery: q.Encode()}).String(), nil
		}
		if err == nil {
			now := g.o.Now()
			// The session remembers the link only while it is a grant of this service.
			ticket := g.sign.seal(pass{Kind: kindTicket, Host: strings.ToLower(host), User: u.Username, Groups: u.Groups, Link: rt.link, Region: region,
				Path: path, Nonce: nonce(), Binding: binding, Expires: now.Add(g.o.TicketTTL)})
			return (&url.URL{Scheme: g.o.Apps.Scheme, Host: host, Path: ticketPath, RawQuery: url.Values{"t": {ticket}}.Encode()}).String(), nil
		}
		// The region that has the service says why it cannot be opened; the others have none.
		if refused == nil || !errors.Is(err, sdk.ErrNotFound) {
			refused = err
		}
	}
	if refused == nil {
		refused = sdk.Errorf(sdk.ErrNotFound, "no service %q in project %q", service, project)
	}
	return "", refused
}

// onTheHost reports whether path stays on the host it is sent to after the sign-in: browsers
// read //x and /\x as another host.
func onTheHost(path string) bool {
	return strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "//") && !strings.HasPrefix(path, "/\\") && len(path) <= 2048 &&
		!strings.ContainsFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// visitor is who asks for a service: a user, and the link grant's id they presented at its
// host ("" for none).
type visitor struct {
	user   string
	groups []string
	link   string
}

func (p pass) visitor() visitor { return visitor{user: p.User, groups: p.Groups, link: p.Link} }

func routeKeyOf(v visitor, region, project, service string) string {
	return v.user + "\x00" + strings.Join(v.groups, ",") + "\x00" + v.link + "\x00" + key(region, project, service)
}

// forget drops a cached decision, so that the next one asks the region.
func (g *Gateway) forget(v visitor, region, project, service string) {
	g.routes.Delete(routeKeyOf(v, region, project, service))
}

// route is a decision: the user may use the service, served at endpoint, which takes
// credential (a trusted application's) in their stead.
type route struct {
	user, region, project, service string
	groups                         []string
	owner                          string
	// link is the link presented when it is a grant of the service; "" otherwise.
	link       string
	endpoint   string
	credential string
	decided    time.Time
	err        error
}

type routeKey struct{}

// decide checks, as the user, that they may use the service (its owner; a member when it is
// shared in a group project; a grantee, by name or by the link they presented) and finds
// where it is served. Decisions stand routeTTL.
func (g *Gateway) decide(ctx context.Context, v visitor, region, project, service string) (*route, error) {
	k := routeKeyOf(v, region, project, service)
	now := g.o.Now()
	if c, ok := g.routes.Load(k); ok {
		if rt := c.(*route); now.Sub(rt.decided) < routeTTL {
			return rt, rt.err
		}
	}
	rt := &route{user: v.user, groups: v.groups, region: region, project: project, service: service, decided: now}
	var sc *scope.Scope
	var rel sdk.Release
	sc, rel, rt.endpoint, rt.err = g.find(ctx, v, region, project, service)
	rt.owner = rel.Metadata.Owner
	if rt.err == nil && linkGranted(rel.Metadata.Grants, v.link, now) {
		rt.link = v.link
	}
	if rt.err == nil {
		// Without it, the service asks its own password: expected of a member who may not
		// read its values (no right to launch), a fault otherwise.
		credential, err := g.credentialOf(ctx, sc, rel)
		switch {
		case errors.Is(err, sdk.ErrPermissionDenied):
			g.o.Log.Debug("gateway: a service's credential is not the user's to read", "service", service, "project", project, "user", v.user)
		case err != nil:
			g.o.Log.Warn("gateway: reading a service's credential", "service", service, "project", project, "error", err)
		}
		rt.credential = credential
	}
	g.routes.Store(k, rt)
	return rt, rt.err
}

// find reads the service the visitor may use and where it is served.
func (g *Gateway) find(ctx context.Context, v visitor, region, project, service string) (*scope.Scope, sdk.Release, string, error) {
	sc, rel, err := g.release(ctx, &identity.User{Username: v.user, Groups: v.groups}, v.link, region, project, service)
	if err != nil {
		return nil, rel, "", err
	}
	if rel.Suspended {
		return sc, rel, "", sdk.Errorf(sdk.ErrConflict, "service %q is paused: resume it from the portal", service)
	}
	services, err := sc.Services()
	if err != nil {
		return sc, rel, "", err
	}
	backends, err := services.Backends(sc.Context(ctx), sdk.BackendsRequest{ReleaseRef: sdk.ReleaseRef{Name: service}})
	if err != nil {
		return sc, rel, "", err
	}
	for _, b := range backends.Backends {
		if len(b.Endpoints) > 0 {
			return sc, rel, b.Endpoints[0], nil
		}
	}
	return sc, rel, "", sdk.Errorf(sdk.ErrUnavailable, "service %q has no endpoint ready", service)
}

// ServeHTTP serves a request to a service's host.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	service, project, ok := g.o.Apps.Parse(r.Host)
	if !ok {
		http.NotFound(w, r)
		return
	}
	now := g.o.Now()
	if r.URL.Path == ticketPath {
		g.exchange(w, r, now)
		return
	}
	if r.URL.Path == signInPath {
		g.beginSignIn(w, r)
		return
	}
	if link, ok := strings.CutPrefix(r.URL.Path, linkPath); ok {
		g.followLink(w, r, link)
		return
	}
	p, err := g.session(r, r.Host, now)
	if err != nil {
		g.signIn(w, r, p.Link)
		return
	}
	rt, err := g.decide(r.Context(), p.visitor(), p.Region, project, service)
	if err != nil {
		g.refuse(w, err)
		return
	}
	counters := g.record(p, project, service, now)
	mw := &metered{ResponseWriter: w, c: counters, m: g.meter, region: p.Region, onConn: func(c net.Conn) func() {
		return g.conns.add(&openConn{conn: c, visitor: p.visitor(), region: p.Region, project: project, service: service})
	}}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = countedBody{ReadCloser: r.Body, w: mw}
	}
	g.proxy.ServeHTTP(mw, r.WithContext(context.WithValue(r.Context(), routeKey{}, rt)))
}

// exchange trades a ticket for the host's session cookie, once, in the browser that started
// the sign-in: a ticket replayed elsewhere, on any replica, lacks that browser's cookie.
func (g *Gateway) exchange(w http.ResponseWriter, r *http.Request, now time.Time) {
	t, err := g.sign.open(r.URL.Query().Get("t"), kindTicket, r.Host, now)
	if err == nil && !g.startedHere(r, t.Binding) {
		page(w, http.StatusForbidden, "This sign-in did not start in this browser", "Open the service again from the portal. If this page comes back, allow cookies for the service's site.")
		return
	}
	if err != nil || !g.spent.use(t.Nonce, t.Expires, now) {
		page(w, http.StatusForbidden, "This sign-in link has expired", "Open the service again from the portal.")
		return
	}
	if service, project, ok := g.o.Apps.Parse(t.Host); ok && g.o.Audit != nil {
		// Someone other than the owner opening a service is an audit event, once per sign-in.
		if rt, err := g.decide(r.Context(), t.visitor(), t.Region, project, service); err == nil && rt.owner != t.User {
			how := ""
			if rt.link != "" {
				how = ", with a link"
			}
			g.o.Audit.Record(r.Context(), audit.Event{Actor: t.User, Project: project, Action: "gateway.open", Target: service + " (owner " + rt.owner + how + ")", Outcome: audit.Success})
		}
	}
	session := g.sign.seal(pass{Kind: kindSession, Host: t.Host, User: t.User, Groups: t.Groups, Link: t.Link, Region: t.Region, Expires: now.Add(g.o.SessionTTL)})
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: session, Path: "/", HttpOnly: true, Secure: g.o.Apps.Scheme == "https",
		SameSite: http.SameSiteLaxMode, Expires: now.Add(g.o.SessionTTL)})
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, t.Path, http.StatusFound)
}

// session reads the browser's session at a host. When it has expired, or was sealed with
// another key, the link it held (if any) is still given: the portal checks it anew.
func (g *Gateway) session(r *http.Request, host string, now time.Time) (pass, error) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return pass{}, err
	}
	p, err := g.sign.open(c.Value, kindSession, host, now)
	if err != nil {
		return pass{Link: g.sign.linkOf(c.Value, host)}, err
	}
	return p, nil
}

// signInURL is the portal's address that signs a browser in at a host and sends it on to uri,
// with the link it presented there ("" for none) and the binding of its sign-in cookie.
func (g *Gateway) signInURL(host, uri, link, binding string) string {
	q := url.Values{"host": {host}, "path": {uri}, "binding": {binding}}
	if link != "" {
		q.Set("link", link)
	}
	return g.o.Portal + "/api/v1/gateway/authorize?" + q.Encode()
}

// signIn sends a browser without a session to the portal, which signs it in here; other
// clients, and a page's own requests, are told to.
func (g *Gateway) signIn(w http.ResponseWriter, r *http.Request, link string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead || r.Header.Get("Upgrade") != "" || !navigation(r) {
		page(w, http.StatusUnauthorized, "Sign in first", "Open this service from the portal.")
		return
	}
	g.startSignIn(w, r, r.Host, r.URL.RequestURI(), link)
}

// beginSignIn starts a sign-in the portal was asked for without the host's cookie (nginx's
// auth-signin goes straight there).
func (g *Gateway) beginSignIn(w http.ResponseWriter, r *http.Request) {
	path, link := r.URL.Query().Get("path"), r.URL.Query().Get("link")
	if path == "" {
		path = "/"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead || !onTheHost(path) ||
		link != "" && !sdk.LinkID.MatchString(link) {
		page(w, http.StatusBadRequest, "This sign-in link is not valid", "Open the service again from the portal.")
		return
	}
	g.startSignIn(w, r, r.Host, path, link)
}

// startSignIn sets a new sign-in cookie at host, which the answer is served at, and sends the
// browser to the portal with its hash, which the ticket will carry.
func (g *Gateway) startSignIn(w http.ResponseWriter, r *http.Request, host, uri, link string) {
	secret := nonce()
	http.SetCookie(w, &http.Cookie{Name: g.signInCookie(), Value: secret, Path: "/", HttpOnly: true, Secure: g.o.Apps.Scheme == "https",
		SameSite: http.SameSiteLaxMode, MaxAge: int(signInTTL / time.Second)})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, g.signInURL(host, uri, link, bindingOf(secret)), http.StatusFound)
}

// followLink starts a sign-in through a link grant: the portal signs the browser in (a visitor
// without a Basalt session signs in first, so that every use has a name), checks that the link
// is a grant of this service and sends the browser to the service's first page, its session
// remembering the link. The id never reaches the service: this path is Basalt's, and the
// address the browser ends at does not hold it.
func (g *Gateway) followLink(w http.ResponseWriter, r *http.Request, link string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		page(w, http.StatusMethodNotAllowed, "Open this link in your browser", "A service's link opens with a GET.")
		return
	}
	if !sdk.LinkID.MatchString(link) {
		page(w, http.StatusForbidden, "This link is not valid", "Ask the service's owner for its link again.")
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	g.startSignIn(w, r, r.Host, "/", link)
}

func (g *Gateway) refuse(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, sdk.ErrNotFound), errors.Is(err, sdk.ErrPermissionDenied):
		page(w, http.StatusForbidden, "You may not open this service", "It is not yours and has not been shared with you, or it no longer exists.")
	case errors.Is(err, sdk.ErrConflict):
		page(w, http.StatusServiceUnavailable, "This service is paused", "Resume it from the portal to open it.")
	case errors.Is(err, sdk.ErrUnavailable):
		page(w, http.StatusServiceUnavailable, "This service is not ready", "It is starting: try again in a moment.")
	default:
		g.o.Log.Warn("gateway: deciding a request", "error", err)
		page(w, http.StatusBadGateway, "This service cannot be reached", "Try again in a moment.")
	}
}

// Refuse answers a browser's sign-in that cannot go on with Basalt's page for it.
func (g *Gateway) Refuse(w http.ResponseWriter, err error) { g.refuse(w, err) }

// page answers with a short HTML page in Basalt's words.
func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><html lang=en><meta charset=utf-8><title>%s</title><body style=\"font-family:sans-serif;max-width:40em;margin:4em auto\"><h1>%s</h1><p>%s</p></body></html>",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
}

// record counts a request of a session to a service.
func (g *Gateway) record(p pass, project, service string, now time.Time) *counters {
	c := g.meter.of(key(p.Region, project, service))
	c.requests.Add(1)
	c.last.Store(now.UnixNano())
	c.by.Store(&requester{user: p.User, groups: p.Groups})
	g.meter.reqs.WithLabelValues(p.Region).Inc()
	return c
}

// bufferPool lends the proxy 256 KiB buffers: fewer, larger writes for big downloads.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

func (bufferPool) Get() []byte  { return *(buffers.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
