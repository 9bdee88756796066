package wire

import (
	"context"

	"github.com/basalt-dev/basalt/sdk"
	pb "github.com/basalt-dev/basalt/sdk/internal/pb/regionv1"
)

// API tokens' records: AccessTokens and SetAccessTokens.

func toAccessToken(t sdk.AccessToken) *pb.AccessToken {
	return &pb.AccessToken{Id: t.ID, SecretHash: t.SecretHash, Name: t.Name, Scopes: t.Scopes,
		Created: toTimestamp(t.Created), Expires: toTimestamp(t.Expires),
		Subject: t.Subject, Username: t.Username, FullName: t.FullName, Email: t.Email, Groups: t.Groups, Roles: t.Roles}
}

func fromAccessToken(t *pb.AccessToken) sdk.AccessToken {
	return sdk.AccessToken{ID: t.GetId(), SecretHash: t.GetSecretHash(), Name: t.GetName(), Scopes: t.GetScopes(),
		Created: fromTimestamp(t.GetCreated()), Expires: fromTimestamp(t.GetExpires()),
		Subject: t.GetSubject(), Username: t.GetUsername(), FullName: t.GetFullName(), Email: t.GetEmail(), Groups: t.GetGroups(), Roles: t.GetRoles()}
}

func (s *regionServer) AccessTokens(ctx context.Context, req *pb.AccessTokensRequest) (*pb.AccessTokensResponse, error) {
	resp, err := s.impl.AccessTokens(ctx, sdk.AccessTokensRequest{Project: fromProject(req.GetProject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.AccessTokensResponse{Tokens: mapSlice(resp.Tokens, toAccessToken)}, nil
}

func (s *regionServer) SetAccessTokens(ctx context.Context, req *pb.SetAccessTokensRequest) (*pb.SetAccessTokensResponse, error) {
	resp, err := s.impl.SetAccessTokens(ctx, sdk.SetAccessTokensRequest{Project: fromProject(req.GetProject()),
		Add: mapSlice(req.GetAdd(), fromAccessToken), Remove: req.GetRemove()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.SetAccessTokensResponse{Tokens: mapSlice(resp.Tokens, toAccessToken)}, nil
}

func (c *regionClient) AccessTokens(ctx context.Context, req sdk.AccessTokensRequest) (sdk.AccessTokensResponse, error) {
	resp, err := c.client.AccessTokens(ctx, &pb.AccessTokensRequest{Project: toProject(req.Project)})
	if err != nil {
		return sdk.AccessTokensResponse{}, fromStatus(err)
	}
	return sdk.AccessTokensResponse{Tokens: mapSlice(resp.GetTokens(), fromAccessToken)}, nil
}

func (c *regionClient) SetAccessTokens(ctx context.Context, req sdk.SetAccessTokensRequest) (sdk.SetAccessTokensResponse, error) {
	resp, err := c.client.SetAccessTokens(ctx, &pb.SetAccessTokensRequest{Project: toProject(req.Project),
		Add: mapSlice(req.Add, toAccessToken), Remove: req.Remove})
	if err != nil {
		return sdk.SetAccessTokensResponse{}, fromStatus(err)
	}
	return sdk.SetAccessTokensResponse{Tokens: mapSlice(resp.GetTokens(), fromAccessToken)}, nil
}
