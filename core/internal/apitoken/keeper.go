package apitoken

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// Grant is what a request that presents an API token may do: its scopes, until it expires.
type Grant struct {
	ID      string
	Name    string
	Scopes  []string
	Expires time.Time
}

// Keeper makes, lists and revokes a person's tokens through the authorizer's region, and
// checks tokens scripts present through the region itself (the core's own call, before
// anyone is known).
type Keeper struct {
	region   sdk.Region // unwrapped: to read the record of a token being checked
	key      []byte     // signs records (auth.session.key)
	projects config.Projects
	claims   config.OIDC
	maxTTL   time.Duration
	cacheTTL time.Duration
	now      func() time.Time

	mu   sync.Mutex
	read map[string]records // personal project -> its records as last read
}

// records are a project's token records as read at one time.
type records struct {
	tokens []sdk.AccessToken
	at     time.Time
}

// maxCached bounds the projects whose records a replica remembers: forged tokens name any
// project they like.
const maxCached = 4096

// NewKeeper keeps tokens in region (the plugin itself, unwrapped), with the instance's
// settings.
func NewKeeper(cfg *config.Config, region sdk.Region) *Keeper {
	return &Keeper{region: region, key: []byte(cfg.Auth.Session.Key), projects: cfg.Projects, claims: cfg.Auth.OIDC, maxTTL: cfg.Auth.Tokens.MaxTTL,
		cacheTTL: cfg.Auth.Tokens.CacheTTL, now: time.Now, read: map[string]records{}}
}

// NewToken is what a person asks for.
type NewToken struct {
	Name    string
	Scopes  []string
	Expires time.Time
}

// MaxTTL is the longest a token may last.
func (k *Keeper) MaxTTL() time.Duration { return k.maxTTL }

func (k *Keeper) check(t NewToken) error {
	name := strings.TrimSpace(t.Name)
	switch {
	case name == "" || len(name) > 100:
		return sdk.InvalidFields("invalid API token", sdk.FieldViolation{Field: "name", Rule: "1 to 100 characters"})
	case strings.ContainsFunc(name, unicode.IsControl):
		return sdk.InvalidFields("invalid API token", sdk.FieldViolation{Field: "name", Rule: "no control characters"})
	}
	if err := checkScopes(t.Scopes); err != nil {
		return err
	}
	now := k.now()
	if !t.Expires.After(now) || t.Expires.After(now.Add(k.maxTTL)) {
		return sdk.InvalidFields("invalid API token", sdk.FieldViolation{Field: "expires",
			Rule: fmt.Sprintf("a time in the future, at most %s from now (auth.tokens.max_ttl)", days(k.maxTTL))})
	}
	return nil
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// Create makes a token for u and keeps its record in region, the authorizer's, within u's
// personal project; the token itself is returned once and kept nowhere. Records that have
// expired are removed at the same time.
func (k *Keeper) Create(ctx context.Context, region sdk.Region, u *identity.User, t NewToken) (string, sdk.AccessToken, error) {
	if err := k.check(t); err != nil {
		return "", sdk.AccessToken{}, err
	}
	project, err := k.personal(u)
	if err != nil {
		return "", sdk.AccessToken{}, err
	}
	have, err := region.AccessTokens(ctx, sdk.AccessTokensRequest{})
	if err != nil {
		return "", sdk.AccessToken{}, err
	}
	now := k.now().UTC().Truncate(time.Second)
	var expired []string
	for _, r := range have.Tokens {
		if !r.Expires.After(now) {
			expired = append(expired, r.ID)
		}
	}
	p := newParts(project)
	rec := sdk.AccessToken{ID: p.id, Name: strings.TrimSpace(t.Name), Scopes: t.Scopes,
		Created: now, Expires: t.Expires.UTC().Truncate(time.Second), Subject: u.Subject, Username: u.Username,
		FullName: u.Name, Email: u.Email, Groups: u.Groups, Roles: u.Roles}
	rec.SecretHash = digest(k.key, p, rec)
	if _, err := region.SetAccessTokens(ctx, sdk.SetAccessTokensRequest{Add: []sdk.AccessToken{rec}, Remove: expired}); err != nil {
		return "", sdk.AccessToken{}, err
	}
	k.forget(project)
	return p.String(), rec, nil
}

// List is u's tokens that have not expired, from region, the authorizer's.
func (k *Keeper) List(ctx context.Context, region sdk.Region) ([]sdk.AccessToken, error) {
	have, err := region.AccessTokens(ctx, sdk.AccessTokensRequest{})
	if err != nil {
		return nil, err
	}
	now := k.now()
	out := []sdk.AccessToken{}
	for _, r := range have.Tokens {
		if r.Expires.After(now) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Revoke removes u's token of that id; another's, or one that does not exist, is not found.
func (k *Keeper) Revoke(ctx context.Context, region sdk.Region, u *identity.User, id string) error {
	project, err := k.personal(u)
	if err != nil {
		return err
	}
	have, err := region.AccessTokens(ctx, sdk.AccessTokensRequest{})
	if err != nil {
		return err
	}
	found := false
	for _, r := range have.Tokens {
		found = found || r.ID == id
	}
	if !found {
		return sdk.Errorf(sdk.ErrNotFound, "you have no API token %q", shorten(id))
	}
	if _, err := region.SetAccessTokens(ctx, sdk.SetAccessTokensRequest{Remove: []string{id}}); err != nil {
		return err
	}
	k.forget(project)
	return nil
}

func shorten(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func (k *Keeper) personal(u *identity.User) (string, error) {
	project, ok := sdk.ProjectName(k.projects.UserPrefix, u.Username)
	if !ok {
		return "", sdk.Errorf(sdk.ErrInvalidArgument, "your user name gives no personal project, where API tokens are kept")
	}
	return project, nil
}

// errRefused is every failure to recognise a token: the caller learns nothing of why.
var errRefused = sdk.Errorf(sdk.ErrUnauthenticated, "the API token is not valid: it may have expired or been revoked")

// Verify checks a token a script presents and returns who it acts as (the person as they were
// when they made it, without any token of the identity provider) and what it may do.
func (k *Keeper) Verify(ctx context.Context, token string) (*identity.User, *Grant, error) {
	p, ok := parse(token)
	if !ok {
		return nil, nil, errRefused
	}
	rec, err := k.record(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	// A record kept under another person's project never speaks for them.
	if project, ok := sdk.ProjectName(k.projects.UserPrefix, rec.Username); !ok || project != p.project {
		return nil, nil, errRefused
	}
	if !sameHash(rec.SecretHash, digest(k.key, p, rec)) || !k.now().Before(rec.Expires) {
		return nil, nil, errRefused
	}
	u := &identity.User{Subject: rec.Subject, Username: rec.Username, Name: rec.FullName, Email: rec.Email,
		Groups: rec.Groups, Roles: rec.Roles}
	u.Claims = k.claimsOf(u)
	return u, &Grant{ID: rec.ID, Name: rec.Name, Scopes: rec.Scopes, Expires: rec.Expires}, nil
}

// record finds a token's record: from what this replica read less than cache_ttl ago, else
// from the region. An id not among the records remembered is looked for in the region again,
// so that a token made on another replica works at once (a forged token costs one read).
func (k *Keeper) record(ctx context.Context, p parts) (sdk.AccessToken, error) {
	for _, fresh := range []bool{false, true} {
		tokens, readNow, err := k.records(ctx, p.project, fresh)
		if err != nil {
			return sdk.AccessToken{}, err
		}
		for _, r := range tokens {
			if r.ID == p.id {
				return r, nil
			}
		}
		if readNow {
			break
		}
	}
	return sdk.AccessToken{}, errRefused
}

// records are a project's records, remembered or read from the region now (readNow).
func (k *Keeper) records(ctx context.Context, project string, fresh bool) ([]sdk.AccessToken, bool, error) {
	now := k.now()
	k.mu.Lock()
	r, ok := k.read[project]
	k.mu.Unlock()
	if ok && !fresh && now.Sub(r.at) < k.cacheTTL {
		return r.tokens, false, nil
	}
	resp, err := k.region.AccessTokens(ctx, sdk.AccessTokensRequest{Project: sdk.Project{ID: project}})
	switch {
	case errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrInvalidArgument):
		resp = sdk.AccessTokensResponse{} // no such project: no token
	case err != nil:
		return nil, false, sdk.Errorf(sdk.ErrUnavailable, "the API token cannot be checked right now; try again shortly")
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.read) >= maxCached {
		for p, r := range k.read {
			if now.Sub(r.at) >= k.cacheTTL {
				delete(k.read, p)
			}
		}
	}
	if len(k.read) < maxCached {
		k.read[project] = records{tokens: resp.Tokens, at: now}
	}
	return resp.Tokens, true, nil
}

// forget drops what this replica read of a project's records, after it changed them.
func (k *Keeper) forget(project string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.read, project)
}

// claimsOf are the claims a launch context and catalog restrictions read, under the names the
// configuration gives the provider's.
func (k *Keeper) claimsOf(u *identity.User) map[string]any {
	claims := map[string]any{"sub": u.Subject}
	set := func(path string, v any) {
		if path == "" {
			return
		}
		m := claims
		keys := strings.Split(path, ".")
		for _, key := range keys[:len(keys)-1] {
			next, ok := m[key].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[key] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = v
	}
	set(k.claims.UsernameClaim, u.Username)
	if u.Name != "" {
		set(k.claims.NameClaim, u.Name)
	}
	if u.Email != "" {
		set(k.claims.EmailClaim, u.Email)
	}
	set(k.claims.GroupsClaim, anys(u.Groups))
	set(k.claims.RolesClaim, anys(u.Roles))
	return claims
}

func anys(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

type grantKey struct{}

// WithGrant returns ctx carrying the grant of the token the request presented.
func WithGrant(ctx context.Context, g *Grant) context.Context {
	return context.WithValue(ctx, grantKey{}, g)
}

// GrantFrom is the grant of the API token the request presented; nil for a session, the
// identity provider's token or local mode.
func GrantFrom(ctx context.Context) *Grant {
	g, _ := ctx.Value(grantKey{}).(*Grant)
	return g
}

// ErrProviderOnly is what a store that accepts only the identity provider's token answers a
// token's request (errors.Is), besides sdk.ErrPermissionDenied.
var ErrProviderOnly = errors.New("only the identity provider's token reaches this store")

type providerOnly struct{ store string }

func (e providerOnly) Error() string {
	return "an API token cannot reach the " + e.store + ": it accepts only the identity provider's token (sign in to the portal, or send the provider's token)"
}

func (e providerOnly) Is(target error) bool {
	return target == sdk.ErrPermissionDenied || target == ErrProviderOnly
}

// ProviderOnly is the error of a store (S3 through STS, Vault through JWT login) that a
// request with an API token cannot reach: store names it ("S3 store", "secrets store").
func ProviderOnly(store string) error { return providerOnly{store: store} }
