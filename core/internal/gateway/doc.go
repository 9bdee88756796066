// Package gateway serves services' own web pages through Basalt, on an apps domain that is
// another site than the portal's: each service at <service>--<project>.<apps domain>. A
// browser is signed in there by the portal: the portal hands the service's host a one-time
// ticket, bound to that host and to the browser that asked, which the host exchanges for a
// cookie of its own. Every request is then checked against the service's current rights (its
// owner; in a group project, the members when it is shared; whoever its grants name, or
// presented one of its links at its host) and proxied to the endpoint the region gives for
// it, HTTP and WebSocket alike, with Basalt's cookies and any Authorization header kept from
// the service, and the visitor named (X-Basalt-User, X-Basalt-Groups). In forward-auth mode
// the cluster's ingress controller proxies and asks the gateway first (/_basalt/auth), which
// answers the same names. A trusted application (Jupyter) is handed its own token instead, so
// that it asks no password; the token is taken out of whatever goes back to the browser.
// Traffic is metered per service: when it was last used, requests, bytes, open WebSockets.
package gateway
