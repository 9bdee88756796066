package kubernetes_test

import (
	"bytes"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// webArchive is a one-Deployment chart that Onyxia's global.suspend pauses.
func webArchive(t testing.TB) []byte {
	return chartArchive(t, "web", map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml":           "global: {suspend: false}\n",
		"templates/deploy.yaml": pausableChart,
	})
}

// teamMember is a new user of a new group, with her personal project and the group's.
func teamMember() (sdk.Caller, sdk.Project, sdk.Project) {
	team := unique("team-")
	alice := sdk.Caller{Username: unique("alice-"), Groups: []string{team}}
	return alice, sdk.Project{ID: "user-" + alice.Username}, sdk.Project{ID: "project-" + team, Group: team}
}

// onboard onboards the caller's projects, their namespaces deleted when t ends.
func onboard(t testing.TB, p *kubernetes.Plugin, client k8s.Interface, caller sdk.Caller, projects ...sdk.Project) {
	t.Helper()
	for _, project := range projects {
		resp, err := p.Onboard(t.Context(), sdk.OnboardRequest{Caller: caller, Project: project})
		if err != nil {
			t.Fatalf("Onboard %s: %v", project.ID, err)
		}
		dropNamespace(t, client, resp.Namespace)
	}
}

// installWeb installs webArchive as caller in project, owned by caller, and uninstalls it
// when t ends.
func installWeb(t *testing.T, p *kubernetes.Plugin, caller sdk.Caller, project sdk.Project, archive []byte) sdk.ReleaseRef {
	t.Helper()
	ref := sdk.ReleaseRef{Caller: caller, Project: project, Name: unique("web-")}
	_, err := p.Install(t.Context(), sdk.InstallRequest{
		Caller: caller, Project: project, ReleaseName: ref.Name, Archive: bytes.NewReader(archive),
		Values:   []byte(`{"global":{"suspend":false}}`),
		Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "web", Owner: caller.Username},
	})
	if err != nil {
		t.Fatalf("Install %s in %s: %v", ref.Name, project.ID, err)
	}
	t.Cleanup(func() { _, _ = p.Uninstall(t.Context(), sdk.UninstallRequest{ReleaseRef: ref}) })
	return ref
}

// fleetRelease polls the region's fleet, 30 s at most, until it lists the release of that
// namespace and name so that cond holds, and returns it; false when it never did.
func fleetRelease(t *testing.T, p *kubernetes.Plugin, namespace, name string, cond func(sdk.FleetRelease) bool) (sdk.FleetRelease, bool) {
	t.Helper()
	return fleetReleaseWithin(t, p, 30*time.Second, namespace, name, cond)
}

func fleetReleaseWithin(t *testing.T, p *kubernetes.Plugin, within time.Duration, namespace, name string, cond func(sdk.FleetRelease) bool) (sdk.FleetRelease, bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := p.Fleet(t.Context(), sdk.FleetRequest{})
		if err != nil {
			t.Fatalf("Fleet: %v", err)
		}
		var last sdk.FleetRelease
		for _, f := range resp.Releases {
			if f.Release.Namespace == namespace && f.Release.Name == name {
				if last = f; cond(f) {
					return f, true
				}
			}
		}
		if time.Now().After(deadline) {
			return last, false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The fleet holds every project's releases: a personal one with no group, a group's with the
// group, each with its owner and lifecycle state, and a release whose metadata is gone
// (installed without Basalt) with neither owner nor group.
func TestFleetOwnersAndGroups(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	alice, personal, group := teamMember()
	team := group.Group
	onboard(t, p, client, alice, personal, group)
	archive := webArchive(t)
	mine, teams, bare := installWeb(t, p, alice, personal, archive), installWeb(t, p, alice, group, archive), installWeb(t, p, alice, group, archive)
	if _, err := p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: teams, Lifecycle: map[string]string{"lastActive": "2026-12-06T10:00:00Z"}}); err != nil {
		t.Fatalf("UpdateRelease: %v", err)
	}
	if err := client.CoreV1().Secrets(group.ID).Delete(ctx, "sh.onyxia.release.v1."+bare.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		ref          sdk.ReleaseRef
		group, owner string
		lastActive   string
	}{
		{mine, "", alice.Username, ""},
		{teams, team, alice.Username, "2026-12-06T10:00:00Z"},
		{bare, "", "", ""},
	} {
		got, ok := fleetRelease(t, p, want.ref.Project.ID, want.ref.Name, func(f sdk.FleetRelease) bool {
			md := f.Release.Metadata
			return f.Group == want.group && md.Owner == want.owner && md.Lifecycle["lastActive"] == want.lastActive && f.Release.Chart == "web"
		})
		if !ok {
			t.Errorf("Fleet lists %s of %s with group %q, owner %q, lifecycle %v, chart %q; want group %q, owner %q, lastActive %q",
				want.ref.Name, want.ref.Project.ID, got.Group, got.Release.Metadata.Owner, got.Release.Metadata.Lifecycle, got.Release.Chart,
				want.group, want.owner, want.lastActive)
		}
	}
}

// A single-namespace region's fleet is that namespace's releases, each project's told apart
// by the group its metadata records.
func TestFleetInASingleNamespace(t *testing.T) {
	shared := unique("shared-")
	p, client := newRegion(t, map[string]any{"namespaces": map[string]any{
		"singleNamespace": shared, "namespaceLabels": map[string]string{"basalt.dev/test": "true"},
	}})
	ctx := t.Context()
	alice, personal, group := teamMember()
	team := group.Group
	onboard(t, p, client, alice, personal, group)
	archive := webArchive(t)
	mine, teams := installWeb(t, p, alice, personal, archive), installWeb(t, p, alice, group, archive)
	for _, want := range []struct {
		ref   sdk.ReleaseRef
		group string
	}{{mine, ""}, {teams, team}} {
		got, ok := fleetRelease(t, p, shared, want.ref.Name, func(f sdk.FleetRelease) bool {
			return f.Group == want.group && f.Release.Metadata.Owner == alice.Username
		})
		if !ok {
			t.Errorf("Fleet lists %s with group %q and owner %q, want group %q and owner %s",
				want.ref.Name, got.Group, got.Release.Metadata.Owner, want.group, alice.Username)
		}
	}
	resp, err := p.Fleet(ctx, sdk.FleetRequest{})
	if err != nil || len(resp.Releases) != 2 {
		t.Errorf("Fleet of a single-namespace region with two releases: %d releases, %v", len(resp.Releases), err)
	}
}

// BenchmarkFleet measures Fleet over 20 personal namespaces of 5 releases each: the first
// call, by a plugin just started, starts every namespace's caches; the next ones read them.
func BenchmarkFleet(b *testing.B) {
	const namespaces, perNamespace = 20, 5
	p, client := newRegion(b, nil)
	ctx := b.Context()
	archive := webArchive(b)
	// Every namespace onboarded before the installs: the API server's RBAC takes a moment to
	// let a new namespace's release identity in.
	owners, projects := personalProjects(b, p, client, "fleet-", namespaces)
	var wg sync.WaitGroup
	installs := make(chan struct{}, 8)
	for i, project := range projects {
		for range perNamespace {
			wg.Go(func() {
				installs <- struct{}{}
				defer func() { <-installs }()
				_, err := p.Install(ctx, sdk.InstallRequest{
					Caller: owners[i], Project: project, ReleaseName: unique("web-"), Archive: bytes.NewReader(archive),
					Values: []byte(`{"global":{"suspend":false}}`), Metadata: sdk.ReleaseMetadata{Chart: "web", Owner: owners[i].Username},
				})
				if err != nil {
					b.Errorf("Install: %v", err)
				}
			})
		}
	}
	wg.Wait()
	started, _ := newRegion(b, nil)
	began := time.Now()
	resp, err := started.Fleet(ctx, sdk.FleetRequest{})
	if err != nil || len(resp.Releases) < namespaces*perNamespace {
		b.Fatalf("Fleet: %d releases, %v", len(resp.Releases), err)
	}
	first := time.Since(began)
	for b.Loop() {
		if _, err := started.Fleet(ctx, sdk.FleetRequest{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(ms(first), "ms-first")
	b.ReportMetric(float64(len(resp.Releases)), "releases")
}

// personalProjects onboards n new users' personal projects, deleted when t ends.
func personalProjects(t testing.TB, p *kubernetes.Plugin, client k8s.Interface, prefix string, n int) ([]sdk.Caller, []sdk.Project) {
	var owners []sdk.Caller
	var projects []sdk.Project
	for range n {
		owner := sdk.Caller{Username: unique(prefix)}
		project := sdk.Project{ID: "user-" + owner.Username}
		onboard(t, p, client, owner, project)
		owners, projects = append(owners, owner), append(projects, project)
	}
	return owners, projects
}

// The fleet shows what a release's pods use, as the cluster's metrics API reports it, read
// with no more than the plugin's least privilege (admin in the namespace lists pod metrics,
// one namespace at a time), and by a plugin that may read every namespace's at once: a pod
// told to use 750 millicores shows as its release's CPU, an idle one as kwok's idle use.
func TestFleetUsage(t *testing.T) {
	t.Run("per namespace", func(t *testing.T) {
		env := testenv.Require(t)
		_, admin := newRegion(t, nil)
		p, _ := newRegion(t, map[string]any{"kubeconfig": leastPrivilegeKubeconfig(t, env, admin)})
		fleetUsage(t, env, p, admin)
	})
	t.Run("cluster-wide", func(t *testing.T) {
		p, admin := newRegion(t, nil)
		fleetUsage(t, testenv.Require(t), p, admin)
	})
}

func fleetUsage(t *testing.T, env *testenv.Env, p *kubernetes.Plugin, admin k8s.Interface) {
	ctx := t.Context()
	alice, project, _ := teamMember()
	onboard(t, p, admin, alice, project)
	archive := webArchive(t)
	busy, idle := installWeb(t, p, alice, project, archive), installWeb(t, p, alice, project, archive)
	waitFor(t, p, busy, "ready", sdk.Release.Ready)
	pods, err := admin.CoreV1().Pods(project.ID).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + busy.Name})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("the pods of %s: %d, %v", busy.Name, len(pods.Items), err)
	}
	const millicores = 750
	if err := env.SetPodCPU(ctx, project.ID, pods.Items[0].Name, millicores); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	// The pod's first two scrapes, then the change at the next one.
	within := 2 * testenv.MetricsDelay
	for _, want := range []struct {
		ref sdk.ReleaseRef
		cpu int64
	}{{busy, millicores}, {idle, testenv.IdleContainerCPUMillicores}} {
		got, ok := fleetReleaseWithin(t, p, within, project.ID, want.ref.Name, func(f sdk.FleetRelease) bool { return f.Usage.CPUMillicores == want.cpu })
		if !ok {
			t.Errorf("Fleet: %s uses %+v after %v, want %d millicores", want.ref.Name, got.Usage, time.Since(began).Round(time.Second), want.cpu)
			continue
		}
		t.Logf("Fleet shows %s using %d millicores %v after SetPodCPU", want.ref.Name, want.cpu, time.Since(began).Round(100*time.Millisecond))
		if u := got.Usage; u.MemoryBytes != testenv.IdleContainerMemoryBytes || u.Measured.Before(began.Add(-within)) || u.Measured.After(time.Now()) {
			t.Errorf("Fleet: %s uses %d bytes measured at %v, want %d bytes measured in the last %v",
				want.ref.Name, u.MemoryBytes, u.Measured, testenv.IdleContainerMemoryBytes, within)
		}
	}
}
