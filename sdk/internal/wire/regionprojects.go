package wire

import (
	"context"

	"github.com/basalt-dev/basalt/sdk"
	pb "github.com/basalt-dev/basalt/sdk/internal/pb/regionv1"
)

// The region's projects, their members and quotas: Projects, SetMembers and SetQuota.

func toMember(m sdk.Member) *pb.Member {
	return &pb.Member{Username: m.Username, By: m.By, Added: toTimestamp(m.Added)}
}

func fromMember(m *pb.Member) sdk.Member {
	return sdk.Member{Username: m.GetUsername(), By: m.GetBy(), Added: fromTimestamp(m.GetAdded())}
}

func toQuota(q sdk.QuotaResponse) *pb.QuotaResponse {
	return &pb.QuotaResponse{Hard: q.Hard, Used: q.Used}
}

func fromQuota(q *pb.QuotaResponse) sdk.QuotaResponse {
	return sdk.QuotaResponse{Hard: q.GetHard(), Used: q.GetUsed()}
}

func toRegionProject(p sdk.RegionProject) *pb.RegionProject {
	return &pb.RegionProject{Project: toProject(p.Project), Owner: p.Owner, Namespace: p.Namespace,
		Members: mapSlice(p.Members, toMember), Quota: toQuota(p.Quota), QuotaSetByHand: p.QuotaSetByHand, Services: int32(p.Services)}
}

func fromRegionProject(p *pb.RegionProject) sdk.RegionProject {
	return sdk.RegionProject{Project: fromProject(p.GetProject()), Owner: p.GetOwner(), Namespace: p.GetNamespace(),
		Members: mapSlice(p.GetMembers(), fromMember), Quota: fromQuota(p.GetQuota()), QuotaSetByHand: p.GetQuotaSetByHand(), Services: int(p.GetServices())}
}

func (s *regionServer) Projects(ctx context.Context, req *pb.ProjectsRequest) (*pb.ProjectsResponse, error) {
	resp, err := s.impl.Projects(ctx, sdk.ProjectsRequest{MembersOnly: req.GetMembersOnly()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.ProjectsResponse{Projects: mapSlice(resp.Projects, toRegionProject)}, nil
}

func (s *regionServer) SetMembers(ctx context.Context, req *pb.SetMembersRequest) (*pb.SetMembersResponse, error) {
	resp, err := s.impl.SetMembers(ctx, sdk.SetMembersRequest{Caller: fromCaller(req.GetCaller()), Project: fromProject(req.GetProject()),
		Add: req.GetAdd(), Remove: req.GetRemove()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.SetMembersResponse{Members: mapSlice(resp.Members, toMember)}, nil
}

func (s *regionServer) SetQuota(ctx context.Context, req *pb.SetQuotaRequest) (*pb.SetQuotaResponse, error) {
	resp, err := s.impl.SetQuota(ctx, sdk.SetQuotaRequest{Project: fromProject(req.GetProject()), Hard: req.GetHard()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.SetQuotaResponse{Quota: toQuota(resp.Quota)}, nil
}

func (c *regionClient) Projects(ctx context.Context, req sdk.ProjectsRequest) (sdk.ProjectsResponse, error) {
	resp, err := c.client.Projects(ctx, &pb.ProjectsRequest{MembersOnly: req.MembersOnly})
	if err != nil {
		return sdk.ProjectsResponse{}, fromStatus(err)
	}
	return sdk.ProjectsResponse{Projects: mapSlice(resp.GetProjects(), fromRegionProject)}, nil
}

func (c *regionClient) SetMembers(ctx context.Context, req sdk.SetMembersRequest) (sdk.SetMembersResponse, error) {
	resp, err := c.client.SetMembers(ctx, &pb.SetMembersRequest{Caller: toCaller(req.Caller), Project: toProject(req.Project),
		Add: req.Add, Remove: req.Remove})
	if err != nil {
		return sdk.SetMembersResponse{}, fromStatus(err)
	}
	return sdk.SetMembersResponse{Members: mapSlice(resp.GetMembers(), fromMember)}, nil
}

func (c *regionClient) SetQuota(ctx context.Context, req sdk.SetQuotaRequest) (sdk.SetQuotaResponse, error) {
	resp, err := c.client.SetQuota(ctx, &pb.SetQuotaRequest{Project: toProject(req.Project), Hard: req.Hard})
	if err != nil {
		return sdk.SetQuotaResponse{}, fromStatus(err)
	}
	return sdk.SetQuotaResponse{Quota: fromQuota(resp.GetQuota())}, nil
}
