package kubernetes_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// pausableChart is a Deployment that Onyxia's global.suspend scales to nothing.
const pausableChart = `apiVersion: apps/v1
kind: Deployment
metadata: {name: "{{ .Release.Name }}", labels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
spec:
  replicas: {{ if .Values.global.suspend }}0{{ else }}1{{ end }}
  selector: {matchLabels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
  template:
    metadata: {labels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
    spec: {containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 10m, memory: 16Mi}}}]}
`

// TestSingleNamespaceIsolatesOwners runs two users and a group in a region whose projects
// all share one namespace: no namespace or RoleBinding separates them there, so the plugin
// must. Bob neither sees nor acts on alice's service; a group's services are the group's
// members', shown by Onyxia's sharing rule; a personal service is not the group's and the
// other way round.
func TestSingleNamespaceIsolatesOwners(t *testing.T) {
	shared := unique("shared-")
	p, client := newRegion(t, map[string]any{"namespaces": map[string]any{
		"singleNamespace": shared, "namespaceLabels": map[string]string{"basalt.dev/test": "true"},
	}})
	dropNamespace(t, client, shared)
	ctx := t.Context()
	team := unique("team-")
	alice := sdk.Caller{Username: unique("alice-"), Groups: []string{team}}
	bob := sdk.Caller{Username: unique("bob-")}
	carol := sdk.Caller{Username: unique("carol-"), Groups: []string{team}}
	personal := func(c sdk.Caller) sdk.Project { return sdk.Project{ID: "user-" + c.Username} }
	group := sdk.Project{ID: "project-" + team, Group: team}
	for _, o := range []struct {
		caller  sdk.Caller
		project sdk.Project
	}{{alice, personal(alice)}, {bob, personal(bob)}, {alice, group}, {carol, group}} {
		resp, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: o.caller, Project: o.project})
		if err != nil || resp.Namespace != shared {
			t.Fatalf("Onboard %s in %s: %+v, %v", o.caller.Username, o.project.ID, resp, err)
		}
	}
	archive := chartArchive(t, "web", map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml":           "global: {suspend: false}\n",
		"templates/deploy.yaml": pausableChart,
	})
	install := func(caller sdk.Caller, project sdk.Project, name string, upgrade bool) error {
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: caller, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive),
			Values: []byte(`{"global":{"suspend":false}}`), Upgrade: upgrade,
			Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "web", Owner: caller.Username},
		})
		return err
	}
	alices, teams := unique("web-"), unique("web-")
	if err := install(alice, personal(alice), alices, false); err != nil {
		t.Fatalf("Install by alice: %v", err)
	}
	if err := install(alice, group, teams, false); err != nil {
		t.Fatalf("Install by alice in %s: %v", group.ID, err)
	}
	listed := func(c sdk.Caller, project sdk.Project) []string {
		t.Helper()
		l, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: c, Project: project})
		if err != nil {
			t.Fatalf("ListReleases by %s in %s: %v", c.Username, project.ID, err)
		}
		var names []string
		for _, r := range l.Releases {
			names = append(names, r.Name)
		}
		return names
	}
	if got := listed(alice, personal(alice)); !slices.Equal(got, []string{alices}) {
		t.Errorf("alice's personal project lists %v, want only %s", got, alices)
	}
	if got := listed(bob, personal(bob)); len(got) != 0 {
		t.Errorf("bob's personal project lists %v, want nothing", got)
	}
	if got := listed(alice, group); !slices.Equal(got, []string{teams}) {
		t.Errorf("alice's group project lists %v, want only %s", got, teams)
	}
	if got := listed(carol, group); len(got) != 0 {
		t.Errorf("carol sees %v in the group before alice shares it, want nothing", got)
	}

	// Bob names alice's service from his own project: nothing answers as if it existed.
	ref := sdk.ReleaseRef{Caller: bob, Project: personal(bob), Name: alices}
	notFound := map[string]error{}
	_, notFound["GetRelease"] = p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref, IncludeValues: true})
	_, notFound["Suspend"] = p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref})
	_, notFound["Resume"] = p.Resume(ctx, sdk.ResumeRequest{ReleaseRef: ref})
	shareIt := true
	_, notFound["UpdateRelease"] = p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: ref, Shared: &shareIt})
	notFound["Logs"] = p.Logs(ctx, sdk.LogsRequest{ReleaseRef: ref}, func(sdk.LogLine) error { return nil })
	notFound["Events"] = p.Events(ctx, sdk.EventsRequest{ReleaseRef: ref}, func(sdk.Event) error { return nil })
	for call, err := range notFound {
		if !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("%s by bob of alice's service: %v, want ErrNotFound", call, err)
		}
	}
	// Uninstalling what one cannot see is done (nothing of one's own is left), and leaves it.
	if _, err := p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: ref}); err != nil {
		t.Errorf("Uninstall by bob of alice's service: %v", err)
	}
	if err := install(bob, personal(bob), alices, true); !errors.Is(err, sdk.ErrAlreadyExists) {
		t.Errorf("Install with upgrade by bob over alice's service: %v, want ErrAlreadyExists", err)
	}
	aliceRef := sdk.ReleaseRef{Caller: alice, Project: personal(alice), Name: alices}
	got, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: aliceRef})
	if err != nil || got.Release.Revision != 1 || got.Release.Metadata.Owner != alice.Username || got.Release.Metadata.Shared {
		t.Errorf("alice's service after bob's attempts: %+v, %v", got.Release, err)
	}
	md, err := client.CoreV1().Secrets(shared).Get(ctx, "sh.onyxia.release.v1."+alices, metav1.GetOptions{})
	if err != nil || string(md.Data["owner"]) != alice.Username {
		t.Errorf("alice's metadata after bob's attempts: %q, %v", md.Data, err)
	}
	// Shared, the group's service is its members' and still no one else's.
	if _, err := p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: sdk.ReleaseRef{Caller: alice, Project: group, Name: teams}, Shared: &shareIt}); err != nil {
		t.Fatalf("UpdateRelease by alice: %v", err)
	}
	if _, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: bob, Project: group}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("ListReleases by bob, no member, in the group's project: %v, want ErrPermissionDenied", err)
	}
	if got := listed(bob, personal(bob)); len(got) != 0 {
		t.Errorf("bob's personal project lists %v once alice shares her group's service", got)
	}
	if got := listed(carol, group); !slices.Equal(got, []string{teams}) {
		t.Errorf("carol sees %v in the group once shared, want %s", got, teams)
	}
	if got := listed(carol, personal(carol)); len(got) != 0 {
		t.Errorf("carol's personal project lists %v, want nothing", got)
	}

	// Alice acts on her own.
	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: aliceRef}); err != nil {
		t.Errorf("Suspend by alice: %v", err)
	}
	for _, name := range []string{alices, teams} {
		project := personal(alice)
		if name == teams {
			project = group
		}
		if _, err := p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: sdk.ReleaseRef{Caller: alice, Project: project, Name: name}}); err != nil {
			t.Errorf("Uninstall by alice of %s: %v", name, err)
		}
	}
	if got := listed(alice, personal(alice)); len(got) != 0 {
		t.Errorf("alice's personal project lists %v after Uninstall", got)
	}
}
