package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// Tokens is the answer of the token endpoint.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
}

// IDToken signs user in with the services client, whose audience MinIO's STS
// and Vault's JWT method accept, and returns the ID token.
func (e *Env) IDToken(ctx context.Context, user string) (string, error) {
	t, err := e.Login(ctx, LoginRequest{
		User:         user,
		ClientID:     e.ServicesClientID,
		ClientSecret: e.ServicesClientSecret,
		RedirectURL:  e.ServicesClientRedirectURL,
	})
	if err != nil {
		return "", err
	}
	return t.IDToken, nil
}

// LoginRequest says who signs in through which client.
type LoginRequest struct {
	User         string // one of Users
	ClientID     string
	ClientSecret string // empty for a public client
	RedirectURL  string // registered with the client; never fetched
	Scopes       []string
	// Identity, when set, signs in someone who is not one of Users (a scale test's generated
	// users): Hydra takes any subject, and the consent puts Identity's claims in the tokens.
	Identity *User
}

// Login runs the authorization-code flow with PKCE as a browser would, except
// that it accepts the login and consent through Hydra's admin API instead of
// the login app, so a test needs no browser. The tokens carry the user's
// claims (groups, roles, policy) as the login app would put them.
func (e *Env) Login(ctx context.Context, r LoginRequest) (*Tokens, error) {
	// Hydra keeps its state in an in-memory SQLite database, which answers concurrent flows
	// (test packages run in parallel) with a generic server error now and then ("The error is
	// unrecognizable"): such a flow is started again, from the beginning.
	for attempt := 1; ; attempt++ {
		tok, err := e.login(ctx, r)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "unrecognizable") {
			return tok, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		}
	}
}

func (e *Env) login(ctx context.Context, r LoginRequest) (*Tokens, error) {
	if r.Identity != nil {
		r.User = r.Identity.Name
	} else if _, ok := LookupUser(r.User); !ok {
		return nil, fmt.Errorf("testenv: unknown user %q", r.User)
	}
	if len(r.Scopes) == 0 {
		r.Scopes = []string{"openid", "profile", "email", "offline_access"}
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	verifier := randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	state := randomString(16)
	q := url.Values{
		"client_id":             {r.ClientID},
		"response_type":         {"code"},
		"scope":                 {strings.Join(r.Scopes, " ")},
		"redirect_uri":          {r.RedirectURL},
		"state":                 {state},
		"nonce":                 {randomString(16)},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	loc, err := redirect(ctx, browser, e.OIDCIssuerURL("/oauth2/auth")+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("testenv: authorization request: %w", err)
	}
	challenge := loc.Query().Get("login_challenge")
	if challenge == "" {
		return nil, fmt.Errorf("testenv: authorization request: redirected to %s, not to the login app", loc)
	}
	next, err := AcceptLogin(ctx, e.OIDCAdminURL, challenge, r.User)
	if err != nil {
		return nil, err
	}
	if loc, err = redirect(ctx, browser, next); err != nil {
		return nil, fmt.Errorf("testenv: after login: %w", err)
	}
	challenge = loc.Query().Get("consent_challenge")
	if challenge == "" {
		return nil, fmt.Errorf("testenv: after login: redirected to %s, not to the consent app", loc)
	}
	if next, err = acceptConsent(ctx, e.OIDCAdminURL, challenge, r.Identity); err != nil {
		return nil, err
	}
	if loc, err = redirect(ctx, browser, next); err != nil {
		return nil, fmt.Errorf("testenv: after consent: %w", err)
	}
	if msg := loc.Query().Get("error"); msg != "" {
		return nil, fmt.Errorf("testenv: authorization failed: %s: %s", msg, loc.Query().Get("error_description"))
	}
	if loc.Query().Get("state") != state {
		return nil, errors.New("testenv: authorization response lost the state")
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {loc.Query().Get("code")},
		"redirect_uri":  {r.RedirectURL},
		"code_verifier": {verifier},
	}
	if r.ClientSecret == "" {
		form.Set("client_id", r.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.OIDCIssuerURL("/oauth2/token"), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(r.ClientID), url.QueryEscape(r.ClientSecret))
	}
	var t Tokens
	if err := doJSON(browser, req, &t); err != nil {
		return nil, fmt.Errorf("testenv: token request: %w", err)
	}
	return &t, nil
}

// OIDCIssuerURL joins a path to the issuer, which may or may not end in a slash.
func (e *Env) OIDCIssuerURL(path string) string {
	return strings.TrimSuffix(e.OIDCIssuer, "/") + path
}

// AcceptLogin tells Hydra that user signed in for the login challenge and
// returns where the browser goes next.
func AcceptLogin(ctx context.Context, adminURL, challenge, user string) (string, error) {
	body := map[string]any{"subject": user, "remember": false}
	return accept(ctx, adminURL+"/admin/oauth2/auth/requests/login/accept?login_challenge="+url.QueryEscape(challenge), body)
}

// AcceptConsent grants everything the client asked for and puts the user's
// claims (see User.Claims) in the ID and access tokens.
func AcceptConsent(ctx context.Context, adminURL, challenge string) (string, error) {
	return acceptConsent(ctx, adminURL, challenge, nil)
}

// acceptConsent is AcceptConsent for one of Users or, when the subject is identity's, for it.
func acceptConsent(ctx context.Context, adminURL, challenge string, identity *User) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, adminURL+"/admin/oauth2/auth/requests/consent?consent_challenge="+url.QueryEscape(challenge), nil)
	if err != nil {
		return "", err
	}
	var consent struct {
		Subject        string   `json:"subject"`
		RequestedScope []string `json:"requested_scope"`
		RequestedAud   []string `json:"requested_access_token_audience"`
	}
	if err := doJSON(http.DefaultClient, req, &consent); err != nil {
		return "", fmt.Errorf("testenv: consent request: %w", err)
	}
	u, ok := LookupUser(consent.Subject)
	if identity != nil && identity.Name == consent.Subject {
		u, ok = *identity, true
	}
	if !ok {
		return "", fmt.Errorf("testenv: consent for unknown subject %q", consent.Subject)
	}
	body := map[string]any{
		"grant_scope":                 consent.RequestedScope,
		"grant_access_token_audience": consent.RequestedAud,
		"remember":                    false,
		"session":                     map[string]any{"id_token": u.Claims(), "access_token": u.Claims()},
	}
	return accept(ctx, adminURL+"/admin/oauth2/auth/requests/consent/accept?consent_challenge="+url.QueryEscape(challenge), body)
}

func accept(ctx context.Context, u string, body any) (string, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := doJSON(http.DefaultClient, req, &out); err != nil {
		return "", fmt.Errorf("testenv: %s: %w", req.URL.Path, err)
	}
	return out.RedirectTo, nil
}

// redirect fetches u and returns the Location it redirects to.
func redirect(ctx context.Context, c *http.Client, u string) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return nil, fmt.Errorf("GET %s: %s, not a redirect: %s", req.URL.Path, resp.Status, body)
	}
	return resp.Location()
}

// doJSON sends req and decodes a 2xx JSON answer into out.
func doJSON(c *http.Client, req *http.Request, out any) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, bytes.TrimSpace(body))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
