package authn

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/basalt-dev/basalt/sdk"
)

// Sessions live in encrypted cookies and replicas share no store, so a copy of a cookie
// would outlive a sign-out that only cleared the browser's. A sign-out therefore
//
//   - remembers the session's id on the replica that served it, refused there at once;
//   - revokes the session's tokens at the provider (RFC 7009), the one party every replica
//     asks: each replica checks a session with the provider's userinfo endpoint at least every
//     auth.session.check_interval, and a revoked session ends there at the next check.
//
// The trade-off: on other replicas a copy taken before the sign-out works for at most
// check_interval; a provider without a revocation endpoint leaves it working until its
// tokens expire; bearer tokens of API clients are the provider's and are not revoked.

// revocations are the ids of the sessions signed out on this replica, each kept until the
// session would have ended anyway.
type revocations struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func (r *revocations) add(id string, until, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, t := range r.until {
		if now.After(t) {
			delete(r.until, k)
		}
	}
	r.until[id] = until
}

func (r *revocations) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.until[id]
	return ok
}

var (
	errSessionEnded = errors.New("the session has ended")
	// errProviderUnavailable: the provider could not say; the session is kept.
	errProviderUnavailable = errors.New("the identity provider did not answer")
)

// confirm asks the provider whether the session still stands, with its access token at the
// userinfo endpoint (which rotates nothing, so that a browser's parallel requests do not
// race); an expired access token is refreshed instead, which asks the provider too.
//
// The ID token a refresh brings is returned; nil when there was none.
func (a *Authenticator) confirm(ctx context.Context, s *session, subject string) (*oidc.IDToken, error) {
	if a.userinfo == "" {
		return nil, nil // nothing to ask: the session lasts as long as its tokens
	}
	if s.AccessToken == "" || (!s.AccessExpiry.IsZero() && !a.now().Before(s.AccessExpiry)) {
		if s.RefreshToken == "" {
			return nil, errSessionEnded
		}
		tok, err := a.refresh(ctx, s)
		var refused *oauth2.RetrieveError
		var unreached *url.Error
		switch {
		case err == nil:
			return tok, nil
		case errors.As(err, &refused) && refused.Response != nil && refused.Response.StatusCode >= 500, errors.As(err, &unreached):
			return nil, errors.Join(errProviderUnavailable, err)
		default:
			return nil, errSessionEnded
		}
	}
	return nil, a.askUserinfo(ctx, s.AccessToken, subject)
}

// askUserinfo checks that the provider still accepts an access token, and for subject.
func (a *Authenticator) askUserinfo(ctx context.Context, accessToken, subject string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.userinfo, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := a.http.Do(req)
	if err != nil {
		return errors.Join(errProviderUnavailable, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return errSessionEnded
	case resp.StatusCode != http.StatusOK:
		return errProviderUnavailable
	}
	var info struct {
		Subject string `json:"sub"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil {
		return errors.Join(errProviderUnavailable, err)
	}
	if info.Subject != subject {
		return errSessionEnded // another user's token: never the case unless something is very wrong
	}
	return nil
}

// revokeTokens asks the provider to revoke the session's refresh and access tokens. Failures
// are logged, never shown: the sign-out goes on.
func (a *Authenticator) revokeTokens(ctx context.Context, s session) {
	if a.revocation == "" {
		return
	}
	for hint, token := range map[string]string{"refresh_token": s.RefreshToken, "access_token": s.AccessToken} {
		if token == "" {
			continue
		}
		form := url.Values{"token": {token}, "token_type_hint": {hint}}
		if a.cfg.ClientSecret == "" {
			form.Set("client_id", a.cfg.ClientID)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.revocation, strings.NewReader(form.Encode()))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if a.cfg.ClientSecret != "" {
			req.SetBasicAuth(url.QueryEscape(a.cfg.ClientID), url.QueryEscape(a.cfg.ClientSecret))
		}
		resp, err := a.http.Do(req)
		if err != nil {
			a.log.Warn("revoking a session's token at the provider failed", "token", hint, "reason", err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			a.log.Warn("the provider did not revoke a session's token", "token", hint, "status", resp.StatusCode)
		}
	}
}

// sessionError is what a caller whose session could not be confirmed is told.
func sessionError(err error) error {
	if errors.Is(err, errProviderUnavailable) {
		return sdk.Errorf(sdk.ErrUnavailable, "the identity provider cannot confirm the session right now; try again shortly")
	}
	return sdk.Errorf(sdk.ErrUnauthenticated, "the session has ended; sign in again")
}
