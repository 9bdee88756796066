package kubernetes_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// TestImpersonation runs a region that acts as its users: the RoleBindings onboarding makes
// let each use their own and their groups' namespaces, and nothing else.
func TestImpersonation(t *testing.T) {
	access := map[string]any{"authenticationMode": "impersonate", "usernamePrefix": "oidc:", "groupPrefix": "oidc:"}
	p, client := newRegion(t, map[string]any{"access": access})
	ctx := t.Context()
	team := unique("team-")
	carol := sdk.Caller{Username: unique("carol-"), Groups: []string{team}}
	dave := sdk.Caller{Username: unique("dave-")}
	group := sdk.Project{ID: "project-" + team, Group: team}
	personal := sdk.Project{ID: "user-" + dave.Username}
	for _, ns := range []string{group.ID, personal.ID} {
		dropNamespace(t, client, ns)
	}
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: carol, Project: group}); err != nil {
		t.Fatalf("Onboard %s: %v", group.ID, err)
	}
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: dave, Project: personal}); err != nil {
		t.Fatalf("Onboard %s: %v", personal.ID, err)
	}
	archive := chartArchive(t, "web", map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"templates/deploy.yaml": strings.SplitN(exposedChart, "---", 2)[0],
	})
	install := func(caller sdk.Caller, project sdk.Project, name string) error {
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: caller, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive),
			Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "web", Owner: caller.Username, Shared: true},
		})
		return err
	}

	// Each in their own namespace, as themselves.
	for _, u := range []struct {
		caller  sdk.Caller
		project sdk.Project
	}{{carol, group}, {dave, personal}} {
		name := unique("web-")
		if err := install(u.caller, u.project, name); err != nil {
			t.Fatalf("Install by %s in %s: %v", u.caller.Username, u.project.ID, err)
		}
		ref := sdk.ReleaseRef{Caller: u.caller, Project: u.project, Name: name}
		waitFor(t, p, ref, "ready", sdk.Release.Ready)
		var lines int
		if err := p.Logs(ctx, sdk.LogsRequest{ReleaseRef: ref, TailLines: 1}, func(sdk.LogLine) error { lines++; return nil }); err != nil || lines != 1 {
			t.Errorf("Logs by %s: %d lines, %v", u.caller.Username, lines, err)
		}
		if _, err := p.Quota(ctx, sdk.QuotaRequest{Caller: u.caller, Project: u.project}); err != nil {
			t.Errorf("Quota by %s: %v", u.caller.Username, err)
		}
	}
	list, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: carol, Project: group})
	if err != nil || len(list.Releases) != 1 {
		t.Fatalf("ListReleases by carol: %+v, %v", list.Releases, err)
	}
	carols := list.Releases[0].Name

	// Dave, not in the team, reaches the team's namespace (as if the core let him): refused.
	ref := sdk.ReleaseRef{Caller: dave, Project: group, Name: carols}
	denied := map[string]error{}
	_, denied["ListReleases"] = p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: dave, Project: group})
	_, denied["GetRelease"] = p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref})
	_, denied["Suspend"] = p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref})
	_, denied["Uninstall"] = p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: ref})
	_, denied["Quota"] = p.Quota(ctx, sdk.QuotaRequest{Caller: dave, Project: group})
	_, denied["Backends"] = p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref})
	denied["Logs"] = p.Logs(ctx, sdk.LogsRequest{ReleaseRef: ref}, func(sdk.LogLine) error { return nil })
	denied["Install"] = install(dave, group, unique("web-"))
	for call, err := range denied {
		if !errors.Is(err, sdk.ErrPermissionDenied) {
			t.Errorf("%s by dave in %s: %v, want ErrPermissionDenied", call, group.ID, err)
		}
	}
	if _, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Caller: carol, Project: group, Name: carols}}); err != nil {
		t.Errorf("carol's service after dave's attempts: %v", err)
	}

	// A region acting as itself refuses the same call too: it checks that the caller is in the
	// group before mapping a group project to its namespace.
	self, _ := newRegion(t, nil)
	if _, err := self.ListReleases(ctx, sdk.ListReleasesRequest{Caller: dave, Project: group}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("ListReleases by dave through a region without impersonation: %v, want ErrPermissionDenied", err)
	}
}
