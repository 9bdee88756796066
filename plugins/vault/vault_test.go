package vault_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// secretValue returns a fresh value the log scan looks for (a canary: make test's scan of
// every log looks for it too).
func secretValue() string {
	v := logscan.Canary()
	mustNotLog(v)
	return v
}

// direct is a Vault client acting with token, as a service would.
func (w *world) direct(t *testing.T, token string) *vaultapi.Client {
	t.Helper()
	vc := vaultapi.DefaultConfig()
	vc.Address = w.env.VaultAddr
	c, err := vaultapi.NewClient(vc)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(token)
	return c
}

// wantForbidden fails unless Vault refused the request (403).
func wantForbidden(t *testing.T, what string, secret *vaultapi.Secret, err error) {
	t.Helper()
	var re *vaultapi.ResponseError
	if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("%s: got %v (answer %+v), want Vault's 403", what, err, secret)
	}
}

func TestConformanceSubprocess(t *testing.T) {
	w := setupWorld(t)
	plugintest.TestSecrets(t, func(t *testing.T) plugintest.SecretsSetup {
		return plugintest.SecretsSetup{Secrets: w.spawn(t, nil), Connected: true, Caller: w.alice, Other: &w.bob}
	})
}

// TestConformanceProject runs the kit in the group's home, with dave (in no group) as the
// outsider.
func TestConformanceProject(t *testing.T) {
	w := setupWorld(t)
	plugintest.TestSecrets(t, func(t *testing.T) plugintest.SecretsSetup {
		return plugintest.SecretsSetup{Secrets: w.spawn(t, nil), Connected: true, Caller: w.alice,
			Project: sdk.Project{ID: "project-data-team", Group: "data-team"}, Other: &w.dave}
	})
}

// TestHomes: alice keeps secrets in her home and her group's; bob, in the same group, reads
// the group's but not hers, neither through the plugin nor with his own Vault token; dave, in
// no group, reads neither.
func TestHomes(t *testing.T) {
	w := setupWorld(t)
	s := w.spawn(t, nil)
	ctx := t.Context()
	mine, ours := "users/alice/homes-"+secretValue()[6:14], "projects/data-team/homes-"+secretValue()[6:14]
	mineData, oursData := map[string]string{"k": secretValue()}, map[string]string{"k": secretValue()}
	for path, data := range map[string]map[string]string{mine: mineData, ours: oursData} {
		if _, err := s.Write(ctx, sdk.WriteSecretRequest{Caller: w.alice, Path: path, Data: data}); err != nil {
			t.Fatalf("alice writes %s: %v", path, err)
		}
		t.Cleanup(func() {
			s.Delete(context.Background(), sdk.DeleteSecretRequest{Caller: w.alice, Path: path, All: true})
		})
		got, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: w.alice, Path: path})
		if err != nil || !maps.Equal(got.Data, data) {
			t.Errorf("alice reads %s: %v, %v", path, got.Data, err)
		}
	}
	if home, err := s.Home(ctx, sdk.SecretsHomeRequest{Caller: w.alice, Project: sdk.Project{ID: "project-data-team", Group: "data-team"}}); err != nil || home.Path != "projects/data-team" {
		t.Errorf("alice's home in data-team: %q, %v", home.Path, err)
	}
	if got, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: w.bob, Path: ours}); err != nil || !maps.Equal(got.Data, oursData) {
		t.Errorf("bob reads the group's secret: %v, %v", got.Data, err)
	}
	for _, c := range []sdk.Caller{w.bob, w.dave} {
		if _, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: c, Path: mine}); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("%s reads alice's secret through the plugin: %v, want ErrNotFound", c.Username, err)
		}
	}
	if _, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: w.dave, Path: ours}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("dave reads data-team's secret through the plugin: %v, want ErrNotFound", err)
	}

	// The same refusals come from Vault itself, with the users' own tokens.
	for _, who := range []struct {
		c     sdk.Caller
		paths []string
	}{{w.bob, []string{mine}}, {w.dave, []string{mine, ours}}} {
		token, err := w.env.VaultLogin(ctx, who.c.IDToken)
		if err != nil {
			t.Fatalf("Vault login of %s: %v", who.c.Username, err)
		}
		mustNotLog(token)
		vc := w.direct(t, token)
		for _, p := range who.paths {
			secret, err := vc.Logical().ReadWithContext(ctx, w.env.VaultKVMount+"/data/"+p)
			wantForbidden(t, who.c.Username+" reads "+p+" with their own Vault token", secret, err)
		}
	}
}

// TestErrors: bad configurations name their fields; a caller without a valid ID token is
// unauthenticated, and the error does not repeat the token.
func TestErrors(t *testing.T) {
	w := setupWorld(t)
	s := w.spawn(t, nil)
	ctx := t.Context()
	forged := w.alice
	forged.IDToken = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.forged-signature-123456"
	forged.Subject = "alice-forged"
	_, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: forged, Path: "users/alice/anything"})
	if !errors.Is(err, sdk.ErrUnauthenticated) || strings.Contains(err.Error(), "forged-signature") {
		t.Errorf("Read with a forged ID token: %v, want ErrUnauthenticated without the token", err)
	}
	noToken := w.alice
	noToken.IDToken, noToken.Subject = "", "alice-without-token"
	if _, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: noToken, Path: "users/alice/anything"}); !errors.Is(err, sdk.ErrUnauthenticated) {
		t.Errorf("Read without an ID token: %v, want ErrUnauthenticated", err)
	}
	if _, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: w.alice, Path: "users/alice/../bob/x"}); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("Read of a path with ..: %v, want ErrInvalidArgument", err)
	}

	for _, tc := range []struct {
		changes map[string]any
		field   string
	}{
		{map[string]any{"address": nil}, "address"},
		{map[string]any{"jwtRole": nil}, "jwtRole"},
		{map[string]any{"userHome": "users/{group}"}, "userHome"},
		{map[string]any{"reservedFolder": "a/b/"}, "reservedFolder"},
		{map[string]any{"tokenTTL": "10s"}, "tokenTTL"},
		{map[string]any{"issuerTokenFile": "/nonexistent/token"}, "issuerTokenFile"},
	} {
		raw, _ := json.Marshal(w.config(tc.changes))
		_, err := s.Configure(ctx, sdk.ConfigureRequest{Config: raw})
		fields := sdk.FieldsOf(err)
		if !errors.Is(err, sdk.ErrInvalidArgument) || len(fields) == 0 || fields[0].Field != tc.field {
			t.Errorf("Configure with %v: %v (fields %+v), want ErrInvalidArgument on %s", tc.changes, err, fields, tc.field)
		}
	}
}

// TestLimitedToken: a token for one secret reads that secret and nothing else, not even its
// neighbours; bob cannot revoke it; alice's revocation ends it.
func TestLimitedToken(t *testing.T) {
	w := setupWorld(t)
	s := w.spawn(t, nil)
	ctx := t.Context()
	dir := "users/alice/limited-" + secretValue()[6:14]
	want := map[string]string{"PASSWORD": secretValue()}
	for _, p := range []string{dir + "/db", dir + "/other"} {
		if _, err := s.Write(ctx, sdk.WriteSecretRequest{Caller: w.alice, Path: p, Data: want}); err != nil {
			t.Fatalf("Write %s: %v", p, err)
		}
		t.Cleanup(func() { s.Delete(context.Background(), sdk.DeleteSecretRequest{Caller: w.alice, Path: p, All: true}) })
	}
	tok, err := s.Token(ctx, sdk.SecretsTokenRequest{Caller: w.alice, Paths: []string{dir + "/db"}, TTL: 10 * time.Minute})
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	mustNotLog(tok.Token)
	if tok.Renewable || tok.Accessor == "" || tok.Expiration.After(time.Now().Add(11*time.Minute)) || tok.Mount != w.env.VaultKVMount || tok.Address != w.env.VaultAddr {
		t.Errorf("Token: %+v, want a non-renewable token with an accessor, for at most 10 minutes, with the mount and address", sdk.SecretsTokenResponse{Accessor: tok.Accessor, Expiration: tok.Expiration, Renewable: tok.Renewable, Mount: tok.Mount, Address: tok.Address})
	}
	vc := w.direct(t, tok.Token)
	mount := w.env.VaultKVMount
	got, err := vc.KVv2(mount).Get(ctx, dir+"/db")
	if err != nil || got.Data["PASSWORD"] != want["PASSWORD"] {
		t.Fatalf("the limited token reads its secret: %v", err)
	}
	secret, err := vc.Logical().ReadWithContext(ctx, mount+"/data/"+dir+"/other")
	wantForbidden(t, "the limited token reads the secret next to its own", secret, err)
	secret, err = vc.Logical().ListWithContext(ctx, mount+"/metadata/"+dir)
	wantForbidden(t, "the limited token lists the folder", secret, err)
	secret, err = vc.Logical().WriteWithContext(ctx, mount+"/data/"+dir+"/db", map[string]any{"data": map[string]any{"x": "y"}})
	wantForbidden(t, "the limited token writes its secret", secret, err)
	secret, err = vc.Logical().WriteWithContext(ctx, "auth/token/create", map[string]any{})
	wantForbidden(t, "the limited token creates a token", secret, err)

	if _, err := s.RevokeToken(ctx, sdk.RevokeSecretsTokenRequest{Caller: w.bob, Accessor: tok.Accessor}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("bob revokes alice's token: %v, want ErrNotFound", err)
	}
	if _, err := vc.Auth().Token().LookupSelfWithContext(ctx); err != nil {
		t.Fatalf("the token died after bob's attempt: %v", err)
	}
	if _, err := s.RevokeToken(ctx, sdk.RevokeSecretsTokenRequest{Caller: w.alice, Accessor: tok.Accessor}); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	secret, err = vc.Logical().ReadWithContext(ctx, mount+"/data/"+dir+"/db")
	wantForbidden(t, "the revoked token reads its secret", secret, err)

	// Refused before anything is minted: bob's secrets, Basalt's own folder, a folder.
	for _, tc := range []struct {
		path string
		kind error
	}{
		{"users/bob/x", sdk.ErrNotFound},
		{"users/alice/.basalt/settings", sdk.ErrInvalidArgument},
		{"users/alice/a*b", sdk.ErrInvalidArgument},
		{"users/alice", sdk.ErrNotFound},
	} {
		if _, err := s.Token(ctx, sdk.SecretsTokenRequest{Caller: w.alice, Paths: []string{tc.path}}); !errors.Is(err, tc.kind) {
			t.Errorf("Token for %s: %v, want %v", tc.path, err, tc.kind)
		}
	}
}

// TestOwnToken: without paths, the user's own token (Onyxia's way) reads all they can; its
// revocation does not cut the plugin off from Vault.
func TestOwnToken(t *testing.T) {
	w := setupWorld(t)
	s := w.spawn(t, nil)
	ctx := t.Context()
	path := "projects/data-team/own-" + secretValue()[6:14]
	value := secretValue()
	if _, err := s.Write(ctx, sdk.WriteSecretRequest{Caller: w.alice, Path: path, Data: map[string]string{"v": value}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	t.Cleanup(func() {
		s.Delete(context.Background(), sdk.DeleteSecretRequest{Caller: w.alice, Path: path, All: true})
	})
	tok, err := s.Token(ctx, sdk.SecretsTokenRequest{Caller: w.alice})
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	mustNotLog(tok.Token)
	got, err := w.direct(t, tok.Token).KVv2(w.env.VaultKVMount).Get(ctx, path)
	if err != nil || got.Data["v"] != value {
		t.Fatalf("the user's own token reads the group's secret: %v", err)
	}
	if _, err := s.RevokeToken(ctx, sdk.RevokeSecretsTokenRequest{Caller: w.alice, Accessor: tok.Accessor}); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, err := w.direct(t, tok.Token).Auth().Token().LookupSelfWithContext(ctx); err == nil {
		t.Error("the revoked token still works")
	}
	if r, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: w.alice, Path: path}); err != nil || r.Data["v"] != value {
		t.Errorf("Read after revoking the handed-out token: %v", err)
	}
}
