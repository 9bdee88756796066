package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"
)

// A sign-in binds its ticket to the browser that started it, as PKCE binds an OAuth code:
// the service's host sets a random cookie on itself and sends the portal only its hash, which
// the ticket carries; the host trades the ticket only with the cookie of that hash. A ticket
// taken on its way (a log, a proxy) is worth nothing without the browser, on every replica,
// though each replica remembers only the tickets it saw used.

// signInTTL is how long a sign-in may take, the portal's own sign-in with the identity
// provider included.
const signInTTL = 10 * time.Minute

const (
	signInCookieName = "basalt_signin"
	// On https the __Host- prefix keeps the apps domain's other hosts (other services) from
	// setting the cookie for this one.
	signInCookieNameHTTPS = "__Host-basalt_signin"
)

func (g *Gateway) signInCookie() string {
	if g.o.Apps.Scheme == "https" {
		return signInCookieNameHTTPS
	}
	return signInCookieName
}

func isSignInCookie(name string) bool {
	return name == signInCookieName || name == signInCookieNameHTTPS
}

// bindingOf is the hash of a sign-in cookie's value that a ticket carries.
func bindingOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validBinding reports whether s can be a binding: a SHA-256, base64url without padding.
func validBinding(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

// startedHere reports whether the request carries the sign-in cookie a ticket is bound to.
func (g *Gateway) startedHere(r *http.Request, binding string) bool {
	c, err := r.Cookie(g.signInCookie())
	if err != nil || binding == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(bindingOf(c.Value)), []byte(binding)) == 1
}

// navigation reports whether a request is a browser's navigation (or from a client that does
// not say): only those start a sign-in, so that a page's background requests, which cannot
// follow it to the portal, do not set a new sign-in cookie under a navigation's.
func navigation(r *http.Request) bool {
	mode := r.Header.Get("Sec-Fetch-Mode")
	return mode == "" || mode == "navigate"
}
