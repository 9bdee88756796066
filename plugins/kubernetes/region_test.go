package kubernetes_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// catalogs is the shared charts, laid beside the repository.
const catalogs = "../../../shared/catalogs/interactive"

func jupyterArchive(t testing.TB) []byte { return jupyterVersion(t, "2.5.2") }

// jupyterVersion reads one version of Onyxia's jupyter-python chart.
func jupyterVersion(t testing.TB, version string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(catalogs, "jupyter-python-"+version+".tgz"))
	if err != nil {
		t.Fatalf("the shared catalogs must lie beside the repository: %v", err)
	}
	return data
}

// jupyterValues are the values the launch form sends, with an Ingress so that the release
// has a URL, and requests, which the project's quota demands.
const jupyterValues = `{"global":{"suspend":false},"resources":{"requests":{"cpu":"100m","memory":"256Mi"}},"ingress":{"enabled":true,"hostname":"jupyter-%s.example.test"},"userPreferences":{"language":"en"}}`

func values(name string) []byte { return []byte(strings.ReplaceAll(jupyterValues, "%s", name)) }

type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// quiet keeps benchmarks' logs out of their output.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// newRegion configures a plugin against the test environment's cluster; extra is merged
// into the configuration.
func newRegion(t testing.TB, extra map[string]any) (*kubernetes.Plugin, k8s.Interface) {
	t.Helper()
	env := testenv.Require(t)
	log := quiet
	if _, bench := t.(*testing.B); !bench {
		log = slog.New(slog.NewTextHandler(testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p := kubernetes.New(log)
	cfg := map[string]any{
		"kubeconfig": env.Kubeconfig,
		"qps":        200, "burst": 400,
		"quotas": map[string]any{
			"user":  map[string]string{"requests.cpu": "8", "requests.memory": "16Gi", "count/pods": "50"},
			"group": map[string]string{"requests.cpu": "16", "requests.memory": "32Gi"},
			"roles": map[string]any{"admin": map[string]string{"requests.cpu": "32"}},
		},
		"namespaces": map[string]any{"namespaceLabels": map[string]string{"basalt.dev/test": "true"}},
	}
	for k, v := range extra {
		cfg[k] = v
	}
	raw, _ := json.Marshal(cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Configure(ctx, sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	rc, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return p, k8s.NewForConfigOrDie(rc)
}

func unique(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// dropNamespace deletes a test's namespace when it ends.
func dropNamespace(t testing.TB, client k8s.Interface, ns string) {
	t.Cleanup(func() {
		_ = client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
}

func TestConformance(t *testing.T) {
	archive, other := jupyterArchive(t), jupyterVersion(t, "2.3.19")
	// Kubeconfigs on, for the ClusterAccess case.
	p, client := newRegion(t, map[string]any{"clusterAccess": map[string]any{"mode": kubernetes.AccessServiceAccountToken}})
	caller := sdk.Caller{Username: unique("kit-"), Roles: []string{"user"}}
	group := unique("kit-team-")
	dropNamespace(t, client, "user-"+caller.Username)
	dropNamespace(t, client, "project-"+group)
	plugintest.TestRegion(t, func(t *testing.T) plugintest.RegionSetup {
		return plugintest.RegionSetup{
			Region: p, Caller: caller, Group: group, Archive: archive, OtherArchive: other,
			// On the kwok nodes, whatever else the cluster runs.
			Values:       []byte(onKwok),
			SecretValues: []byte(`{"security":{"password":""}}`),
			ReadyTimeout: 90 * time.Second,
			Simulated:    true,
		}
	})
}

// waitFor polls a release until cond holds.
func waitFor(t *testing.T, p *kubernetes.Plugin, ref sdk.ReleaseRef, what string, cond func(sdk.Release) bool) sdk.Release {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := p.GetRelease(t.Context(), sdk.GetReleaseRequest{ReleaseRef: ref})
		if err != nil {
			t.Fatalf("GetRelease %s: %v", ref.Name, err)
		}
		if cond(resp.Release) {
			return resp.Release
		}
		if resp.Release.Status == sdk.StatusFailed || time.Now().After(deadline) {
			t.Fatalf("release %s not %s: %+v", ref.Name, what, resp.Release)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestJupyterLifecycle(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	alice := sdk.Caller{Username: unique("alice-")}
	project := sdk.Project{ID: "user-" + alice.Username}
	dropNamespace(t, client, project.ID)
	onboard, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project})
	if err != nil || !onboard.Created || onboard.Namespace != project.ID {
		t.Fatalf("Onboard: %+v, %v", onboard, err)
	}
	ns := onboard.Namespace
	nsObj, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil || nsObj.Labels["onyxia_owner"] != alice.Username || nsObj.Labels["basalt.dev/test"] != "true" {
		t.Errorf("namespace %s: labels %v, %v", ns, nsObj.Labels, err)
	}
	rb, err := client.RbacV1().RoleBindings(ns).Get(ctx, "full_control_namespace", metav1.GetOptions{})
	if err != nil || rb.RoleRef.Name != "admin" || len(rb.Subjects) != 1 || rb.Subjects[0].Name != alice.Username || rb.Subjects[0].Kind != "User" {
		t.Errorf("RoleBinding: %+v, %v", rb, err)
	}

	name := "jupyter-python-" + unique("")
	ref := sdk.ReleaseRef{Caller: alice, Project: project, Name: name}
	md := sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username, FriendlyName: "My notebook"}
	began := time.Now()
	inst, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: project, ReleaseName: name, Archive: strings.NewReader(string(jupyterArchive(t))),
		Values: values(name), Metadata: md, Timeout: 2 * time.Minute,
	})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	t.Logf("Install returned in %v with status %s", time.Since(began), inst.Release.Status)
	if inst.Release.Revision != 1 || !reflect.DeepEqual(inst.Release.Metadata, md) {
		t.Errorf("Install: %+v", inst.Release)
	}
	// Onyxia's metadata Secret, owned by Helm's first record.
	sec, err := client.CoreV1().Secrets(ns).Get(ctx, "sh.onyxia.release.v1."+name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("metadata Secret: %v", err)
	}
	if sec.Type != "onyxia.sh/release.v1" || string(sec.Data["owner"]) != alice.Username || string(sec.Data["catalog"]) != "interactive" ||
		string(sec.Data["friendlyName"]) != "My notebook" || string(sec.Data["share"]) != "false" {
		t.Errorf("metadata Secret: type %s data %q", sec.Type, sec.Data)
	}
	if len(sec.OwnerReferences) != 1 || sec.OwnerReferences[0].Name != "sh.helm.release.v1."+name+".v1" {
		t.Errorf("metadata Secret owners: %+v", sec.OwnerReferences)
	}

	rel := waitFor(t, p, ref, "ready", sdk.Release.Ready)
	list, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: alice, Project: project})
	if err != nil {
		t.Fatalf("ListReleases: %v", err)
	}
	i := slices.IndexFunc(list.Releases, func(r sdk.Release) bool { return r.Name == name })
	if i < 0 {
		t.Fatalf("ListReleases: %s not listed", name)
	}
	listed := list.Releases[i]
	wantURL := "https://jupyter-" + name + ".example.test"
	if !slices.Contains(listed.URLs, wantURL) || !strings.Contains(listed.Notes, wantURL) || !listed.Suspendable || listed.Suspended {
		t.Errorf("listed: URLs %v, suspendable %v, suspended %v, notes %q", listed.URLs, listed.Suspendable, listed.Suspended, listed.Notes)
	}
	if len(rel.Workloads) == 0 || rel.Workloads[0].Kind != "StatefulSet" {
		t.Errorf("workloads: %+v", rel.Workloads)
	}

	pods := func() []corev1.Pod {
		l, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + name})
		if err != nil {
			t.Fatal(err)
		}
		return l.Items
	}
	if len(pods()) == 0 {
		t.Fatalf("a ready release has no pods")
	}
	// The Ingress routes to the notebook's headless Service, served by the pod; Onyxia's chart
	// drops its Ingress when paused, and with it the backends.
	backend := []sdk.Backend{{Host: "jupyter-" + name + ".example.test", Path: "/", Service: name, Port: 8888, Endpoints: []string{net.JoinHostPort(pods()[0].Status.PodIP, "8888")}}}
	if got := backendsWhen(t, p, ref, func(b []sdk.Backend) bool { return reflect.DeepEqual(b, backend) }); !reflect.DeepEqual(got, backend) {
		t.Errorf("Backends: %+v, want %+v", got, backend)
	}

	// Pause: no pods, global.suspend true in the values.
	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	rel = waitFor(t, p, ref, "suspended", func(r sdk.Release) bool { return r.Suspended && r.Status == sdk.StatusSuspended })
	got, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref, IncludeValues: true})
	if err != nil || !strings.Contains(string(got.Values), `"suspend":true`) || !strings.Contains(string(got.Values), "jupyter-"+name) {
		t.Errorf("values after Suspend: %s, %v", got.Values, err)
	}
	for deadline := time.Now().Add(60 * time.Second); len(pods()) > 0; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("pods still there a minute after Suspend")
		}
	}
	if got, err := p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref}); err != nil || len(got.Backends) != 0 {
		t.Errorf("Backends of a paused notebook: %+v, %v, want none", got.Backends, err)
	}
	// Resumed by a plugin just started: the chart archive comes from the namespace.
	restarted, _ := newRegion(t, nil)
	if _, err := restarted.Resume(ctx, sdk.ResumeRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	waitFor(t, p, ref, "resumed and ready", func(r sdk.Release) bool { return !r.Suspended && r.Ready() })

	// Rename and share.
	friendly, shared := "Renamed", true
	up, err := p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: ref, FriendlyName: &friendly, Shared: &shared})
	if err != nil || up.Release.Metadata.FriendlyName != friendly || !up.Release.Metadata.Shared || up.Release.Metadata.Owner != alice.Username {
		t.Errorf("UpdateRelease: %+v, %v", up.Release.Metadata, err)
	}
	sec, _ = client.CoreV1().Secrets(ns).Get(ctx, "sh.onyxia.release.v1."+name, metav1.GetOptions{})
	if string(sec.Data["friendlyName"]) != friendly || string(sec.Data["share"]) != "true" {
		t.Errorf("metadata Secret after UpdateRelease: %q", sec.Data)
	}

	// Logs and events of this release only.
	var events []sdk.Event
	if err := p.Events(ctx, sdk.EventsRequest{ReleaseRef: ref}, func(e sdk.Event) error { events = append(events, e); return nil }); err != nil {
		t.Errorf("Events: %v", err)
	}
	if len(events) == 0 {
		t.Errorf("Events: none")
	}
	for _, e := range events {
		if !strings.Contains(e.Object, name) {
			t.Errorf("Events: %+v is not about %s", e, name)
		}
	}
	// The test environment's nodes (kwok) give every container the same three lines.
	logCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var logs []sdk.LogLine
	err = p.Logs(logCtx, sdk.LogsRequest{ReleaseRef: ref, TailLines: 2}, func(l sdk.LogLine) error { logs = append(logs, l); return nil })
	if err != nil {
		t.Errorf("Logs: %v", err)
	}
	containers := 0
	for _, pod := range pods() {
		containers += len(pod.Spec.Containers)
	}
	if containers == 0 || len(logs) != 2*containers || logs[len(logs)-1].Line != "ready" || logs[0].Time.IsZero() || !strings.HasPrefix(logs[0].Pod, name) || logs[0].Container == "" {
		t.Errorf("Logs with tail 2 of %d containers: %+v", containers, logs)
	}

	quota, err := p.Quota(ctx, sdk.QuotaRequest{Caller: alice, Project: project})
	if err != nil || quota.Hard["requests.cpu"] != "8" || quota.Hard["count/pods"] != "50" {
		t.Errorf("Quota: %+v, %v", quota, err)
	}

	// Delete: gone, metadata too; again is fine.
	for range 2 {
		if _, err := p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: ref}); err != nil {
			t.Fatalf("Uninstall: %v", err)
		}
	}
	if _, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("GetRelease after Uninstall: %v", err)
	}
	if _, err := client.CoreV1().Secrets(ns).Get(ctx, "sh.onyxia.release.v1."+name, metav1.GetOptions{}); err == nil {
		t.Errorf("metadata Secret still there after Uninstall")
	}
}

func TestOnboardKeepsHandManagedQuota(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	bob := sdk.Caller{Username: unique("bob-"), Roles: []string{"user", "admin"}}
	project := sdk.Project{ID: "user-" + bob.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: bob, Project: project}); err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	quotas := client.CoreV1().ResourceQuotas(project.ID)
	q, err := quotas.Get(ctx, "basalt-quota", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("quota: %v", err)
	}
	// The role's quota wins over the user's.
	if cpu := q.Spec.Hard["requests.cpu"]; cpu.String() != "32" {
		t.Errorf("quota of an admin: %v", q.Spec.Hard)
	}
	// An administrator edits it and marks it as theirs: onboarding leaves it alone.
	edit := func(change func(q *corev1.ResourceQuota)) {
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			q, err := quotas.Get(ctx, "basalt-quota", metav1.GetOptions{})
			if err != nil {
				return err
			}
			change(q)
			_, err = quotas.Update(ctx, q, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	edit(func(q *corev1.ResourceQuota) {
		q.Spec.Hard = corev1.ResourceList{"requests.cpu": resource.MustParse("64")}
		q.Annotations = map[string]string{"onyxia_ignore": "true"}
	})
	again, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: bob, Project: project})
	if err != nil || again.Created {
		t.Fatalf("Onboard again: %+v, %v", again, err)
	}
	q, _ = quotas.Get(ctx, "basalt-quota", metav1.GetOptions{})
	if cpu := q.Spec.Hard["requests.cpu"]; cpu.String() != "64" || len(q.Spec.Hard) != 1 {
		t.Errorf("hand-managed quota overwritten: %v", q.Spec.Hard)
	}
	// Unmarked, it is the region's again.
	edit(func(q *corev1.ResourceQuota) { delete(q.Annotations, "onyxia_ignore") })
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: bob, Project: project}); err != nil {
		t.Fatal(err)
	}
	q, _ = quotas.Get(ctx, "basalt-quota", metav1.GetOptions{})
	if cpu := q.Spec.Hard["requests.cpu"]; cpu.String() != "32" {
		t.Errorf("quota not restored once unmarked: %v", q.Spec.Hard)
	}
}

func TestGroupProjectSharing(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	group := unique("team-")
	alice := sdk.Caller{Username: unique("alice-"), Groups: []string{group}}
	carol := sdk.Caller{Username: unique("carol-"), Groups: []string{group}}
	project := sdk.Project{ID: "project-" + group, Group: group}
	dropNamespace(t, client, project.ID)
	resp, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project})
	if err != nil || resp.Namespace != "project-"+group {
		t.Fatalf("Onboard: %+v, %v", resp, err)
	}
	rb, err := client.RbacV1().RoleBindings(resp.Namespace).Get(ctx, "full_control_namespace", metav1.GetOptions{})
	if err != nil || rb.Subjects[0].Kind != "Group" || rb.Subjects[0].Name != group {
		t.Errorf("group RoleBinding: %+v, %v", rb, err)
	}
	name := unique("jupyter-")
	_, err = p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: project, ReleaseName: name, Archive: strings.NewReader(string(jupyterArchive(t))),
		Values: values(name), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username},
	})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	t.Cleanup(func() {
		_, _ = p.Uninstall(context.Background(), sdk.UninstallRequest{ReleaseRef: sdk.ReleaseRef{Caller: alice, Project: project, Name: name}})
	})
	listed := func(c sdk.Caller) bool {
		l, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: c, Project: project})
		if err != nil {
			t.Fatalf("ListReleases: %v", err)
		}
		return slices.ContainsFunc(l.Releases, func(r sdk.Release) bool { return r.Name == name })
	}
	if !listed(alice) || listed(carol) {
		t.Errorf("not shared: listed for its owner %v, for another member %v", listed(alice), listed(carol))
	}
	carolRef := sdk.ReleaseRef{Caller: carol, Project: project, Name: name}
	if _, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: carolRef}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("GetRelease by another member of a release not shared: %v", err)
	}
	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: carolRef}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Suspend by another member of a release not shared: %v", err)
	}
	shared := true
	if _, err := p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: sdk.ReleaseRef{Caller: alice, Project: project, Name: name}, Shared: &shared}); err != nil {
		t.Fatal(err)
	}
	if !listed(carol) {
		t.Errorf("shared release not listed for another member")
	}
}
