package memory

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Projects lists the onboarded projects, in id order.
func (r *Region) Projects(_ context.Context, req sdk.ProjectsRequest) (sdk.ProjectsResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var resp sdk.ProjectsResponse
	for _, id := range slices.Sorted(maps.Keys(r.namespaces)) {
		ns := r.namespaces[id]
		p := sdk.RegionProject{Project: ns.project, Owner: ns.owner, Namespace: id, Members: slices.Clone(ns.members)}
		if !req.MembersOnly {
			p.Quota = r.quotaOf(ns)
			p.QuotaSetByHand = slices.Sorted(maps.Keys(ns.quota))
			p.Services = len(ns.releases)
		}
		resp.Projects = append(resp.Projects, p)
	}
	return resp, nil
}

func (r *Region) SetMembers(_ context.Context, req sdk.SetMembersRequest) (sdk.SetMembersResponse, error) {
	if err := req.CheckMembers(); err != nil {
		return sdk.SetMembersResponse{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.namespaces[req.Project.ID]
	if ns == nil {
		return sdk.SetMembersResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q is not onboarded", req.Project.ID)
	}
	members := slices.DeleteFunc(slices.Clone(ns.members), func(m sdk.Member) bool { return slices.Contains(req.Remove, m.Username) })
	for _, name := range req.Add {
		if !slices.ContainsFunc(members, func(m sdk.Member) bool { return m.Username == name }) {
			members = append(members, sdk.Member{Username: name, By: req.Caller.Username, Added: time.Now().UTC().Truncate(time.Second)})
		}
	}
	if len(members) > sdk.MaxMembers {
		return sdk.SetMembersResponse{}, sdk.InvalidFields("invalid members", sdk.FieldViolation{Field: "add", Rule: "at most " + strconv.Itoa(sdk.MaxMembers) + " members per project"})
	}
	ns.members = members
	return sdk.SetMembersResponse{Members: slices.Clone(members)}, nil
}

func (r *Region) SetQuota(_ context.Context, req sdk.SetQuotaRequest) (sdk.SetQuotaResponse, error) {
	if err := sdk.CheckQuota(req.Hard); err != nil {
		return sdk.SetQuotaResponse{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.namespaces[req.Project.ID]
	if ns == nil {
		return sdk.SetQuotaResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q is not onboarded", req.Project.ID)
	}
	if ns.quota == nil {
		ns.quota = map[string]string{}
	}
	for k, v := range req.Hard {
		if v == "" {
			delete(ns.quota, k)
		} else {
			ns.quota[k] = v
		}
	}
	return sdk.SetQuotaResponse{Quota: r.quotaOf(ns)}, nil
}
