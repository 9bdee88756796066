package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// TestSessionsFollowTheToken: the plugin's cache of Vault tokens is keyed by the ID token,
// not by the name the core sends: once alice's token is cached, a call naming alice with
// bob's ID token acts as bob (Vault keeps him out of her home), and one with a forged or no
// token gets nothing.
func TestSessionsFollowTheToken(t *testing.T) {
	w := setupWorld(t)
	s := w.spawn(t, nil)
	ctx := t.Context()
	path := "users/alice/token-keyed-" + secretValue()[6:14]
	if _, err := s.Write(ctx, sdk.WriteSecretRequest{Caller: w.alice, Path: path, Data: map[string]string{"k": secretValue()}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = s.Delete(context.Background(), sdk.DeleteSecretRequest{Caller: w.alice, Path: path, All: true})
	})
	if _, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: w.alice, Path: path}); err != nil {
		t.Fatalf("alice's own read, with her token cached: %v", err)
	}

	withBobsToken := w.alice
	withBobsToken.IDToken = w.bob.IDToken
	if got, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: withBobsToken, Path: path}); err == nil {
		t.Errorf("a call naming alice with bob's ID token read her secret (%d keys): it got her cached Vault token", len(got.Data))
	}
	if _, err := s.List(ctx, sdk.ListSecretsRequest{Caller: withBobsToken, Path: "users/alice"}); err == nil {
		t.Error("a call naming alice with bob's ID token listed her home")
	}
	// The user's own token handed out for such a call is bob's, which Vault keeps out of alice's home.
	if tok, err := s.Token(ctx, sdk.SecretsTokenRequest{Caller: withBobsToken}); err == nil {
		mustNotLog(tok.Token)
		secret, err := w.direct(t, tok.Token).Logical().ReadWithContext(ctx, w.env.VaultKVMount+"/data/"+path)
		wantForbidden(t, "the own token handed to a call naming alice with bob's ID token, on her secret,", secret, err)
	}

	for _, forged := range []string{"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.forged-signature-123456", ""} {
		c := w.alice
		c.IDToken = forged
		if _, err := s.Read(ctx, sdk.ReadSecretRequest{Caller: c, Path: path}); !errors.Is(err, sdk.ErrUnauthenticated) {
			t.Errorf("Read naming alice with the ID token %q: %v, want ErrUnauthenticated", forged, err)
		}
		if _, err := s.Token(ctx, sdk.SecretsTokenRequest{Caller: c}); !errors.Is(err, sdk.ErrUnauthenticated) {
			t.Errorf("Token naming alice with the ID token %q: %v, want ErrUnauthenticated", forged, err)
		}
	}
}
