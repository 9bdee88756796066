package wire

import (
	"context"
	"fmt"
	"io"

	"google.golang.org/grpc"

	"github.com/basalt-dev/basalt/sdk"
	pb "github.com/basalt-dev/basalt/sdk/internal/pb/regionv1"
)

func toReleaseMetadata(m sdk.ReleaseMetadata) *pb.ReleaseMetadata {
	return &pb.ReleaseMetadata{Catalog: m.Catalog, Chart: m.Chart, Owner: m.Owner, FriendlyName: m.FriendlyName, Shared: m.Shared,
		SecretsTokenAccessor: m.SecretsTokenAccessor, Lifecycle: m.Lifecycle, Grants: mapSlice(m.Grants, toGrant)}
}

func toGrant(g sdk.Grant) *pb.Grant {
	return &pb.Grant{Kind: g.Kind, Name: g.Name, Expires: toTimestamp(g.Expires), By: g.By, Created: toTimestamp(g.Created)}
}

func fromGrant(g *pb.Grant) sdk.Grant {
	return sdk.Grant{Kind: g.GetKind(), Name: g.GetName(), Expires: fromTimestamp(g.GetExpires()), By: g.GetBy(), Created: fromTimestamp(g.GetCreated())}
}

func fromReleaseMetadata(m *pb.ReleaseMetadata) sdk.ReleaseMetadata {
	return sdk.ReleaseMetadata{Catalog: m.GetCatalog(), Chart: m.GetChart(), Owner: m.GetOwner(), FriendlyName: m.GetFriendlyName(), Shared: m.GetShared(),
		SecretsTokenAccessor: m.GetSecretsTokenAccessor(), Lifecycle: m.GetLifecycle(), Grants: mapSlice(m.GetGrants(), fromGrant)}
}

func toRelease(r sdk.Release) *pb.Release {
	return &pb.Release{
		Name: r.Name, Namespace: r.Namespace, Chart: r.Chart, ChartVersion: r.ChartVersion, AppVersion: r.AppVersion,
		Revision: int32(r.Revision), Status: r.Status, Reason: r.Reason, Metadata: toReleaseMetadata(r.Metadata),
		Workloads: mapSlice(r.Workloads, func(w sdk.WorkloadHealth) *pb.WorkloadHealth {
			return &pb.WorkloadHealth{Kind: w.Kind, Name: w.Name, Desired: int32(w.Desired), Ready: int32(w.Ready)}
		}),
		Urls: r.URLs, Notes: r.Notes, Started: toTimestamp(r.Started), Suspendable: r.Suspendable, Suspended: r.Suspended,
		Simulated: r.Simulated,
	}
}

func fromRelease(r *pb.Release) sdk.Release {
	return sdk.Release{
		Name: r.GetName(), Namespace: r.GetNamespace(), Chart: r.GetChart(), ChartVersion: r.GetChartVersion(), AppVersion: r.GetAppVersion(),
		Revision: int(r.GetRevision()), Status: r.GetStatus(), Reason: r.GetReason(), Metadata: fromReleaseMetadata(r.GetMetadata()),
		Workloads: mapSlice(r.GetWorkloads(), func(w *pb.WorkloadHealth) sdk.WorkloadHealth {
			return sdk.WorkloadHealth{Kind: w.GetKind(), Name: w.GetName(), Desired: int(w.GetDesired()), Ready: int(w.GetReady())}
		}),
		URLs: r.GetUrls(), Notes: r.GetNotes(), Started: fromTimestamp(r.GetStarted()), Suspendable: r.GetSuspendable(), Suspended: r.GetSuspended(),
		Simulated: r.GetSimulated(),
	}
}

func toReleaseRef(r sdk.ReleaseRef) *pb.ReleaseRef {
	return &pb.ReleaseRef{Caller: toCaller(r.Caller), Project: toProject(r.Project), Name: r.Name}
}

func fromReleaseRef(r *pb.ReleaseRef) sdk.ReleaseRef {
	return sdk.ReleaseRef{Caller: fromCaller(r.GetCaller()), Project: fromProject(r.GetProject()), Name: r.GetName()}
}

func toFleetRelease(r sdk.FleetRelease) *pb.FleetRelease {
	return &pb.FleetRelease{Group: r.Group, Release: toRelease(r.Release), Usage: &pb.Usage{
		CpuMillicores: r.Usage.CPUMillicores, MemoryBytes: r.Usage.MemoryBytes, Measured: toTimestamp(r.Usage.Measured),
	}, Requests: &pb.Requests{
		CpuMillicores: r.Requests.CPUMillicores, MemoryBytes: r.Requests.MemoryBytes, Gpus: r.Requests.GPUs,
	}}
}

func fromFleetRelease(r *pb.FleetRelease) sdk.FleetRelease {
	u, q := r.GetUsage(), r.GetRequests()
	return sdk.FleetRelease{Group: r.GetGroup(), Release: fromRelease(r.GetRelease()), Usage: sdk.Usage{
		CPUMillicores: u.GetCpuMillicores(), MemoryBytes: u.GetMemoryBytes(), Measured: fromTimestamp(u.GetMeasured()),
	}, Requests: sdk.Requests{
		CPUMillicores: q.GetCpuMillicores(), MemoryBytes: q.GetMemoryBytes(), GPUs: q.GetGpus(),
	}}
}

// ---- server ----

type regionServer struct {
	pb.UnimplementedRegionServer
	impl sdk.Region
}

func registerRegion(s grpc.ServiceRegistrar, impl sdk.Region) {
	pb.RegisterRegionServer(s, &regionServer{impl: impl})
}

func (s *regionServer) Onboard(ctx context.Context, req *pb.OnboardRequest) (*pb.OnboardResponse, error) {
	resp, err := s.impl.Onboard(ctx, sdk.OnboardRequest{Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.OnboardResponse{Namespace: resp.Namespace, Created: resp.Created}, nil
}

func (s *regionServer) Install(stream grpc.ClientStreamingServer[pb.InstallChunk, pb.InstallResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	h := first.GetHeader()
	if h == nil {
		return toStatus(sdk.Errorf(sdk.ErrInvalidArgument, "install: the first message must be the header"))
	}
	resp, err := s.impl.Install(stream.Context(), sdk.InstallRequest{
		Caller: fromCaller(h.GetCaller()), Project: fromProject(h.GetProject()), ReleaseName: h.GetReleaseName(),
		Archive: recvBody(stream.Recv, (*pb.InstallChunk).GetArchive), Values: h.GetValues(),
		Metadata: fromReleaseMetadata(h.GetMetadata()), Timeout: fromDuration(h.GetTimeout()), Upgrade: h.GetUpgrade(),
		DryRun: h.GetDryRun(), SecretData: h.GetSecretData(),
	})
	if err != nil {
		return toStatus(err)
	}
	return stream.SendAndClose(&pb.InstallResponse{Release: toRelease(resp.Release), Manifest: resp.Manifest})
}

func (s *regionServer) Uninstall(ctx context.Context, req *pb.ReleaseRef) (*pb.UninstallResponse, error) {
	if _, err := s.impl.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: fromReleaseRef(req)}); err != nil {
		return nil, toStatus(err)
	}
	return &pb.UninstallResponse{}, nil
}

func (s *regionServer) Suspend(ctx context.Context, req *pb.ReleaseRef) (*pb.SuspendResponse, error) {
	if _, err := s.impl.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: fromReleaseRef(req)}); err != nil {
		return nil, toStatus(err)
	}
	return &pb.SuspendResponse{}, nil
}

func (s *regionServer) Resume(ctx context.Context, req *pb.ReleaseRef) (*pb.ResumeResponse, error) {
	if _, err := s.impl.Resume(ctx, sdk.ResumeRequest{ReleaseRef: fromReleaseRef(req)}); err != nil {
		return nil, toStatus(err)
	}
	return &pb.ResumeResponse{}, nil
}

func (s *regionServer) UpdateRelease(ctx context.Context, req *pb.UpdateReleaseRequest) (*pb.UpdateReleaseResponse, error) {
	update := sdk.UpdateReleaseRequest{
		ReleaseRef: fromReleaseRef(req.GetRef()), FriendlyName: req.FriendlyName, Shared: req.Shared, Lifecycle: req.GetLifecycle(),
	}
	if req.GetReplaceGrants() {
		grants := mapSlice(req.GetGrants(), fromGrant)
		if grants == nil {
			grants = []sdk.Grant{}
		}
		update.Grants = &grants
	}
	resp, err := s.impl.UpdateRelease(ctx, update)
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.UpdateReleaseResponse{Release: toRelease(resp.Release)}, nil
}

func (s *regionServer) ListReleases(ctx context.Context, req *pb.ListReleasesRequest) (*pb.ListReleasesResponse, error) {
	resp, err := s.impl.ListReleases(ctx, sdk.ListReleasesRequest{Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ListReleasesResponse{Releases: mapSlice(resp.Releases, toRelease)}, nil
}

func (s *regionServer) GetRelease(ctx context.Context, req *pb.GetReleaseRequest) (*pb.GetReleaseResponse, error) {
	resp, err := s.impl.GetRelease(ctx, sdk.GetReleaseRequest{
		ReleaseRef: fromReleaseRef(req.GetRef()), IncludeValues: req.GetIncludeValues(),
		Unmasked: req.GetUnmasked(), Revision: int(req.GetRevision()),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.GetReleaseResponse{Release: toRelease(resp.Release), Values: resp.Values, Manifest: resp.Manifest}, nil
}

func (s *regionServer) Logs(req *pb.LogsRequest, stream grpc.ServerStreamingServer[pb.LogLine]) error {
	return toStatus(s.impl.Logs(stream.Context(), sdk.LogsRequest{
		ReleaseRef: fromReleaseRef(req.GetRef()), Pod: req.GetPod(), Container: req.GetContainer(),
		TailLines: int(req.GetTailLines()), Follow: req.GetFollow(),
	}, func(l sdk.LogLine) error {
		return stream.Send(&pb.LogLine{Pod: l.Pod, Container: l.Container, Time: toTimestamp(l.Time), Line: l.Line})
	}))
}

func (s *regionServer) Events(req *pb.EventsRequest, stream grpc.ServerStreamingServer[pb.Event]) error {
	return toStatus(s.impl.Events(stream.Context(), sdk.EventsRequest{
		ReleaseRef: fromReleaseRef(req.GetRef()), Follow: req.GetFollow(),
	}, func(e sdk.Event) error {
		return stream.Send(&pb.Event{
			Time: toTimestamp(e.Time), Type: e.Type, Reason: e.Reason, Object: e.Object, Message: e.Message, Count: int32(e.Count),
		})
	}))
}

func (s *regionServer) Quota(ctx context.Context, req *pb.QuotaRequest) (*pb.QuotaResponse, error) {
	resp, err := s.impl.Quota(ctx, sdk.QuotaRequest{Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.QuotaResponse{Hard: resp.Hard, Used: resp.Used}, nil
}

func (s *regionServer) History(ctx context.Context, req *pb.ReleaseRef) (*pb.HistoryResponse, error) {
	resp, err := s.impl.History(ctx, sdk.HistoryRequest{ReleaseRef: fromReleaseRef(req)})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.HistoryResponse{Revisions: mapSlice(resp.Revisions, func(r sdk.Revision) *pb.Revision {
		return &pb.Revision{
			Revision: int32(r.Revision), Chart: r.Chart, ChartVersion: r.ChartVersion, AppVersion: r.AppVersion,
			Status: r.Status, Updated: toTimestamp(r.Updated), Description: r.Description,
		}
	})}, nil
}

func (s *regionServer) Rollback(ctx context.Context, req *pb.RollbackRequest) (*pb.RollbackResponse, error) {
	resp, err := s.impl.Rollback(ctx, sdk.RollbackRequest{
		ReleaseRef: fromReleaseRef(req.GetRef()), Revision: int(req.GetRevision()), Timeout: fromDuration(req.GetTimeout()),
	})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.RollbackResponse{Release: toRelease(resp.Release)}, nil
}

func (s *regionServer) Fleet(ctx context.Context, _ *pb.FleetRequest) (*pb.FleetResponse, error) {
	resp, err := s.impl.Fleet(ctx, sdk.FleetRequest{})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.FleetResponse{Releases: mapSlice(resp.Releases, toFleetRelease)}, nil
}

func (s *regionServer) Backends(ctx context.Context, req *pb.ReleaseRef) (*pb.BackendsResponse, error) {
	resp, err := s.impl.Backends(ctx, sdk.BackendsRequest{ReleaseRef: fromReleaseRef(req)})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.BackendsResponse{Backends: mapSlice(resp.Backends, func(b sdk.Backend) *pb.Backend {
		return &pb.Backend{Host: b.Host, Path: b.Path, Service: b.Service, Port: b.Port, Endpoints: b.Endpoints}
	})}, nil
}

func (s *regionServer) Cluster(ctx context.Context, _ *pb.ClusterRequest) (*pb.ClusterResponse, error) {
	resp, err := s.impl.Cluster(ctx, sdk.ClusterRequest{})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ClusterResponse{Platform: resp.Platform, Version: resp.Version}, nil
}

// ---- client ----

type regionClient struct {
	baseClient
	client pb.RegionClient
}

func newRegionClient(conn grpc.ClientConnInterface) *regionClient {
	return &regionClient{baseClient: newBaseClient(conn), client: pb.NewRegionClient(conn)}
}

func (c *regionClient) Onboard(ctx context.Context, req sdk.OnboardRequest) (sdk.OnboardResponse, error) {
	resp, err := c.client.Onboard(ctx, &pb.OnboardRequest{Caller: toCaller(req.Caller), Project: toProject(req.Project)})
	if err != nil {
		return sdk.OnboardResponse{}, fromStatus(err)
	}
	return sdk.OnboardResponse{Namespace: resp.GetNamespace(), Created: resp.GetCreated()}, nil
}

func (c *regionClient) Install(ctx context.Context, req sdk.InstallRequest) (sdk.InstallResponse, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Install(ctx)
	if err != nil {
		return sdk.InstallResponse{}, fromStatus(err)
	}
	header := &pb.InstallHeader{
		Caller: toCaller(req.Caller), Project: toProject(req.Project), ReleaseName: req.ReleaseName, Values: req.Values,
		Metadata: toReleaseMetadata(req.Metadata), Timeout: toDuration(req.Timeout), Upgrade: req.Upgrade,
		DryRun: req.DryRun, SecretData: req.SecretData,
	}
	send := func(msg *pb.InstallChunk) error {
		if err := stream.Send(msg); err != nil {
			if err == io.EOF { // the server ended the stream: its status says why
				_, err = stream.CloseAndRecv()
			}
			return fromStatus(err)
		}
		return nil
	}
	if err := send(&pb.InstallChunk{Part: &pb.InstallChunk_Header{Header: header}}); err != nil {
		return sdk.InstallResponse{}, err
	}
	if req.Archive != nil {
		data := &pb.InstallChunk_Archive{}
		msg := &pb.InstallChunk{Part: data}
		var sendErr error
		err := sendBody(req.Archive, func(b []byte) error {
			data.Archive = b
			sendErr = send(msg)
			return sendErr
		})
		if sendErr != nil {
			return sdk.InstallResponse{}, sendErr
		}
		if err != nil {
			return sdk.InstallResponse{}, fmt.Errorf("install %s: reading the chart archive: %w", req.ReleaseName, err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return sdk.InstallResponse{}, fromStatus(err)
	}
	return sdk.InstallResponse{Release: fromRelease(resp.GetRelease()), Manifest: resp.GetManifest()}, nil
}

func (c *regionClient) Uninstall(ctx context.Context, req sdk.UninstallRequest) (sdk.UninstallResponse, error) {
	if _, err := c.client.Uninstall(ctx, toReleaseRef(req.ReleaseRef)); err != nil {
		return sdk.UninstallResponse{}, fromStatus(err)
	}
	return sdk.UninstallResponse{}, nil
}

func (c *regionClient) Suspend(ctx context.Context, req sdk.SuspendRequest) (sdk.SuspendResponse, error) {
	if _, err := c.client.Suspend(ctx, toReleaseRef(req.ReleaseRef)); err != nil {
		return sdk.SuspendResponse{}, fromStatus(err)
	}
	return sdk.SuspendResponse{}, nil
}

func (c *regionClient) Resume(ctx context.Context, req sdk.ResumeRequest) (sdk.ResumeResponse, error) {
	if _, err := c.client.Resume(ctx, toReleaseRef(req.ReleaseRef)); err != nil {
		return sdk.ResumeResponse{}, fromStatus(err)
	}
	return sdk.ResumeResponse{}, nil
}

func (c *regionClient) UpdateRelease(ctx context.Context, req sdk.UpdateReleaseRequest) (sdk.UpdateReleaseResponse, error) {
	update := &pb.UpdateReleaseRequest{
		Ref: toReleaseRef(req.ReleaseRef), FriendlyName: req.FriendlyName, Shared: req.Shared, Lifecycle: req.Lifecycle,
	}
	if req.Grants != nil {
		update.ReplaceGrants, update.Grants = true, mapSlice(*req.Grants, toGrant)
	}
	resp, err := c.client.UpdateRelease(ctx, update)
	if err != nil {
		return sdk.UpdateReleaseResponse{}, fromStatus(err)
	}
	return sdk.UpdateReleaseResponse{Release: fromRelease(resp.GetRelease())}, nil
}

func (c *regionClient) ListReleases(ctx context.Context, req sdk.ListReleasesRequest) (sdk.ListReleasesResponse, error) {
	resp, err := c.client.ListReleases(ctx, &pb.ListReleasesRequest{Caller: toCaller(req.Caller), Project: toProject(req.Project)})
	if err != nil {
		return sdk.ListReleasesResponse{}, fromStatus(err)
	}
	return sdk.ListReleasesResponse{Releases: mapSlice(resp.GetReleases(), fromRelease)}, nil
}

func (c *regionClient) GetRelease(ctx context.Context, req sdk.GetReleaseRequest) (sdk.GetReleaseResponse, error) {
	resp, err := c.client.GetRelease(ctx, &pb.GetReleaseRequest{
		Ref: toReleaseRef(req.ReleaseRef), IncludeValues: req.IncludeValues, Unmasked: req.Unmasked, Revision: int32(req.Revision),
	})
	if err != nil {
		return sdk.GetReleaseResponse{}, fromStatus(err)
	}
	return sdk.GetReleaseResponse{Release: fromRelease(resp.GetRelease()), Values: resp.GetValues(), Manifest: resp.GetManifest()}, nil
}

// receive forwards every message of a server stream to send until the stream ends.
func receive[M, T any](recv func() (M, error), convert func(M) T, send func(T) error) error {
	for {
		msg, err := recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fromStatus(err)
		}
		if err := send(convert(msg)); err != nil {
			return err
		}
	}
}

func (c *regionClient) Logs(ctx context.Context, req sdk.LogsRequest, send func(sdk.LogLine) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Logs(ctx, &pb.LogsRequest{
		Ref: toReleaseRef(req.ReleaseRef), Pod: req.Pod, Container: req.Container,
		TailLines: int32(req.TailLines), Follow: req.Follow,
	})
	if err != nil {
		return fromStatus(err)
	}
	return receive(stream.Recv, func(l *pb.LogLine) sdk.LogLine {
		return sdk.LogLine{Pod: l.GetPod(), Container: l.GetContainer(), Time: fromTimestamp(l.GetTime()), Line: l.GetLine()}
	}, send)
}

func (c *regionClient) Events(ctx context.Context, req sdk.EventsRequest, send func(sdk.Event) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.Events(ctx, &pb.EventsRequest{Ref: toReleaseRef(req.ReleaseRef), Follow: req.Follow})
	if err != nil {
		return fromStatus(err)
	}
	return receive(stream.Recv, func(e *pb.Event) sdk.Event {
		return sdk.Event{
			Time: fromTimestamp(e.GetTime()), Type: e.GetType(), Reason: e.GetReason(), Object: e.GetObject(),
			Message: e.GetMessage(), Count: int(e.GetCount()),
		}
	}, send)
}

func (c *regionClient) Quota(ctx context.Context, req sdk.QuotaRequest) (sdk.QuotaResponse, error) {
	resp, err := c.client.Quota(ctx, &pb.QuotaRequest{Caller: toCaller(req.Caller), Project: toProject(req.Project)})
	if err != nil {
		return sdk.QuotaResponse{}, fromStatus(err)
	}
	return sdk.QuotaResponse{Hard: resp.GetHard(), Used: resp.GetUsed()}, nil
}

func (c *regionClient) History(ctx context.Context, req sdk.HistoryRequest) (sdk.HistoryResponse, error) {
	resp, err := c.client.History(ctx, toReleaseRef(req.ReleaseRef))
	if err != nil {
		return sdk.HistoryResponse{}, fromStatus(err)
	}
	return sdk.HistoryResponse{Revisions: mapSlice(resp.GetRevisions(), func(r *pb.Revision) sdk.Revision {
		return sdk.Revision{
			Revision: int(r.GetRevision()), Chart: r.GetChart(), ChartVersion: r.GetChartVersion(), AppVersion: r.GetAppVersion(),
			Status: r.GetStatus(), Updated: fromTimestamp(r.GetUpdated()), Description: r.GetDescription(),
		}
	})}, nil
}

func (c *regionClient) Rollback(ctx context.Context, req sdk.RollbackRequest) (sdk.RollbackResponse, error) {
	resp, err := c.client.Rollback(ctx, &pb.RollbackRequest{
		Ref: toReleaseRef(req.ReleaseRef), Revision: int32(req.Revision), Timeout: toDuration(req.Timeout),
	})
	if err != nil {
		return sdk.RollbackResponse{}, fromStatus(err)
	}
	return sdk.RollbackResponse{Release: fromRelease(resp.GetRelease())}, nil
}

func (c *regionClient) Cluster(ctx context.Context, _ sdk.ClusterRequest) (sdk.ClusterResponse, error) {
	resp, err := c.client.Cluster(ctx, &pb.ClusterRequest{})
	if err != nil {
		return sdk.ClusterResponse{}, fromStatus(err)
	}
	return sdk.ClusterResponse{Platform: resp.GetPlatform(), Version: resp.GetVersion()}, nil
}

var (
	_ sdk.Region      = (*regionClient)(nil)
	_ pb.RegionServer = (*regionServer)(nil)
)

func (c *regionClient) Fleet(ctx context.Context, _ sdk.FleetRequest) (sdk.FleetResponse, error) {
	resp, err := c.client.Fleet(ctx, &pb.FleetRequest{})
	if err != nil {
		return sdk.FleetResponse{}, fromStatus(err)
	}
	return sdk.FleetResponse{Releases: mapSlice(resp.GetReleases(), fromFleetRelease)}, nil
}

func (c *regionClient) Backends(ctx context.Context, req sdk.BackendsRequest) (sdk.BackendsResponse, error) {
	resp, err := c.client.Backends(ctx, toReleaseRef(req.ReleaseRef))
	if err != nil {
		return sdk.BackendsResponse{}, fromStatus(err)
	}
	return sdk.BackendsResponse{Backends: mapSlice(resp.GetBackends(), func(b *pb.Backend) sdk.Backend {
		return sdk.Backend{Host: b.GetHost(), Path: b.GetPath(), Service: b.GetService(), Port: b.GetPort(), Endpoints: b.GetEndpoints()}
	})}, nil
}
