package wire

import (
	"context"

	"google.golang.org/grpc"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/internal/pb/pluginv1"
)

// baseServer serves the base service of every plugin kind.
type baseServer struct {
	pluginv1.UnimplementedPluginServer
	impl sdk.Plugin
}

func (s *baseServer) Info(ctx context.Context, _ *pluginv1.InfoRequest) (*pluginv1.InfoResponse, error) {
	resp, err := s.impl.Info(ctx, sdk.InfoRequest{})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.InfoResponse{
		Kind: string(resp.Kind), Name: resp.Name, Version: resp.Version,
		ProtocolVersions: toInts(resp.ProtocolVersions),
	}, nil
}

func (s *baseServer) ConfigSchema(ctx context.Context, _ *pluginv1.ConfigSchemaRequest) (*pluginv1.ConfigSchemaResponse, error) {
	resp, err := s.impl.ConfigSchema(ctx, sdk.ConfigSchemaRequest{})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.ConfigSchemaResponse{Schema: resp.Schema}, nil
}

func (s *baseServer) Configure(ctx context.Context, req *pluginv1.ConfigureRequest) (*pluginv1.ConfigureResponse, error) {
	if _, err := s.impl.Configure(ctx, sdk.ConfigureRequest{Config: req.GetConfig()}); err != nil {
		return nil, toStatus(err)
	}
	return &pluginv1.ConfigureResponse{}, nil
}

// baseClient implements sdk.Plugin over the wire; every kind's client embeds it.
type baseClient struct {
	client pluginv1.PluginClient
}

func newBaseClient(conn grpc.ClientConnInterface) baseClient {
	return baseClient{client: pluginv1.NewPluginClient(conn)}
}

func (c baseClient) Info(ctx context.Context, _ sdk.InfoRequest) (sdk.InfoResponse, error) {
	resp, err := c.client.Info(ctx, &pluginv1.InfoRequest{})
	if err != nil {
		return sdk.InfoResponse{}, fromStatus(err)
	}
	return sdk.InfoResponse{
		Kind: sdk.Kind(resp.GetKind()), Name: resp.GetName(), Version: resp.GetVersion(),
		ProtocolVersions: fromInts(resp.GetProtocolVersions()),
	}, nil
}

func (c baseClient) ConfigSchema(ctx context.Context, _ sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	resp, err := c.client.ConfigSchema(ctx, &pluginv1.ConfigSchemaRequest{})
	if err != nil {
		return sdk.ConfigSchemaResponse{}, fromStatus(err)
	}
	return sdk.ConfigSchemaResponse{Schema: resp.GetSchema()}, nil
}

func (c baseClient) Configure(ctx context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	if _, err := c.client.Configure(ctx, &pluginv1.ConfigureRequest{Config: req.Config}); err != nil {
		return sdk.ConfigureResponse{}, fromStatus(err)
	}
	return sdk.ConfigureResponse{}, nil
}

// Register adds the base service and the kind's own service for impl to a gRPC server. impl
// must implement the contract of kind.
func Register(s grpc.ServiceRegistrar, kind sdk.Kind, impl sdk.Plugin) {
	pluginv1.RegisterPluginServer(s, &baseServer{impl: impl})
	switch kind {
	case sdk.KindStorage:
		registerStorage(s, impl.(sdk.Storage))
	case sdk.KindSecrets:
		registerSecrets(s, impl.(sdk.Secrets))
	case sdk.KindCatalog:
		registerCatalog(s, impl.(sdk.Catalog))
	case sdk.KindRegion:
		registerRegion(s, impl.(sdk.Region))
	}
}

// NewClient returns the client of kind over conn, as the contract's interface.
func NewClient(kind sdk.Kind, conn grpc.ClientConnInterface) sdk.Plugin {
	switch kind {
	case sdk.KindStorage:
		return newStorageClient(conn)
	case sdk.KindSecrets:
		return newSecretsClient(conn)
	case sdk.KindCatalog:
		return newCatalogClient(conn)
	case sdk.KindRegion:
		return newRegionClient(conn)
	}
	return nil
}
