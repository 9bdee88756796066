package memory

import (
	"context"
	"slices"

	"github.com/basalt-dev/basalt/sdk"
)

// AccessTokens lists the records kept with a person's onboarded project.
func (r *Region) AccessTokens(_ context.Context, req sdk.AccessTokensRequest) (sdk.AccessTokensResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.namespaces[req.Project.ID]
	if ns == nil {
		return sdk.AccessTokensResponse{}, nil // nothing kept yet
	}
	return sdk.AccessTokensResponse{Tokens: slices.Clone(ns.tokens)}, nil
}

func (r *Region) SetAccessTokens(_ context.Context, req sdk.SetAccessTokensRequest) (sdk.SetAccessTokensResponse, error) {
	if err := req.Check(); err != nil {
		return sdk.SetAccessTokensResponse{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.namespaces[req.Project.ID]
	if ns == nil {
		return sdk.SetAccessTokensResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q is not onboarded", req.Project.ID)
	}
	tokens, err := sdk.ApplyAccessTokens(ns.tokens, req)
	if err != nil {
		return sdk.SetAccessTokensResponse{}, err
	}
	ns.tokens = tokens
	return sdk.SetAccessTokensResponse{Tokens: slices.Clone(tokens)}, nil
}
