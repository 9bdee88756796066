package apitoken

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// personalRegion is the memory region seen as the authorizer shows it to a person: every call
// in their own project.
type personalRegion struct {
	sdk.Region
	project sdk.Project
}

func (r personalRegion) AccessTokens(ctx context.Context, req sdk.AccessTokensRequest) (sdk.AccessTokensResponse, error) {
	req.Project = r.project
	return r.Region.AccessTokens(ctx, req)
}

func (r personalRegion) SetAccessTokens(ctx context.Context, req sdk.SetAccessTokensRequest) (sdk.SetAccessTokensResponse, error) {
	req.Project = r.project
	return r.Region.SetAccessTokens(ctx, req)
}

type fixture struct {
	keeper *Keeper
	region *memory.Region
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg := &config.Config{}
	cfg.Projects.UserPrefix = "user-"
	cfg.Auth.Session.Key = "a session key of at least thirty-two characters"
	cfg.Auth.OIDC.UsernameClaim, cfg.Auth.OIDC.GroupsClaim, cfg.Auth.OIDC.RolesClaim = "preferred_username", "groups", "realm_access.roles"
	cfg.Auth.Tokens = config.Tokens{Enabled: true, MaxTTL: 30 * 24 * time.Hour, CacheTTL: 5 * time.Second}
	f := &fixture{region: memory.NewRegion(), now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.keeper = NewKeeper(cfg, f.region)
	f.keeper.now = func() time.Time { return f.now }
	return f
}

func (f *fixture) as(t *testing.T, u *identity.User) sdk.Region {
	t.Helper()
	p := sdk.Project{ID: "user-" + u.Username}
	if _, err := f.region.Onboard(t.Context(), sdk.OnboardRequest{Caller: u.Caller(), Project: p}); err != nil {
		t.Fatal(err)
	}
	return personalRegion{Region: f.region, project: p}
}

var alice = &identity.User{Subject: "sub-alice", Username: "alice", Name: "Alice", Groups: []string{"data-team"}, Roles: []string{"admin"}}

func TestTokenActsAsItsMakerUntilItExpires(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	token, rec, err := f.keeper.Create(ctx, f.as(t, alice), alice, NewToken{Name: "cron", Scopes: []string{"read"}, Expires: f.now.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	u, grant, err := f.keeper.Verify(ctx, token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if u.Username != "alice" || u.Subject != "sub-alice" || u.IDToken != "" || strings.Join(u.Groups, ",") != "data-team" || !u.HasRole("admin") {
		t.Errorf("user %+v, want alice with her groups and roles, and no token of the provider", u)
	}
	if roles := u.Claims["realm_access"].(map[string]any)["roles"]; len(roles.([]any)) != 1 || u.Claims["preferred_username"] != "alice" {
		t.Errorf("claims %v, under the configured names", u.Claims)
	}
	if grant.ID != rec.ID || strings.Join(grant.Scopes, ",") != "read" {
		t.Errorf("grant %+v", grant)
	}
	f.now = rec.Expires
	if _, _, err := f.keeper.Verify(ctx, token); !errors.Is(err, sdk.ErrUnauthenticated) {
		t.Errorf("at its expiry: %v, want unauthenticated", err)
	}
	// An expired record goes when the next token is made.
	if _, _, err := f.keeper.Create(ctx, f.as(t, alice), alice, NewToken{Name: "next", Scopes: []string{"read"}, Expires: f.now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	have, _ := f.region.AccessTokens(ctx, sdk.AccessTokensRequest{Project: sdk.Project{ID: "user-alice"}})
	if len(have.Tokens) != 1 || have.Tokens[0].Name != "next" {
		t.Errorf("records after the next token: %+v, want the expired one gone", have.Tokens)
	}
}

// A record changed where it is kept (more scopes, another person, a later expiry) no longer
// matches its digest.
func TestEditedRecordsAreRefused(t *testing.T) {
	for name, edit := range map[string]func(*sdk.AccessToken){
		"scopes":  func(r *sdk.AccessToken) { r.Scopes = []string{"read", "admin"} },
		"roles":   func(r *sdk.AccessToken) { r.Roles = append(r.Roles, "admin") },
		"groups":  func(r *sdk.AccessToken) { r.Groups = []string{"platform"} },
		"expires": func(r *sdk.AccessToken) { r.Expires = r.Expires.Add(time.Hour) },
		"subject": func(r *sdk.AccessToken) { r.Subject = "sub-mallory" },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			ctx := t.Context()
			bob := &identity.User{Subject: "sub-bob", Username: "bob"}
			token, rec, err := f.keeper.Create(ctx, f.as(t, bob), bob, NewToken{Name: "x", Scopes: []string{"read"}, Expires: f.now.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			edited := rec
			edit(&edited)
			p := sdk.Project{ID: "user-bob"}
			if _, err := f.region.SetAccessTokens(ctx, sdk.SetAccessTokensRequest{Project: p, Remove: []string{rec.ID}, Add: []sdk.AccessToken{edited}}); err != nil {
				t.Fatal(err)
			}
			f.keeper.forget(p.ID)
			if _, _, err := f.keeper.Verify(ctx, token); !errors.Is(err, sdk.ErrUnauthenticated) {
				t.Errorf("a record with other %s: %v, want unauthenticated", name, err)
			}
		})
	}
}

// A record of bob's copied into alice's project does not make bob's token act as alice, nor
// alice's record in bob's project act as her.
func TestRecordsSpeakOnlyForTheirProject(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	token, rec, err := f.keeper.Create(ctx, f.as(t, alice), alice, NewToken{Name: "x", Scopes: []string{"read"}, Expires: f.now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	bob := &identity.User{Username: "bob"}
	f.as(t, bob)
	if _, err := f.region.SetAccessTokens(ctx, sdk.SetAccessTokensRequest{Project: sdk.Project{ID: "user-bob"}, Add: []sdk.AccessToken{rec}}); err != nil {
		t.Fatal(err)
	}
	moved := strings.Replace(token, "user-alice", "user-bob", 1)
	if _, _, err := f.keeper.Verify(ctx, moved); !errors.Is(err, sdk.ErrUnauthenticated) {
		t.Errorf("alice's record in bob's project: %v, want unauthenticated", err)
	}
}

// Checking tokens reads the region at most once per cache_ttl and project, but a token made
// elsewhere a moment ago is found at once; a revocation elsewhere holds once cache_ttl passed.
func TestTheCacheFollowsOtherReplicas(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t) // another replica over the same region
	other.region = f.region
	other.keeper.region = f.region
	other.keeper.now = func() time.Time { return f.now }
	ctx := t.Context()
	first, _, err := f.keeper.Create(ctx, f.as(t, alice), alice, NewToken{Name: "a", Scopes: []string{"read"}, Expires: f.now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.keeper.Verify(ctx, first); err != nil {
		t.Fatalf("on the other replica: %v", err)
	}
	f.now = f.now.Add(2 * time.Second)
	second, rec, err := f.keeper.Create(ctx, f.as(t, alice), alice, NewToken{Name: "b", Scopes: []string{"read"}, Expires: f.now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.keeper.Verify(ctx, second); err != nil {
		t.Fatalf("a token made meanwhile, on the other replica: %v", err)
	}
	if err := f.keeper.Revoke(ctx, f.as(t, alice), alice, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.keeper.Verify(ctx, second); err == nil {
		t.Error("revoked: still valid on the replica that revoked it")
	}
	if _, _, err := other.keeper.Verify(ctx, second); err != nil {
		t.Logf("within cache_ttl the other replica may still take it; it refused it already: %v", err)
	}
	f.now = f.now.Add(5 * time.Second)
	if _, _, err := other.keeper.Verify(ctx, second); !errors.Is(err, sdk.ErrUnauthenticated) {
		t.Errorf("revoked, after cache_ttl on the other replica: %v, want unauthenticated", err)
	}
}

func TestScopes(t *testing.T) {
	for _, c := range []struct {
		method, path, need string
	}{
		{"GET", "/api/v1/me", ScopeRead},
		{"HEAD", "/api/v1/projects/:project/files/content", ScopeRead},
		{"POST", "/api/v1/projects/:project/services", ScopeWrite},
		{"DELETE", "/api/v1/projects/:project/services/:service", ScopeWrite},
		{"GET", "/api/v1/admin/services", ScopeAdmin},
		{"POST", "/api/v1/admin/services/actions", ScopeAdmin},
		{"GET", "/api/v1/administrators", ScopeRead}, // not the administration's prefix
	} {
		if got := needed(c.method, c.path); got != c.need {
			t.Errorf("%s %s needs %s, want %s", c.method, c.path, got, c.need)
		}
		if err := (&Grant{Scopes: []string{c.need}}).Allow(c.method, c.path); err != nil {
			t.Errorf("%s %s with %s: %v", c.method, c.path, c.need, err)
		}
		others := []string{}
		for _, s := range Scopes {
			if s != c.need {
				others = append(others, s)
			}
		}
		if err := (&Grant{Scopes: others}).Allow(c.method, c.path); !errors.Is(err, sdk.ErrPermissionDenied) {
			t.Errorf("%s %s without %s: %v, want refused", c.method, c.path, c.need, err)
		}
	}
}

func TestParse(t *testing.T) {
	p := newParts("user-alice--3bc51062973c458d")
	got, ok := parse(p.String())
	if !ok || got != p {
		t.Fatalf("parse(%q) = %+v %v", p.String(), got, ok)
	}
	for _, bad := range []string{"", "basalt_pat_", "basalt_pat_a_b_c", p.String() + "_x", "x" + p.String(), strings.TrimSuffix(p.String(), p.secret[40:])} {
		if _, ok := parse(bad); ok {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
}
