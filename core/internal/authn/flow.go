package authn

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeReturn keeps a return address inside Basalt: an absolute or scheme-relative URL would
// make the sign-in an open redirect.
func safeReturn(to string) string {
	if to == "" || !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") || strings.HasPrefix(to, "/\\") {
		return "/"
	}
	return to
}

// returnURL is where a sign-in ends: the page it started from (safeReturn's path, with its
// query), under the public URL.
func (a *Authenticator) returnURL(to string) string {
	ref, err := url.Parse(to)
	if err != nil {
		return a.publicURL.JoinPath("/").String()
	}
	u := a.publicURL.JoinPath(ref.EscapedPath())
	u.RawQuery = ref.RawQuery
	return u.String()
}

// Login sends the browser to the provider, remembering state, nonce and the PKCE verifier in
// a short-lived encrypted cookie.
func (a *Authenticator) Login(w http.ResponseWriter, r *http.Request) {
	p := pending{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), ReturnTo: safeReturn(r.URL.Query().Get("return_to"))}
	value, err := a.sealer.seal(loginCookie, p)
	if err != nil {
		http.Error(w, "cannot start the sign-in", http.StatusInternalServerError)
		return
	}
	a.login.write(w, value, loginTTL)
	opts := []oauth2.AuthCodeOption{oidc.Nonce(p.Nonce), oauth2.S256ChallengeOption(p.Verifier)}
	for k, v := range a.cfg.ExtraParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v))
	}
	http.Redirect(w, r, a.oauth.AuthCodeURL(p.State, opts...), http.StatusFound)
}

// Callback finishes the sign-in: it checks the state, exchanges the code with the verifier,
// verifies the ID token and its nonce, and opens the session.
func (a *Authenticator) Callback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	value, ok := a.login.read(r)
	a.login.clear(w, r)
	var p pending
	if !ok || a.sealer.open(loginCookie, value, &p) != nil {
		return errLogin("the sign-in expired or was started elsewhere; try again")
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return errLogin("the identity provider refused the sign-in: " + e)
	}
	if q.Get("state") != p.State {
		return errLogin("the sign-in's state does not match; try again")
	}
	tok, err := a.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.Verifier))
	if err != nil {
		a.log.Info("code exchange failed", "reason", err)
		return errLogin("the identity provider did not accept the sign-in; try again")
	}
	raw, _ := tok.Extra("id_token").(string)
	idTok, err := a.idTokens.Verify(ctx, raw)
	if err != nil || idTok.Nonce != p.Nonce {
		return errLogin("the identity provider's answer could not be verified")
	}
	if _, err := a.user(idTok, raw); err != nil {
		return err
	}
	now := a.now()
	a.writeSession(w, session{ID: random(), IDToken: raw, RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken,
		AccessExpiry: tok.Expiry, Created: now, Seen: now, Checked: now})
	http.Redirect(w, r, a.returnURL(p.ReturnTo), http.StatusFound)
	return nil
}

// Logout ends the session for good (revoke.go): its id is refused on this replica from now
// on and its tokens are revoked at the provider, so that a copy of the cookie stops working
// on every replica; then the browser goes to the provider to end its session there too.
// Callers answer only POST: a sign-out is a state change, which a link of another site
// must not trigger.
func (a *Authenticator) Logout(w http.ResponseWriter, r *http.Request) {
	var hint string
	if value, ok := a.cookies.read(r); ok {
		var s session
		if a.sealer.open(sessionCookie, value, &s) == nil {
			hint = s.IDToken
			if s.ID != "" {
				a.revoked.add(s.ID, s.Created.Add(a.session.MaxAge), a.now())
			}
			a.revokeTokens(r.Context(), s)
		}
	}
	a.cookies.clear(w, r)
	target := a.publicURL.String()
	if a.endSession != "" {
		q := url.Values{"post_logout_redirect_uri": {strings.TrimSuffix(a.publicURL.String(), "/")}}
		if hint != "" {
			q.Set("id_token_hint", hint)
		}
		target = a.endSession + "?" + q.Encode()
	}
	// A page that moves on, not a redirect: the portal signs out with a form, and browsers
	// hold a form's redirects to the page's form-action policy ('self'), which the provider
	// is not.
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	link := html.EscapeString(target)
	_, _ = fmt.Fprintf(w, signedOutPage, link, link)
}

const signedOutPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title>
<meta http-equiv="refresh" content="0;url=%s"></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto"><h1>Signed out</h1><p><a href="%s">Continue</a></p></body></html>`

type loginError struct{ msg string }

func (e loginError) Error() string { return e.msg }

func errLogin(msg string) error { return loginError{msg} }
