package authn

import (
	"crypto/rand"
	"encoding/base64"
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
	a.writeSession(w, session{IDToken: raw, RefreshToken: tok.RefreshToken, Created: now, Seen: now})
	http.Redirect(w, r, a.publicURL.JoinPath(p.ReturnTo).String(), http.StatusFound)
	return nil
}

// Logout ends the session and, when the provider offers it, its own session too.
func (a *Authenticator) Logout(w http.ResponseWriter, r *http.Request) {
	var hint string
	if value, ok := a.cookies.read(r); ok {
		var s session
		if a.sealer.open(sessionCookie, value, &s) == nil {
			hint = s.IDToken
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
	http.Redirect(w, r, target, http.StatusFound)
}

type loginError struct{ msg string }

func (e loginError) Error() string { return e.msg }

func errLogin(msg string) error { return loginError{msg} }
