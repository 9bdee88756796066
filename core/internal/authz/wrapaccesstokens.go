package authz

import (
	"context"

	"github.com/basalt-dev/basalt/core/internal/apitoken"
	"github.com/basalt-dev/basalt/sdk"
)

// AccessTokens lists the scope's user's API tokens: always those of their personal project.
func (g guardedRegion) AccessTokens(ctx context.Context, req sdk.AccessTokensRequest) (sdk.AccessTokensResponse, error) {
	return guard(ctx, g.a, re, "AccessTokens", func(s Scope) (sdk.AccessTokensResponse, error) {
		if err := ownTokens(ctx, s); err != nil {
			return sdk.AccessTokensResponse{}, err
		}
		req.Project = s.Project.SDK()
		return g.r.AccessTokens(ctx, req)
	})
}

// SetAccessTokens changes the scope's user's API tokens, in their personal project.
func (g guardedRegion) SetAccessTokens(ctx context.Context, req sdk.SetAccessTokensRequest) (sdk.SetAccessTokensResponse, error) {
	return guard(ctx, g.a, re, "SetAccessTokens", func(s Scope) (sdk.SetAccessTokensResponse, error) {
		if err := ownTokens(ctx, s); err != nil {
			return sdk.SetAccessTokensResponse{}, err
		}
		req.Project = s.Project.SDK()
		return g.r.SetAccessTokens(ctx, req)
	})
}

// ownTokens refuses what is not a person managing their own tokens from a session: an API
// token makes no tokens, so that a leaked one cannot outlive its expiry by minting another.
func ownTokens(ctx context.Context, s Scope) error {
	if apitoken.GrantFrom(ctx) != nil {
		return sdk.Errorf(sdk.ErrPermissionDenied, "an API token cannot list, make or revoke API tokens: sign in to the portal")
	}
	if !s.Project.Personal() {
		return sdk.Errorf(sdk.ErrInvalidArgument, "API tokens are kept with a person's own project, not with %q", s.Project.ID)
	}
	return nil
}

// providerOnly is err as a request with an API token should read it: a store that accepts only
// the identity provider's token (S3 through STS, Vault through JWT login) refuses the token's
// caller, who carries none, as unauthenticated; that is a permission the token lacks.
func providerOnly(ctx context.Context, kind sdk.Kind, err error) error {
	if err == nil || apitoken.GrantFrom(ctx) == nil || sdk.KindOf(err) != sdk.ErrUnauthenticated {
		return err
	}
	switch kind {
	case sdk.KindStorage:
		return apitoken.ProviderOnly("S3 store")
	case sdk.KindSecrets:
		return apitoken.ProviderOnly("secrets store")
	}
	return err
}
