package memory

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// ClusterAccess answers a fixed, plainly fake credential: the memory region has no cluster to
// reach. It checks who may have one as a region must: the project's owner, its group's
// members and the people added to it.
func (r *Region) ClusterAccess(_ context.Context, req sdk.ClusterAccessRequest) (sdk.ClusterAccessResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.namespaces[req.Project.ID]
	if ns == nil {
		return sdk.ClusterAccessResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q is not onboarded", req.Project.ID)
	}
	allowed := ns.owner == req.Caller.Username
	if !req.Project.Personal() {
		allowed = slices.Contains(req.Caller.Groups, req.Project.Group) ||
			slices.ContainsFunc(ns.members, func(m sdk.Member) bool { return m.Username == req.Caller.Username })
	}
	if !allowed {
		return sdk.ClusterAccessResponse{}, sdk.Errorf(sdk.ErrPermissionDenied, "%s is not a member of project %q", req.Caller.Username, req.Project.ID)
	}
	account := "basalt-user-" + req.Caller.Username
	return sdk.ClusterAccessResponse{
		Server:     "https://memory-region.invalid",
		Namespace:  req.Project.ID,
		Token:      "memory-" + rand.Text(),
		Expires:    time.Now().Add(time.Hour).UTC().Truncate(time.Second),
		Credential: sdk.CredentialServiceAccount,
		User:       "system:serviceaccount:" + req.Project.ID + ":" + account,
	}, nil
}
