package plugintest

import (
	"errors"
	"slices"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// testRegionProjects checks the region's projects: the kit's project is listed with its quota,
// an administrator's quota key is kept and listed as set by hand, bad keys and values are
// refused naming them, and people added to a group's project are listed, may act there, and
// no longer may once removed (where the region refuses strangers at all). A region without
// projects of its own answers ErrUnimplemented to all three calls.
func testRegionProjects(t *testing.T, k *regionKit) {
	listed, err := k.r.Projects(k.ctx, sdk.ProjectsRequest{})
	if errors.Is(err, sdk.ErrUnimplemented) {
		return
	}
	if err != nil {
		t.Fatalf("Projects: %v", err)
	}
	own, ok := findProject(listed, k.project.ID)
	if !ok {
		t.Fatalf("Projects: %+v, want the onboarded project %q", listed.Projects, k.project.ID)
	}
	if own.Owner != k.setup.Caller.Username || own.Namespace == "" {
		t.Errorf("Projects: %+v, want owner %s and a namespace", own, k.setup.Caller.Username)
	}

	set, err := k.r.SetQuota(k.ctx, sdk.SetQuotaRequest{Project: k.project, Hard: map[string]string{"count/configmaps": "7"}})
	if err != nil {
		t.Fatalf("SetQuota: %v", err)
	}
	if set.Quota.Hard["count/configmaps"] != "7" {
		t.Errorf("SetQuota: %+v, want count/configmaps 7", set.Quota)
	}
	listed, _ = k.r.Projects(k.ctx, sdk.ProjectsRequest{})
	own, _ = findProject(listed, k.project.ID)
	if own.Quota.Hard["count/configmaps"] != "7" || !slices.Contains(own.QuotaSetByHand, "count/configmaps") {
		t.Errorf("Projects after SetQuota: quota %+v set by hand %v, want count/configmaps 7, set by hand", own.Quota, own.QuotaSetByHand)
	}
	for _, bad := range []map[string]string{{"count/configmaps": "-1"}, {"count/configmaps": "lots"}, {"Requests CPU": "1"}} {
		_, err := k.r.SetQuota(k.ctx, sdk.SetQuotaRequest{Project: k.project, Hard: bad})
		if !errors.Is(err, sdk.ErrInvalidArgument) || len(sdk.FieldsOf(err)) == 0 {
			t.Errorf("SetQuota %v: %v, want invalid naming the field", bad, err)
		}
	}
	if _, err := k.r.SetQuota(k.ctx, sdk.SetQuotaRequest{Project: k.project, Hard: map[string]string{"count/configmaps": ""}}); err != nil {
		t.Fatalf("SetQuota giving the key back: %v", err)
	}
	listed, _ = k.r.Projects(k.ctx, sdk.ProjectsRequest{})
	if own, _ = findProject(listed, k.project.ID); slices.Contains(own.QuotaSetByHand, "count/configmaps") {
		t.Errorf("a key given back is still set by hand: %v", own.QuotaSetByHand)
	}

	if _, err := k.r.SetMembers(k.ctx, sdk.SetMembersRequest{Caller: k.setup.Caller, Project: sdk.Project{ID: k.project.ID}, Add: []string{"kit-friend"}}); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("SetMembers on a person's own project: %v, want invalid", err)
	}
	testRegionMembers(t, k)
}

// team onboards the group project the kit adds people to, and returns it with Caller as a
// member of its group.
func (k *regionKit) team(t *testing.T) (sdk.Caller, sdk.Project) {
	t.Helper()
	group := k.setup.Group
	if group == "" {
		group = k.setup.Caller.Username + "-kit"
	}
	owner := k.setup.Caller
	owner.Groups = append(slices.Clone(owner.Groups), group)
	team := sdk.Project{ID: "kit-" + group, Group: group}
	if _, err := k.r.Onboard(k.ctx, sdk.OnboardRequest{Caller: owner, Project: team}); err != nil {
		t.Fatalf("Onboard %s: %v", group, err)
	}
	return owner, team
}

func testRegionMembers(t *testing.T, k *regionKit) {
	owner, team := k.team(t)
	group := team.Group
	friend := sdk.Caller{Username: k.setup.Caller.Username + "-friend"}
	stranger := sdk.Caller{Username: k.setup.Caller.Username + "-stranger"}
	_, err := k.r.ListReleases(k.ctx, sdk.ListReleasesRequest{Caller: stranger, Project: team})
	refusesStrangers := err != nil

	if _, err := k.r.SetMembers(k.ctx, sdk.SetMembersRequest{Caller: owner, Project: team, Add: []string{"not a name"}}); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("SetMembers with a bad name: %v, want invalid", err)
	}
	added, err := k.r.SetMembers(k.ctx, sdk.SetMembersRequest{Caller: owner, Project: team, Add: []string{friend.Username, friend.Username}})
	if err != nil {
		t.Fatalf("SetMembers: %v", err)
	}
	if len(added.Members) != 1 || added.Members[0].Username != friend.Username || added.Members[0].By != owner.Username || added.Members[0].Added.IsZero() {
		t.Errorf("SetMembers: %+v, want %s once, added by %s, with its time", added.Members, friend.Username, owner.Username)
	}
	members, err := k.r.Projects(k.ctx, sdk.ProjectsRequest{MembersOnly: true})
	if err != nil {
		t.Fatalf("Projects, members only: %v", err)
	}
	listed, ok := findProject(members, team.ID)
	if !ok || listed.Project.Group != group || len(listed.Members) != 1 || listed.Members[0].Username != friend.Username {
		t.Errorf("Projects, members only: %+v, want %s with %s", listed, team.ID, friend.Username)
	}
	if _, err := k.r.ListReleases(k.ctx, sdk.ListReleasesRequest{Caller: friend, Project: team}); err != nil {
		t.Errorf("an added member lists the project's services: %v", err)
	}
	removed, err := k.r.SetMembers(k.ctx, sdk.SetMembersRequest{Caller: owner, Project: team, Remove: []string{friend.Username}})
	if err != nil || len(removed.Members) != 0 {
		t.Fatalf("SetMembers removing: %+v, %v", removed, err)
	}
	if refusesStrangers {
		if _, err := k.r.ListReleases(k.ctx, sdk.ListReleasesRequest{Caller: friend, Project: team}); err == nil {
			t.Errorf("a removed member still lists the project's services")
		}
	}
}

func findProject(resp sdk.ProjectsResponse, id string) (sdk.RegionProject, bool) {
	for _, p := range resp.Projects {
		if p.Project.ID == id {
			return p, true
		}
	}
	return sdk.RegionProject{}, false
}
