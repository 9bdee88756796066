// Package authn authenticates callers in oidc mode: the portal's sign-in with the
// authorization-code flow, PKCE, state and nonce, kept in an encrypted, HTTP-only session
// cookie that refreshes its tokens and ends after an idle time; and bearer tokens for API
// clients and the command line. The ID token is what plugins receive for S3 STS and Vault.
package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// Authenticator signs users in and recognises them afterwards.
type Authenticator struct {
	cfg       config.OIDC
	session   config.Session
	publicURL *url.URL
	log       *slog.Logger

	provider   *oidc.Provider
	idTokens   *verifiedTokens // the portal's own ID tokens
	bearer     *verifiedTokens // tokens API clients send
	oauth      oauth2.Config
	endSession string

	sealer  *sealer
	cookies cookieJar
	login   cookieJar
	now     func() time.Time

	// Sign-outs (revoke.go): the provider's endpoints, empty when it has none, and the
	// sessions signed out on this replica.
	userinfo   string
	revocation string
	revoked    *revocations
	http       *http.Client
}

const (
	sessionCookie = "basalt_session"
	loginCookie   = "basalt_login"
	loginTTL      = 10 * time.Minute
)

// New discovers the provider and prepares the flows.
func New(ctx context.Context, auth config.Auth, publicURL string, log *slog.Logger) (*Authenticator, error) {
	pub, err := url.Parse(publicURL)
	if err != nil {
		return nil, fmt.Errorf("server.public_url: %w", err)
	}
	provider, err := oidc.NewProvider(ctx, auth.OIDC.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("auth.oidc.issuer_url: discovering the provider: %w", err)
	}
	s, err := newSealer(auth.Session.Key)
	if err != nil {
		return nil, err
	}
	audience := auth.OIDC.Audience
	if audience == "" {
		audience = auth.OIDC.ClientID
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
		UserInfo   string `json:"userinfo_endpoint"`
		Revocation string `json:"revocation_endpoint"`
	}
	_ = provider.Claims(&meta)
	secure := pub.Scheme == "https"
	a := &Authenticator{
		cfg: auth.OIDC, session: auth.Session, publicURL: pub, log: log, provider: provider,
		idTokens: newVerifiedTokens(provider.Verifier(&oidc.Config{ClientID: auth.OIDC.ClientID})),
		bearer:   newVerifiedTokens(provider.Verifier(&oidc.Config{ClientID: audience})),
		oauth: oauth2.Config{
			ClientID: auth.OIDC.ClientID, ClientSecret: auth.OIDC.ClientSecret,
			Endpoint: provider.Endpoint(), Scopes: auth.OIDC.Scopes,
			RedirectURL: pub.JoinPath("/auth/callback").String(),
		},
		endSession: meta.EndSession,
		sealer:     s,
		cookies:    cookieJar{name: sessionCookie, secure: secure},
		login:      cookieJar{name: loginCookie, secure: secure},
		now:        time.Now,
		userinfo:   meta.UserInfo,
		revocation: meta.Revocation,
		revoked:    &revocations{until: map[string]time.Time{}},
		http:       &http.Client{Timeout: 10 * time.Second},
	}
	if a.userinfo == "" || a.revocation == "" {
		log.Warn("the identity provider lacks a userinfo or a revocation endpoint: a session signed out on one replica "+
			"stays usable on the others until its tokens expire", "userinfo", a.userinfo != "", "revocation", a.revocation != "")
	}
	return a, nil
}

// session is what the session cookie holds.
type session struct {
	ID           string    `json:"sid"` // names the session for a sign-out
	IDToken      string    `json:"id"`
	RefreshToken string    `json:"rt,omitempty"`
	AccessToken  string    `json:"at,omitempty"`
	AccessExpiry time.Time `json:"ae,omitzero"`
	Created      time.Time `json:"c"`
	Seen         time.Time `json:"s"`
	Checked      time.Time `json:"k"` // when the provider last confirmed the session
}

// pending is what the login cookie holds between the redirect to the provider and back.
type pending struct {
	State    string `json:"st"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	ReturnTo string `json:"r"`
}

// ErrNoCredentials means the request carries neither a bearer token nor a session.
var ErrNoCredentials = errors.New("no credentials")

// Authenticate returns the caller of a request: from its bearer token, else from its session
// cookie (refreshing the tokens and the cookie when needed). Every failure is
// ErrUnauthenticated with a message that reveals nothing of the token.
func (a *Authenticator) Authenticate(w http.ResponseWriter, r *http.Request) (*identity.User, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		raw, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || raw == "" {
			return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the Authorization header must be a bearer token")
		}
		tok, err := a.bearer.Verify(ctx, raw)
		if err != nil {
			a.log.Debug("bearer token refused", "reason", err)
			return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the bearer token is not valid")
		}
		return a.user(tok, raw)
	}
	value, ok := a.cookies.read(r)
	if !ok {
		return nil, ErrNoCredentials
	}
	var s session
	if err := a.sealer.open(sessionCookie, value, &s); err != nil {
		a.cookies.clear(w, r)
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the session is not valid; sign in again")
	}
	now := a.now()
	// A session without an id predates sign-out revocation: it cannot be revoked, so it ends.
	if now.Sub(s.Seen) > a.session.IdleTimeout || now.Sub(s.Created) > a.session.MaxAge || s.ID == "" || a.revoked.has(s.ID) {
		a.cookies.clear(w, r)
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the session has ended; sign in again")
	}
	tok, err := a.idTokens.Verify(ctx, s.IDToken)
	rewrite := now.Sub(s.Seen) > time.Minute
	if err != nil {
		var expired *oidc.TokenExpiredError
		if !errors.As(err, &expired) || s.RefreshToken == "" {
			a.cookies.clear(w, r)
			return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the session has expired; sign in again")
		}
		if tok, err = a.refresh(ctx, &s); err != nil {
			a.log.Info("session refresh failed", "reason", err)
			a.cookies.clear(w, r)
			return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the session has expired; sign in again")
		}
		rewrite = true
		s.Checked = now // the refresh asked the provider
	}
	if now.Sub(s.Checked) >= a.session.CheckInterval {
		fresh, err := a.confirm(ctx, &s, tok.Subject)
		if err != nil {
			if !errors.Is(err, errProviderUnavailable) {
				a.cookies.clear(w, r)
			}
			a.log.Info("session not confirmed by the provider", "reason", err)
			return nil, sessionError(err)
		}
		if fresh != nil {
			tok = fresh
		}
		s.Checked, rewrite = now, true
	}
	if rewrite {
		s.Seen = now
		a.writeSession(w, s)
	}
	return a.user(tok, s.IDToken)
}

func (a *Authenticator) refresh(ctx context.Context, s *session) (*oidc.IDToken, error) {
	fresh, err := a.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: s.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		return nil, err
	}
	raw, _ := fresh.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("the refresh returned no ID token")
	}
	tok, err := a.idTokens.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	s.IDToken = raw
	if fresh.RefreshToken != "" {
		s.RefreshToken = fresh.RefreshToken
	}
	s.AccessToken, s.AccessExpiry = fresh.AccessToken, fresh.Expiry
	return tok, nil
}

func (a *Authenticator) writeSession(w http.ResponseWriter, s session) {
	value, err := a.sealer.seal(sessionCookie, s)
	if err != nil {
		a.log.Error("cannot seal the session", "error", err)
		return
	}
	a.cookies.write(w, value, a.session.MaxAge)
}

// user maps a verified token's claims to a User, with the configured claim names.
func (a *Authenticator) user(tok *oidc.IDToken, raw string) (*identity.User, error) {
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the token's claims cannot be read")
	}
	username := claimString(claims, a.cfg.UsernameClaim)
	if username == "" {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "the token has no %s claim", a.cfg.UsernameClaim)
	}
	groups := claimStrings(claims, a.cfg.GroupsClaim)
	for i, g := range groups {
		groups[i] = strings.TrimPrefix(g, "/") // Keycloak writes group paths
	}
	return &identity.User{
		Subject: tok.Subject, Username: username,
		Name: claimString(claims, a.cfg.NameClaim), Email: claimString(claims, a.cfg.EmailClaim),
		Groups: groups, Roles: claimStrings(claims, a.cfg.RolesClaim),
		Claims: claims, IDToken: raw,
	}, nil
}

// claim follows a dotted path into the claims.
func claim(claims map[string]any, path string) any {
	if path == "" {
		return nil
	}
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func claimString(claims map[string]any, path string) string {
	s, _ := claim(claims, path).(string)
	return s
}

func claimStrings(claims map[string]any, path string) []string {
	switch v := claim(claims, path).(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
