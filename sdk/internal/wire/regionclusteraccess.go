package wire

import (
	"context"

	"github.com/basalt-dev/basalt/sdk"
	pb "github.com/basalt-dev/basalt/sdk/internal/pb/regionv1"
)

// ClusterAccess: a credential of the caller's own to the project's namespace.

func (s *regionServer) ClusterAccess(ctx context.Context, req *pb.ClusterAccessRequest) (*pb.ClusterAccessResponse, error) {
	resp, err := s.impl.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ClusterAccessResponse{Server: resp.Server, Ca: resp.CA, Namespace: resp.Namespace, Token: resp.Token,
		Expires: toTimestamp(resp.Expires), Credential: resp.Credential, User: resp.User}, nil
}

func (c *regionClient) ClusterAccess(ctx context.Context, req sdk.ClusterAccessRequest) (sdk.ClusterAccessResponse, error) {
	resp, err := c.client.ClusterAccess(ctx, &pb.ClusterAccessRequest{Caller: toCaller(req.Caller), Project: toProject(req.Project)})
	if err != nil {
		return sdk.ClusterAccessResponse{}, fromStatus(err)
	}
	return sdk.ClusterAccessResponse{Server: resp.GetServer(), CA: resp.GetCa(), Namespace: resp.GetNamespace(), Token: resp.GetToken(),
		Expires: fromTimestamp(resp.GetExpires()), Credential: resp.GetCredential(), User: resp.GetUser()}, nil
}
