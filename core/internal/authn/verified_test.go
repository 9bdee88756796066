package authn

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// countingKeys checks signatures with one key and counts the checks.
type countingKeys struct {
	keys   oidc.StaticKeySet
	checks int
}

func (k *countingKeys) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	k.checks++
	return k.keys.VerifySignature(ctx, jwt)
}

func signedToken(t *testing.T, key *rsa.PrivateKey, subject string, expiry time.Time) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	claims, _ := json.Marshal(map[string]any{"iss": "https://idp.example", "aud": "basalt", "sub": subject,
		"iat": time.Now().Add(-time.Minute).Unix(), "exp": expiry.Unix()})
	jws, err := signer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestVerifiedTokensAreRemembered: a token accepted once is accepted again without a second
// signature check, until the earlier of its expiry and verifiedFor; then it is checked again,
// and an expired one is refused as expired (what a session's refresh waits for). A token
// refused is checked at every call.
func TestVerifiedTokensAreRemembered(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys := &countingKeys{keys: oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{key.Public()}}}
	clock := time.Now()
	v := newVerifiedTokens(oidc.NewVerifier("https://idp.example", keys, &oidc.Config{ClientID: "basalt", Now: func() time.Time { return clock }}))
	v.now = func() time.Time { return clock }
	ctx := t.Context()

	long := signedToken(t, key, "alice", clock.Add(time.Hour))
	for range 3 {
		tok, err := v.Verify(ctx, long)
		if err != nil || tok.Subject != "alice" {
			t.Fatalf("Verify = %v, %v; want alice's token", tok, err)
		}
	}
	if keys.checks != 1 {
		t.Errorf("three calls with one token checked its signature %d times, want once", keys.checks)
	}
	clock = clock.Add(verifiedFor)
	if _, err := v.Verify(ctx, long); err != nil || keys.checks != 2 {
		t.Errorf("after %v: %v with %d checks, want the token checked again", verifiedFor, err, keys.checks)
	}

	short := signedToken(t, key, "bob", clock.Add(time.Minute))
	if _, err := v.Verify(ctx, short); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(2 * time.Minute)
	var expired *oidc.TokenExpiredError
	if _, err := v.Verify(ctx, short); !errors.As(err, &expired) {
		t.Errorf("a remembered token past its expiry: %v, want oidc's TokenExpiredError", err)
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged := signedToken(t, other, "mallory", clock.Add(time.Hour))
	before := keys.checks
	for range 2 {
		if _, err := v.Verify(ctx, forged); err == nil {
			t.Fatal("a token signed with another key was accepted")
		}
	}
	if keys.checks-before != 2 {
		t.Errorf("a refused token was checked %d times in two calls, want every time", keys.checks-before)
	}
}
