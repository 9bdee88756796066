package wire

import (
	"context"

	"google.golang.org/grpc"

	"github.com/basalt-dev/basalt/sdk"
	pb "github.com/basalt-dev/basalt/sdk/internal/pb/secretsv1"
)

func toSecretVersion(v sdk.SecretVersion) *pb.Version {
	return &pb.Version{Version: int32(v.Version), Created: toTimestamp(v.Created), Deleted: toTimestamp(v.Deleted), Destroyed: v.Destroyed}
}

func fromSecretVersion(v *pb.Version) sdk.SecretVersion {
	return sdk.SecretVersion{Version: int(v.GetVersion()), Created: fromTimestamp(v.GetCreated()), Deleted: fromTimestamp(v.GetDeleted()), Destroyed: v.GetDestroyed()}
}

// ---- server ----

type secretsServer struct {
	pb.UnimplementedSecretsServer
	impl sdk.Secrets
}

func registerSecrets(s grpc.ServiceRegistrar, impl sdk.Secrets) {
	pb.RegisterSecretsServer(s, &secretsServer{impl: impl})
}

func (s *secretsServer) Home(ctx context.Context, req *pb.HomeRequest) (*pb.HomeResponse, error) {
	resp, err := s.impl.Home(ctx, sdk.SecretsHomeRequest{Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.HomeResponse{Path: resp.Path}, nil
}

func (s *secretsServer) List(ctx context.Context, req *pb.ListRequest) (*pb.ListResponse, error) {
	resp, err := s.impl.List(ctx, sdk.ListSecretsRequest{Caller: fromCaller(req.GetCaller()), Path: req.GetPath()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ListResponse{Entries: mapSlice(resp.Entries, func(e sdk.SecretEntry) *pb.Entry {
		return &pb.Entry{Name: e.Name, Folder: e.Folder}
	})}, nil
}

func (s *secretsServer) Read(ctx context.Context, req *pb.ReadRequest) (*pb.ReadResponse, error) {
	resp, err := s.impl.Read(ctx, sdk.ReadSecretRequest{Caller: fromCaller(req.GetCaller()), Path: req.GetPath(), Version: int(req.GetVersion())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ReadResponse{Path: resp.Path, Data: resp.Data, Version: int32(resp.Version), Created: toTimestamp(resp.Created)}, nil
}

func (s *secretsServer) Write(ctx context.Context, req *pb.WriteRequest) (*pb.WriteResponse, error) {
	in := sdk.WriteSecretRequest{Caller: fromCaller(req.GetCaller()), Path: req.GetPath(), Data: req.GetData()}
	if req.CheckVersion != nil {
		v := int(req.GetCheckVersion())
		in.CheckVersion = &v
	}
	resp, err := s.impl.Write(ctx, in)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.WriteResponse{Version: int32(resp.Version)}, nil
}

func (s *secretsServer) Delete(ctx context.Context, req *pb.DeleteRequest) (*pb.DeleteResponse, error) {
	_, err := s.impl.Delete(ctx, sdk.DeleteSecretRequest{
		Caller: fromCaller(req.GetCaller()), Path: req.GetPath(), Versions: fromInts(req.GetVersions()),
		Destroy: req.GetDestroy(), All: req.GetAll(),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.DeleteResponse{}, nil
}

func (s *secretsServer) Undelete(ctx context.Context, req *pb.UndeleteRequest) (*pb.UndeleteResponse, error) {
	_, err := s.impl.Undelete(ctx, sdk.UndeleteSecretRequest{Caller: fromCaller(req.GetCaller()), Path: req.GetPath(), Versions: fromInts(req.GetVersions())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.UndeleteResponse{}, nil
}

func (s *secretsServer) Metadata(ctx context.Context, req *pb.MetadataRequest) (*pb.MetadataResponse, error) {
	resp, err := s.impl.Metadata(ctx, sdk.SecretMetadataRequest{Caller: fromCaller(req.GetCaller()), Path: req.GetPath()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.MetadataResponse{
		Path: resp.Path, CurrentVersion: int32(resp.CurrentVersion), Versions: mapSlice(resp.Versions, toSecretVersion),
		Created: toTimestamp(resp.Created), Updated: toTimestamp(resp.Updated),
	}, nil
}

func (s *secretsServer) Token(ctx context.Context, req *pb.TokenRequest) (*pb.TokenResponse, error) {
	resp, err := s.impl.Token(ctx, sdk.SecretsTokenRequest{Caller: fromCaller(req.GetCaller()), Paths: req.GetPaths(), TTL: fromDuration(req.GetTtl())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.TokenResponse{
		Token: resp.Token, Expiration: toTimestamp(resp.Expiration), Renewable: resp.Renewable,
		Address: resp.Address, Mount: resp.Mount, Accessor: resp.Accessor,
	}, nil
}

func (s *secretsServer) RevokeToken(ctx context.Context, req *pb.RevokeTokenRequest) (*pb.RevokeTokenResponse, error) {
	if _, err := s.impl.RevokeToken(ctx, sdk.RevokeSecretsTokenRequest{Caller: fromCaller(req.GetCaller()), Accessor: req.GetAccessor()}); err != nil {
		return nil, toStatus(err)
	}
	return &pb.RevokeTokenResponse{}, nil
}

// ---- client ----

type secretsClient struct {
	baseClient
	client pb.SecretsClient
}

func newSecretsClient(conn grpc.ClientConnInterface) *secretsClient {
	return &secretsClient{baseClient: newBaseClient(conn), client: pb.NewSecretsClient(conn)}
}

func (c *secretsClient) Home(ctx context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	resp, err := c.client.Home(ctx, &pb.HomeRequest{Caller: toCaller(req.Caller), Project: toProject(req.Project)})
	if err != nil {
		return sdk.SecretsHomeResponse{}, fromStatus(err)
	}
	return sdk.SecretsHomeResponse{Path: resp.GetPath()}, nil
}

func (c *secretsClient) List(ctx context.Context, req sdk.ListSecretsRequest) (sdk.ListSecretsResponse, error) {
	resp, err := c.client.List(ctx, &pb.ListRequest{Caller: toCaller(req.Caller), Path: req.Path})
	if err != nil {
		return sdk.ListSecretsResponse{}, fromStatus(err)
	}
	return sdk.ListSecretsResponse{Entries: mapSlice(resp.GetEntries(), func(e *pb.Entry) sdk.SecretEntry {
		return sdk.SecretEntry{Name: e.GetName(), Folder: e.GetFolder()}
	})}, nil
}

func (c *secretsClient) Read(ctx context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	resp, err := c.client.Read(ctx, &pb.ReadRequest{Caller: toCaller(req.Caller), Path: req.Path, Version: int32(req.Version)})
	if err != nil {
		return sdk.ReadSecretResponse{}, fromStatus(err)
	}
	return sdk.ReadSecretResponse{Path: resp.GetPath(), Data: resp.GetData(), Version: int(resp.GetVersion()), Created: fromTimestamp(resp.GetCreated())}, nil
}

func (c *secretsClient) Write(ctx context.Context, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	out := &pb.WriteRequest{Caller: toCaller(req.Caller), Path: req.Path, Data: req.Data}
	if req.CheckVersion != nil {
		v := int32(*req.CheckVersion)
		out.CheckVersion = &v
	}
	resp, err := c.client.Write(ctx, out)
	if err != nil {
		return sdk.WriteSecretResponse{}, fromStatus(err)
	}
	return sdk.WriteSecretResponse{Version: int(resp.GetVersion())}, nil
}

func (c *secretsClient) Delete(ctx context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	_, err := c.client.Delete(ctx, &pb.DeleteRequest{
		Caller: toCaller(req.Caller), Path: req.Path, Versions: toInts(req.Versions), Destroy: req.Destroy, All: req.All,
	})
	if err != nil {
		return sdk.DeleteSecretResponse{}, fromStatus(err)
	}
	return sdk.DeleteSecretResponse{}, nil
}

func (c *secretsClient) Undelete(ctx context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	_, err := c.client.Undelete(ctx, &pb.UndeleteRequest{Caller: toCaller(req.Caller), Path: req.Path, Versions: toInts(req.Versions)})
	if err != nil {
		return sdk.UndeleteSecretResponse{}, fromStatus(err)
	}
	return sdk.UndeleteSecretResponse{}, nil
}

func (c *secretsClient) Metadata(ctx context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	resp, err := c.client.Metadata(ctx, &pb.MetadataRequest{Caller: toCaller(req.Caller), Path: req.Path})
	if err != nil {
		return sdk.SecretMetadataResponse{}, fromStatus(err)
	}
	return sdk.SecretMetadataResponse{
		Path: resp.GetPath(), CurrentVersion: int(resp.GetCurrentVersion()), Versions: mapSlice(resp.GetVersions(), fromSecretVersion),
		Created: fromTimestamp(resp.GetCreated()), Updated: fromTimestamp(resp.GetUpdated()),
	}, nil
}

func (c *secretsClient) Token(ctx context.Context, req sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	resp, err := c.client.Token(ctx, &pb.TokenRequest{Caller: toCaller(req.Caller), Paths: req.Paths, Ttl: toDuration(req.TTL)})
	if err != nil {
		return sdk.SecretsTokenResponse{}, fromStatus(err)
	}
	return sdk.SecretsTokenResponse{
		Token: resp.GetToken(), Expiration: fromTimestamp(resp.GetExpiration()), Renewable: resp.GetRenewable(),
		Address: resp.GetAddress(), Mount: resp.GetMount(), Accessor: resp.GetAccessor(),
	}, nil
}

func (c *secretsClient) RevokeToken(ctx context.Context, req sdk.RevokeSecretsTokenRequest) (sdk.RevokeSecretsTokenResponse, error) {
	if _, err := c.client.RevokeToken(ctx, &pb.RevokeTokenRequest{Caller: toCaller(req.Caller), Accessor: req.Accessor}); err != nil {
		return sdk.RevokeSecretsTokenResponse{}, fromStatus(err)
	}
	return sdk.RevokeSecretsTokenResponse{}, nil
}

var (
	_ sdk.Secrets      = (*secretsClient)(nil)
	_ pb.SecretsServer = (*secretsServer)(nil)
)
