package gateway

import (
	"net/http"
	"net/url"
	"strings"
)

// AuthPath answers the ingress controller's question in forward-auth mode: may this request
// to a service's host go through? The controller keeps proxying to the service itself.
const AuthPath = "/_basalt/auth"

// forwarded is the request an ingress controller asks about: its host and path, from
// Traefik's and Envoy's X-Forwarded-Host and X-Forwarded-Uri, or nginx's X-Original-URL.
func forwarded(r *http.Request) (host, uri string, nginx bool) {
	if raw := r.Header.Get("X-Original-URL"); raw != "" {
		u, err := url.Parse(raw)
		if err != nil {
			return "", "", true
		}
		return u.Host, u.RequestURI(), true
	}
	uri = r.Header.Get("X-Forwarded-Uri")
	if uri == "" {
		uri = "/"
	}
	return r.Header.Get("X-Forwarded-Host"), uri, false
}

// ServeAuth answers an ingress controller's subrequest: 200 with X-Basalt-User and
// X-Basalt-Groups, for the controller to pass on to the service, when the browser's session at
// the service's host may use the service; otherwise the browser is to
// sign in through the portal, which nginx does with its auth-signin URL on a 401 and other
// controllers by passing on the 302 and its sign-in cookie; 403 when it may not.
func (g *Gateway) ServeAuth(w http.ResponseWriter, r *http.Request) {
	host, uri, nginx := forwarded(r)
	service, project, ok := g.o.Apps.Parse(host)
	if !ok {
		http.Error(w, "not a service's host on the apps domain", http.StatusForbidden)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	now := g.o.Now()
	p, err := g.session(r, host, now)
	if err != nil {
		// nginx sends the browser to its auth-signin, the portal, which has the host set its
		// sign-in cookie first; the others pass this answer on, cookie included.
		if nginx || !navigation(r) {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		g.startSignIn(w, r, host, uri, p.Link)
		return
	}
	if _, err := g.decide(r.Context(), p.visitor(), p.Region, project, service); err != nil {
		http.Error(w, strings.TrimSpace(err.Error()), http.StatusForbidden)
		return
	}
	g.record(p, project, service, now)
	setIdentity(w.Header(), p.User, p.Groups)
	w.WriteHeader(http.StatusOK)
}
