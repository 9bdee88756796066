package wire

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	"github.com/basalt-dev/basalt/sdk"
	pb "github.com/basalt-dev/basalt/sdk/internal/pb/catalogv1"
)

func toCatalogInfo(c sdk.CatalogInfo) *pb.CatalogInfo {
	return &pb.CatalogInfo{
		Id: c.ID, Name: c.Name, Description: c.Description, Location: c.Location, Status: c.Status,
		Highlighted: c.Highlighted, Timeout: toDuration(c.Timeout), AllowSharing: c.AllowSharing,
		VisibleInPersonal: c.VisibleInPersonal, VisibleInGroup: c.VisibleInGroup,
		Restrictions: mapSlice(c.Restrictions, func(r sdk.ClaimRestriction) *pb.ClaimRestriction {
			return &pb.ClaimRestriction{Key: r.Key, Match: r.Match}
		}),
		LastRefresh: toTimestamp(c.LastRefresh), Error: c.Error, ChartCount: int32(c.ChartCount),
	}
}

func fromCatalogInfo(c *pb.CatalogInfo) sdk.CatalogInfo {
	return sdk.CatalogInfo{
		ID: c.GetId(), Name: c.GetName(), Description: c.GetDescription(), Location: c.GetLocation(), Status: c.GetStatus(),
		Highlighted: c.GetHighlighted(), Timeout: fromDuration(c.GetTimeout()), AllowSharing: c.GetAllowSharing(),
		VisibleInPersonal: c.GetVisibleInPersonal(), VisibleInGroup: c.GetVisibleInGroup(),
		Restrictions: mapSlice(c.GetRestrictions(), func(r *pb.ClaimRestriction) sdk.ClaimRestriction {
			return sdk.ClaimRestriction{Key: r.GetKey(), Match: r.GetMatch()}
		}),
		LastRefresh: fromTimestamp(c.GetLastRefresh()), Error: c.GetError(), ChartCount: int(c.GetChartCount()),
	}
}

func toChartVersion(v sdk.ChartVersion) *pb.ChartVersion {
	return &pb.ChartVersion{Version: v.Version, AppVersion: v.AppVersion, Created: toTimestamp(v.Created), Digest: v.Digest, Deprecated: v.Deprecated}
}

func fromChartVersion(v *pb.ChartVersion) sdk.ChartVersion {
	return sdk.ChartVersion{Version: v.GetVersion(), AppVersion: v.GetAppVersion(), Created: fromTimestamp(v.GetCreated()), Digest: v.GetDigest(), Deprecated: v.GetDeprecated()}
}

func toChartSummary(c sdk.ChartSummary) *pb.ChartSummary {
	return &pb.ChartSummary{
		Name: c.Name, Description: c.Description, Icon: c.Icon, Home: c.Home, Keywords: c.Keywords,
		Annotations: c.Annotations, Versions: mapSlice(c.Versions, toChartVersion), Error: c.Error, IconDigest: c.IconDigest,
	}
}

func fromChartSummary(c *pb.ChartSummary) sdk.ChartSummary {
	return sdk.ChartSummary{
		Name: c.GetName(), Description: c.GetDescription(), Icon: c.GetIcon(), Home: c.GetHome(), Keywords: c.GetKeywords(),
		Annotations: c.GetAnnotations(), Versions: mapSlice(c.GetVersions(), fromChartVersion), Error: c.GetError(), IconDigest: c.GetIconDigest(),
	}
}

func toChartRef(r sdk.ChartRef) *pb.ChartRef {
	return &pb.ChartRef{CatalogId: r.CatalogID, Chart: r.Chart, Version: r.Version}
}

func fromChartRef(r *pb.ChartRef) sdk.ChartRef {
	return sdk.ChartRef{CatalogID: r.GetCatalogId(), Chart: r.GetChart(), Version: r.GetVersion()}
}

// ---- server ----

type catalogServer struct {
	pb.UnimplementedCatalogServer
	impl sdk.Catalog
}

func registerCatalog(s grpc.ServiceRegistrar, impl sdk.Catalog) {
	pb.RegisterCatalogServer(s, &catalogServer{impl: impl})
}

func (s *catalogServer) ListCatalogs(ctx context.Context, _ *pb.ListCatalogsRequest) (*pb.ListCatalogsResponse, error) {
	resp, err := s.impl.ListCatalogs(ctx, sdk.ListCatalogsRequest{})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ListCatalogsResponse{Catalogs: mapSlice(resp.Catalogs, toCatalogInfo)}, nil
}

func (s *catalogServer) ListCharts(ctx context.Context, req *pb.ListChartsRequest) (*pb.ListChartsResponse, error) {
	resp, err := s.impl.ListCharts(ctx, sdk.ListChartsRequest{CatalogID: req.GetCatalogId(), WithSkipped: req.GetWithSkipped()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ListChartsResponse{
		Charts: mapSlice(resp.Charts, toChartSummary),
		Skipped: mapSlice(resp.Skipped, func(k sdk.SkippedChart) *pb.SkippedChart {
			return &pb.SkippedChart{Chart: k.Chart, Version: k.Version, Reason: k.Reason, Broken: k.Broken}
		}),
	}, nil
}

func (s *catalogServer) GetChart(ctx context.Context, req *pb.GetChartRequest) (*pb.GetChartResponse, error) {
	resp, err := s.impl.GetChart(ctx, sdk.GetChartRequest{Chart: fromChartRef(req.GetChart())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.GetChartResponse{
		Chart: toChartRef(resp.Chart), Summary: toChartSummary(resp.Summary), ChartYaml: resp.ChartYAML,
		ValuesYaml: resp.ValuesYAML, ValuesSchema: resp.ValuesSchema, Readme: resp.Readme, Digest: resp.Digest,
		Dependencies: mapSlice(resp.Dependencies, func(d sdk.ChartDependency) *pb.ChartDependency {
			return &pb.ChartDependency{Name: d.Name, Version: d.Version, Repository: d.Repository, Condition: d.Condition, Alias: d.Alias}
		}),
	}, nil
}

func (s *catalogServer) GetArchive(req *pb.GetArchiveRequest, stream grpc.ServerStreamingServer[pb.ArchiveChunk]) error {
	resp, err := s.impl.GetArchive(stream.Context(), sdk.GetArchiveRequest{Chart: fromChartRef(req.GetChart())})
	if err != nil {
		return toStatus(err)
	}
	defer resp.Body.Close()
	header := &pb.ArchiveHeader{Chart: toChartRef(resp.Chart), Digest: resp.Digest, Size: resp.Size}
	if err := stream.Send(&pb.ArchiveChunk{Part: &pb.ArchiveChunk_Header{Header: header}}); err != nil {
		return err
	}
	data := &pb.ArchiveChunk_Data{}
	msg := &pb.ArchiveChunk{Part: data}
	return toStatus(sendBody(resp.Body, func(b []byte) error {
		data.Data = b
		return stream.Send(msg)
	}))
}

func (s *catalogServer) Refresh(ctx context.Context, req *pb.RefreshRequest) (*pb.RefreshResponse, error) {
	resp, err := s.impl.Refresh(ctx, sdk.RefreshCatalogsRequest{CatalogID: req.GetCatalogId()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.RefreshResponse{Catalogs: mapSlice(resp.Catalogs, toCatalogInfo)}, nil
}

func (s *catalogServer) GetIcon(ctx context.Context, req *pb.GetIconRequest) (*pb.GetIconResponse, error) {
	resp, err := s.impl.GetIcon(ctx, sdk.GetIconRequest{CatalogID: req.GetCatalogId(), Chart: req.GetChart()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.GetIconResponse{Digest: resp.Digest, ContentType: resp.ContentType, Data: resp.Data}, nil
}

// ---- client ----

type catalogClient struct {
	baseClient
	client pb.CatalogClient
}

func newCatalogClient(conn grpc.ClientConnInterface) *catalogClient {
	return &catalogClient{baseClient: newBaseClient(conn), client: pb.NewCatalogClient(conn)}
}

func (c *catalogClient) ListCatalogs(ctx context.Context, _ sdk.ListCatalogsRequest) (sdk.ListCatalogsResponse, error) {
	resp, err := c.client.ListCatalogs(ctx, &pb.ListCatalogsRequest{})
	if err != nil {
		return sdk.ListCatalogsResponse{}, fromStatus(err)
	}
	return sdk.ListCatalogsResponse{Catalogs: mapSlice(resp.GetCatalogs(), fromCatalogInfo)}, nil
}

func (c *catalogClient) ListCharts(ctx context.Context, req sdk.ListChartsRequest) (sdk.ListChartsResponse, error) {
	resp, err := c.client.ListCharts(ctx, &pb.ListChartsRequest{CatalogId: req.CatalogID, WithSkipped: req.WithSkipped})
	if err != nil {
		return sdk.ListChartsResponse{}, fromStatus(err)
	}
	return sdk.ListChartsResponse{
		Charts: mapSlice(resp.GetCharts(), fromChartSummary),
		Skipped: mapSlice(resp.GetSkipped(), func(k *pb.SkippedChart) sdk.SkippedChart {
			return sdk.SkippedChart{Chart: k.GetChart(), Version: k.GetVersion(), Reason: k.GetReason(), Broken: k.GetBroken()}
		}),
	}, nil
}

func (c *catalogClient) GetChart(ctx context.Context, req sdk.GetChartRequest) (sdk.GetChartResponse, error) {
	resp, err := c.client.GetChart(ctx, &pb.GetChartRequest{Chart: toChartRef(req.Chart)})
	if err != nil {
		return sdk.GetChartResponse{}, fromStatus(err)
	}
	return sdk.GetChartResponse{
		Chart: fromChartRef(resp.GetChart()), Summary: fromChartSummary(resp.GetSummary()), ChartYAML: resp.GetChartYaml(),
		ValuesYAML: resp.GetValuesYaml(), ValuesSchema: resp.GetValuesSchema(), Readme: resp.GetReadme(), Digest: resp.GetDigest(),
		Dependencies: mapSlice(resp.GetDependencies(), func(d *pb.ChartDependency) sdk.ChartDependency {
			return sdk.ChartDependency{Name: d.GetName(), Version: d.GetVersion(), Repository: d.GetRepository(), Condition: d.GetCondition(), Alias: d.GetAlias()}
		}),
	}, nil
}

func (c *catalogClient) GetArchive(ctx context.Context, req sdk.GetArchiveRequest) (sdk.GetArchiveResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
	stream, err := c.client.GetArchive(ctx, &pb.GetArchiveRequest{Chart: toChartRef(req.Chart)})
	if err != nil {
		cancel()
		return sdk.GetArchiveResponse{}, fromStatus(err)
	}
	first, err := stream.Recv()
	if err != nil {
		cancel()
		return sdk.GetArchiveResponse{}, fromStatus(err)
	}
	h := first.GetHeader()
	if h == nil {
		cancel()
		return sdk.GetArchiveResponse{}, fmt.Errorf("plugin: archive: the first message is not the header")
	}
	body := bodyOf(cancel, stream.Recv, (*pb.ArchiveChunk).GetData)
	return sdk.GetArchiveResponse{Chart: fromChartRef(h.GetChart()), Digest: h.GetDigest(), Size: h.GetSize(), Body: body}, nil
}

func (c *catalogClient) Refresh(ctx context.Context, req sdk.RefreshCatalogsRequest) (sdk.RefreshCatalogsResponse, error) {
	resp, err := c.client.Refresh(ctx, &pb.RefreshRequest{CatalogId: req.CatalogID})
	if err != nil {
		return sdk.RefreshCatalogsResponse{}, fromStatus(err)
	}
	return sdk.RefreshCatalogsResponse{Catalogs: mapSlice(resp.GetCatalogs(), fromCatalogInfo)}, nil
}

func (c *catalogClient) GetIcon(ctx context.Context, req sdk.GetIconRequest) (sdk.GetIconResponse, error) {
	resp, err := c.client.GetIcon(ctx, &pb.GetIconRequest{CatalogId: req.CatalogID, Chart: req.Chart})
	if err != nil {
		return sdk.GetIconResponse{}, fromStatus(err)
	}
	return sdk.GetIconResponse{Digest: resp.GetDigest(), ContentType: resp.GetContentType(), Data: resp.GetData()}, nil
}

var (
	_ sdk.Catalog      = (*catalogClient)(nil)
	_ pb.CatalogServer = (*catalogServer)(nil)
)
