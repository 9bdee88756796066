package authn

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"k8s.io/utils/lru"
)

// verifiedTokens is a verifier that remembers the tokens it accepted, by digest, for at most
// verifiedFor and never past their expiry: a portal page makes several calls a second with the
// same token, and checking its signature each time was a fifth of the core's processor time
// under bench-scale's load. A key the provider withdraws stops working here within
// verifiedFor; a refused token is never remembered.
type verifiedTokens struct {
	verifier *oidc.IDTokenVerifier
	accepted *lru.Cache // [sha256.Size]byte -> verifiedToken
	now      func() time.Time
}

type verifiedToken struct {
	tok   *oidc.IDToken
	until time.Time
}

const (
	verifiedKept = 4096
	verifiedFor  = 5 * time.Minute
)

func newVerifiedTokens(v *oidc.IDTokenVerifier) *verifiedTokens {
	return &verifiedTokens{verifier: v, accepted: lru.New(verifiedKept), now: time.Now}
}

// Verify is the verifier's Verify, answered from memory for a token it accepted lately.
func (c *verifiedTokens) Verify(ctx context.Context, raw string) (*oidc.IDToken, error) {
	key := sha256.Sum256([]byte(raw))
	if v, ok := c.accepted.Get(key); ok {
		if e := v.(verifiedToken); c.now().Before(e.until) {
			return e.tok, nil
		}
		c.accepted.Remove(key)
	}
	tok, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	until := c.now().Add(verifiedFor)
	if !tok.Expiry.IsZero() && tok.Expiry.Before(until) {
		until = tok.Expiry
	}
	c.accepted.Add(key, verifiedToken{tok: tok, until: until})
	return tok, nil
}
