package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/apitoken"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// APIToken is one of the caller's API tokens, as listed: never its value.
type APIToken struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Scopes  []string  `json:"scopes"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// APITokenList is the caller's API tokens that have not expired, with what a new one may be.
type APITokenList struct {
	Tokens []APIToken `json:"tokens"`
	// Scopes are those a token may hold; MaxDays is the longest it may last.
	Scopes  []string `json:"scopes"`
	MaxDays int      `json:"maxDays"`
}

// NewAPIToken asks for a token.
type NewAPIToken struct {
	Name    string    `json:"name"`
	Scopes  []string  `json:"scopes"`
	Expires time.Time `json:"expires"`
}

// CreatedAPIToken is a token just made: Value is shown this once and kept nowhere.
type CreatedAPIToken struct {
	Token APIToken `json:"token"`
	Value string   `json:"value"`
	// Curl is an example of its use, reading the value from $BASALT_TOKEN.
	Curl string `json:"curl"`
}

// newTokenKeeper is the keeper of API tokens, in auth.tokens.region (the first region by
// default); nil when tokens are off or no region runs services.
func newTokenKeeper(opts Options) *apitoken.Keeper {
	cfg := opts.Config
	if !cfg.Auth.Tokens.Enabled || opts.Plugins == nil {
		return nil
	}
	for _, r := range cfg.Regions {
		if (cfg.Auth.Tokens.Region == "" || r.ID == cfg.Auth.Tokens.Region) && r.Region != "" {
			return keeperIn(opts, r.Region)
		}
		if cfg.Auth.Tokens.Region == "" {
			return nil // the first region keeps them, and it runs no services
		}
	}
	return nil
}

func keeperIn(opts Options, plugin string) *apitoken.Keeper {
	region, err := opts.Plugins.Region(plugin)
	if err != nil {
		return nil
	}
	return apitoken.NewKeeper(opts.Config, region)
}

// byAPIToken checks a request that presents an API token, before the policy: the token must
// be valid and hold the scope the route needs. It reports false for any other request.
func (s *Server) byAPIToken(c echo.Context) (bool, error) {
	raw, ok := strings.CutPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
	if !ok || !apitoken.Shaped(raw) {
		return false, nil
	}
	if s.tokens == nil {
		return true, sdk.Errorf(sdk.ErrUnauthenticated, "this instance takes no API tokens (auth.tokens.enabled)")
	}
	r := c.Request()
	u, grant, err := s.tokens.Verify(r.Context(), raw)
	if err != nil {
		return true, err
	}
	if err := grant.Allow(r.Method, c.Path()); err != nil {
		return true, err
	}
	c.SetRequest(r.WithContext(apitoken.WithGrant(identity.WithUser(r.Context(), u), grant)))
	return true, nil
}

// tokenScope is the caller managing their own tokens: from a session or the provider's token,
// never from an API token, in their personal project of the region that keeps tokens.
func (s *Server) tokenScope(c echo.Context, onboard bool) (sdk.Region, error) {
	if err := s.mayManageTokens(c); err != nil {
		return nil, err
	}
	u, err := currentUser(c)
	if err != nil {
		return nil, err
	}
	sc, err := s.scopes.Resolve(u, "", s.opts.Config.Auth.Tokens.Region) // "": the first region
	if err != nil {
		return nil, err
	}
	ctx := sc.Context(c.Request().Context())
	if onboard {
		if err := s.scopes.Onboard(ctx, sc); err != nil {
			return nil, err
		}
	}
	c.SetRequest(c.Request().WithContext(ctx))
	return sc.Services()
}

// mayManageTokens refuses a request that presents an API token, whatever it asks.
func (s *Server) mayManageTokens(c echo.Context) error {
	if s.tokens == nil {
		return sdk.Errorf(sdk.ErrUnimplemented, "API tokens are off on this instance (auth.tokens.enabled, and a region that runs services)")
	}
	if apitoken.GrantFrom(c.Request().Context()) != nil {
		return sdk.Errorf(sdk.ErrPermissionDenied, "an API token cannot list, make or revoke API tokens: sign in to the portal")
	}
	return nil
}

func apiTokenView(t sdk.AccessToken) APIToken {
	return APIToken{ID: t.ID, Name: t.Name, Scopes: httpapi.NonNil(t.Scopes), Created: t.Created, Expires: t.Expires}
}

func (s *Server) listAPITokens(c echo.Context) error {
	region, err := s.tokenScope(c, false)
	if err != nil {
		return err
	}
	tokens, err := s.tokens.List(c.Request().Context(), region)
	if errors.Is(err, sdk.ErrNotFound) { // a personal project not onboarded yet keeps none
		tokens, err = nil, nil
	}
	if err != nil {
		return err
	}
	out := APITokenList{Tokens: []APIToken{}, Scopes: apitoken.Scopes, MaxDays: int(s.tokens.MaxTTL() / (24 * time.Hour))}
	for _, t := range tokens {
		out.Tokens = append(out.Tokens, apiTokenView(t))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createAPIToken(c echo.Context) error {
	if err := s.mayManageTokens(c); err != nil {
		return err
	}
	var req NewAPIToken
	if err := httpapi.DecodeStrict(c, &req, "a new API token {name, scopes, expires}"); err != nil {
		return err
	}
	region, err := s.tokenScope(c, true)
	if err != nil {
		return err
	}
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	value, rec, err := s.tokens.Create(c.Request().Context(), region, u, apitoken.NewToken{Name: req.Name, Scopes: req.Scopes, Expires: req.Expires})
	if err != nil {
		return err
	}
	c.Set(auditTarget, rec.ID)
	curl := "curl -H \"Authorization: Bearer $BASALT_TOKEN\" " + shell.Quote(strings.TrimSuffix(s.publicBase(c), "/")+"/api/v1/me")
	return c.JSON(http.StatusCreated, CreatedAPIToken{Token: apiTokenView(rec), Value: value, Curl: curl})
}

func (s *Server) revokeAPIToken(c echo.Context) error {
	if err := s.mayManageTokens(c); err != nil {
		return err
	}
	id := c.Param("id")
	if !sdk.AccessTokenID.MatchString(id) {
		return sdk.InvalidFields("invalid API token", sdk.FieldViolation{Field: "id", Rule: "16 to 64 letters or digits"})
	}
	region, err := s.tokenScope(c, false)
	if err != nil {
		return err
	}
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	c.Set(auditTarget, id)
	if err := s.tokens.Revoke(c.Request().Context(), region, u, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
