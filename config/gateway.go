package config

import (
	"net"
	"strings"
	"time"
)

// Gateway configures the service gateway: services' own web pages served by Basalt on the
// apps domain, to their owner (and those they are shared with) signed in by Basalt.
type Gateway struct {
	Enabled    bool   `koanf:"enabled" doc:"Serve services through Basalt at <service>--<project>.<apps_domain>, signed in by Basalt, with no password of their own to hand out. Jupyter services (the charts of lifecycle.probes with a token_value) are handed their token by the gateway in proxy mode and ask for none; the token never reaches the browser."`
	AppsDomain string `koanf:"apps_domain" doc:"The apps domain, with its port when not the scheme's default, e.g. apps.example.org (a wildcard DNS record and certificate for *.apps.example.org point at Basalt). It must not be the portal's host nor under it, so that a service's pages never carry the portal's session; a registrable domain of its own (apps.example-lab.org for a portal at example.org) is safest. Empty: localhost with server.address's port (browsers resolve *.localhost to this machine)."`
	Scheme     string `koanf:"scheme" doc:"https, or http for localhost apps domains; empty: https, http for localhost."`
	// Tickets carry a sign-in from the portal's site to a service's.
	TicketTTL  time.Duration `koanf:"ticket_ttl" doc:"How long the one-time ticket that signs a browser in at a service's host is valid."`
	SessionTTL time.Duration `koanf:"session_ttl" doc:"How long a browser stays signed in at a service's host before Basalt asks the portal again."`
}

// Apps returns the apps domain and scheme in effect: the configured ones, or localhost's
// subdomains on the listener's port.
func (g Gateway) Apps(server Server) (domain, scheme string) {
	domain, scheme = strings.ToLower(g.AppsDomain), g.Scheme
	if domain == "" {
		domain = "localhost"
		if _, port, err := net.SplitHostPort(server.Address); err == nil && port != "80" && port != "0" {
			domain += ":" + port
		}
	}
	if scheme == "" {
		scheme = "https"
		if host, _, _ := strings.Cut(domain, ":"); host == "localhost" || strings.HasSuffix(host, ".localhost") {
			scheme = "http"
		}
	}
	return domain, scheme
}

func (g *Gateway) validate(bad func(key, format string, args ...any)) {
	if !g.Enabled {
		return
	}
	if g.Scheme != "" && g.Scheme != "http" && g.Scheme != "https" {
		bad("gateway.scheme", "must be http or https")
	}
	if d := g.AppsDomain; d != "" && (strings.Contains(d, "/") || strings.HasPrefix(d, ".") || strings.Contains(d, "*")) {
		bad("gateway.apps_domain", "must be a domain name with an optional port, such as apps.example.org (no scheme, no wildcard)")
	}
	if g.TicketTTL <= 0 || g.TicketTTL > 5*time.Minute {
		bad("gateway.ticket_ttl", "must be positive and at most 5m")
	}
	if g.SessionTTL <= 0 {
		bad("gateway.session_ttl", "must be positive")
	}
}
