package kubernetes_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	k8s "k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// followWithin bounds how long the namespace caches may take to show what changed in the
// cluster: a watch event, a few milliseconds on a quiet cluster.
const followWithin = 10 * time.Second

// eventually polls cond until it holds, followWithin at most, and says whether it did.
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(followWithin); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// projectOfOne configures a region (extra merged into its configuration) and onboards a new
// user's personal project.
func projectOfOne(t *testing.T, extra map[string]any) (*kubernetes.Plugin, k8s.Interface, sdk.Caller, sdk.Project) {
	t.Helper()
	p, client := newRegion(t, extra)
	alice, personal, _ := teamMember()
	onboard(t, p, client, alice, personal)
	return p, client, alice, personal
}

// listed returns a project's releases by name, as the caller lists them.
func listed(t *testing.T, p *kubernetes.Plugin, caller sdk.Caller, project sdk.Project) map[string]sdk.Release {
	t.Helper()
	resp, err := p.ListReleases(t.Context(), sdk.ListReleasesRequest{Caller: caller, Project: project})
	if err != nil {
		t.Fatalf("ListReleases: %v", err)
	}
	out := map[string]sdk.Release{}
	for _, r := range resp.Releases {
		out[r.Name] = r
	}
	return out
}

// TestCachesFollowTheCluster changes a project's releases behind the plugin's back, straight
// through the API server as Helm's tool, Onyxia or an administrator would, once its caches
// are warm: the caches of Helm records, metadata Secrets and workloads, and the records
// decoded once per resource version (values and manifest included), show each change within
// followWithin. Both kinds of caches: cluster-wide for a plugin that may read every namespace,
// the namespace's own for one with the least privilege.
func TestCachesFollowTheCluster(t *testing.T) {
	t.Run("cluster-wide", func(t *testing.T) {
		p, client, alice, personal := projectOfOne(t, nil)
		cachesFollowTheCluster(t, p, client, alice, personal, true)
	})
	t.Run("per namespace", func(t *testing.T) {
		env := testenv.Require(t)
		_, admin := newRegion(t, nil)
		p, client, alice, personal := projectOfOne(t, map[string]any{"kubeconfig": leastPrivilegeKubeconfig(t, env, admin)})
		cachesFollowTheCluster(t, p, client, alice, personal, false)
	})
}

func cachesFollowTheCluster(t *testing.T, p *kubernetes.Plugin, client k8s.Interface, alice sdk.Caller, personal sdk.Project, wide bool) {
	ctx := t.Context()
	a := installWeb(t, p, alice, personal, webArchive(t))
	waitFor(t, p, a, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	if got := listed(t, p, alice, personal); len(got) != 1 {
		t.Fatalf("listed %v, want %s alone", got, a.Name)
	}
	if got := kubernetes.ClusterWideCaches(p); got != wide {
		t.Fatalf("cluster-wide caches: %v, want %v", got, wide)
	}
	secrets := client.CoreV1().Secrets(personal.ID)

	// A release recorded by someone else: a copy of a's record and metadata under another name.
	rec, err := secrets.Get(ctx, "sh.helm.release.v1."+a.Name+".v1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := secrets.Get(ctx, "sh.onyxia.release.v1."+a.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := decodeRelease(rec.Data["release"])
	if err != nil {
		t.Fatal(err)
	}
	b := unique("web-")
	rel.Name = b
	bRecord := writeRecord(t, secrets, nil, rec.Labels, rel)
	_, err = secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "sh.onyxia.release.v1." + b, Labels: map[string]string{"onyxia.sh/release": b}},
		Type:       meta.Type, Data: meta.Data,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { _, ok := listed(t, p, alice, personal)[b]; return ok }) {
		t.Errorf("a release recorded behind the plugin's back is not listed after %v", followWithin)
	}

	// Its values and manifest read once, so that the plugin keeps them...
	refB := sdk.ReleaseRef{Caller: alice, Project: personal, Name: b}
	if got, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: refB, IncludeValues: true}); err != nil || strings.Contains(string(got.Values), "by hand") {
		t.Fatalf("%s's values before the change: %v %s", b, err, got.Values)
	}

	// ...then its record changed in place (a new resource version of the same Secret), values
	// and manifest too.
	rel.Info.Status, rel.Info.Description = release.StatusFailed, "changed behind Basalt's back"
	rel.Config = map[string]any{"global": map[string]any{"suspend": false}, "changed": "by hand"}
	rel.Manifest += "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: changed-by-hand\n"
	writeRecord(t, secrets, bRecord, map[string]string{"status": "failed"}, rel)
	if !eventually(func() bool {
		got, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: refB, IncludeValues: true})
		return err == nil && got.Release.Status == sdk.StatusFailed && got.Release.Reason == rel.Info.Description &&
			strings.Contains(string(got.Values), `"changed":"by hand"`) && strings.Contains(got.Manifest, "changed-by-hand")
	}) {
		t.Errorf("a record changed behind the plugin's back is not read anew after %v", followWithin)
	}

	// a's metadata renamed, and its Deployment scaled.
	meta.Data["friendlyName"] = []byte("renamed by hand")
	if _, err := secrets.Update(ctx, meta, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deployments := client.AppsV1().Deployments(personal.ID)
	scale, err := deployments.GetScale(ctx, a.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scale.Spec.Replicas = 3
	if _, err := deployments.UpdateScale(ctx, a.Name, scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool {
		got := listed(t, p, alice, personal)[a.Name]
		return got.Metadata.FriendlyName == "renamed by hand" && len(got.Workloads) == 1 && got.Workloads[0].Desired == 3
	}) {
		t.Errorf("%s after its metadata and Deployment changed behind the plugin's back: %+v", a.Name, listed(t, p, alice, personal)[a.Name])
	}

	// b's record and metadata deleted: b is gone, and its name can be launched again.
	for _, name := range []string{bRecord.Name, "sh.onyxia.release.v1." + b} {
		if err := secrets.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if !eventually(func() bool {
		_, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: refB})
		_, still := listed(t, p, alice, personal)[b]
		return errors.Is(err, sdk.ErrNotFound) && !still
	}) {
		t.Errorf("a release deleted behind the plugin's back is still found after %v", followWithin)
	}
	_, err = p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: personal, ReleaseName: b, Archive: bytes.NewReader(webArchive(t)),
		Values: []byte(`{"global":{"suspend":false}}`), Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "web", Owner: alice.Username},
	})
	if err != nil {
		t.Errorf("launching %s again after its records were deleted behind the plugin's back: %v", b, err)
	}
	t.Cleanup(func() { _, _ = p.Uninstall(t.Context(), sdk.UninstallRequest{ReleaseRef: refB}) })
}

// TestEventsFollowTheCluster: a service's events, which a plugin that may read every
// namespace serves from its cluster-wide cache of events, show an event written behind its
// back, then the same seen again, then its deletion, within followWithin; as does a least-privilege
// plugin, which lists them each time.
func TestEventsFollowTheCluster(t *testing.T) {
	t.Run("cluster-wide", func(t *testing.T) {
		p, client, alice, personal := projectOfOne(t, nil)
		eventsFollowTheCluster(t, p, client, alice, personal)
	})
	t.Run("per namespace", func(t *testing.T) {
		env := testenv.Require(t)
		_, admin := newRegion(t, nil)
		p, client, alice, personal := projectOfOne(t, map[string]any{"kubeconfig": leastPrivilegeKubeconfig(t, env, admin)})
		eventsFollowTheCluster(t, p, client, alice, personal)
	})
}

func eventsFollowTheCluster(t *testing.T, p *kubernetes.Plugin, client k8s.Interface, alice sdk.Caller, personal sdk.Project) {
	ctx := t.Context()
	ref := installWeb(t, p, alice, personal, webArchive(t))
	notes := func() []string {
		var out []string
		err := p.Events(ctx, sdk.EventsRequest{ReleaseRef: ref}, func(e sdk.Event) error {
			out = append(out, fmt.Sprintf("%s ×%d", e.Message, e.Count))
			return nil
		})
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		return out
	}
	notes() // the caches warm
	events := client.EventsV1().Events(personal.ID)
	made, err := events.Create(ctx, &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: ref.Name + ".by-hand"},
		EventTime:  metav1.NewMicroTime(time.Now()), ReportingController: "basalt.dev/test", ReportingInstance: "test",
		Action: "Check", Reason: "ByHand", Type: "Normal", Note: "written behind Basalt's back",
		Regarding: corev1.ObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: ref.Name, Namespace: personal.ID},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	once, twice := made.Note+" ×1", made.Note+" ×2"
	if !eventually(func() bool { return slices.Contains(notes(), once) }) {
		t.Fatalf("an event written behind the plugin's back is not among %v after %v", notes(), followWithin)
	}
	made.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(time.Now())}
	if _, err := events.Update(ctx, made, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { return slices.Contains(notes(), twice) }) {
		t.Fatalf("an event seen again behind the plugin's back is not among %v after %v", notes(), followWithin)
	}
	if err := events.Delete(ctx, made.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { return !slices.Contains(notes(), twice) }) {
		t.Errorf("an event deleted behind the plugin's back is still among %v after %v", notes(), followWithin)
	}
}

// writeRecord writes a Helm record of rel, as Helm's tool would: a new one when old is nil,
// else old replaced, with labels added to old's.
func writeRecord(t *testing.T, secrets typedcorev1.SecretInterface, old *corev1.Secret, labels map[string]string, rel *release.Release) *corev1.Secret {
	t.Helper()
	data, err := encodeRelease(rel)
	if err != nil {
		t.Fatal(err)
	}
	if old != nil {
		s := old.DeepCopy()
		maps.Copy(s.Labels, labels)
		s.Data = map[string][]byte{"release": data}
		out, err := secrets.Update(t.Context(), s, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	l := maps.Clone(labels)
	l["name"] = rel.Name
	name := "sh.helm.release.v1." + rel.Name + ".v1"
	out, err := secrets.Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Type: "helm.sh/release.v1", Data: map[string][]byte{"release": data},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lookupChart renders a ConfigMap that says whether Helm's lookup, listing the namespace's
// Secrets, finds one named behind.
var lookupChart = map[string]string{
	"Chart.yaml": "apiVersion: v2\nname: seer\nversion: 0.1.0\n",
	"templates/seen.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: "{{ .Release.Name }}"}
data:
  seen: "{{ range (lookup "v1" "Secret" .Release.Namespace "").items }}{{ if eq .metadata.name "behind" }}yes{{ end }}{{ end }}"
`,
}

// TestLookupsReadTheNamespaceAtEachRender: a render remembers, for two seconds, the Secret
// and ConfigMap lists that Helm's lookup asks for a dozen times; the next render asks again.
// A Secret written straight to the API server between two launches a moment apart is seen
// by the second.
func TestLookupsReadTheNamespaceAtEachRender(t *testing.T) {
	p, client, alice, personal := projectOfOne(t, nil)
	ctx := t.Context()
	archive := chartArchive(t, "seer", lookupChart)
	seen := func(name string) string {
		t.Helper()
		if _, err := p.Install(ctx, sdk.InstallRequest{
			Caller: alice, Project: personal, ReleaseName: name, Archive: bytes.NewReader(archive),
			Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "seer", Owner: alice.Username},
		}); err != nil {
			t.Fatalf("Install %s: %v", name, err)
		}
		var got string
		if !eventually(func() bool {
			cm, err := client.CoreV1().ConfigMaps(personal.ID).Get(ctx, name, metav1.GetOptions{})
			got = cm.Data["seen"]
			return err == nil
		}) {
			t.Fatalf("%s rendered nothing", name)
		}
		return got
	}
	if got := seen(unique("before-")); got != "" {
		t.Fatalf("the lookup found %q before the Secret was written", got)
	}
	began := time.Now()
	if _, err := client.CoreV1().Secrets(personal.ID).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "behind"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := seen(unique("after-")); got != "yes" {
		t.Errorf("a launch %v after a Secret was written behind the plugin's back: its lookup saw %q, want it found", time.Since(began).Round(time.Millisecond), got)
	}
}

// TestAccessFollowsTheCluster: a region that impersonates remembers for 30 s that a user may
// read a namespace; once an administrator takes the RoleBinding away, the user is refused
// within that time.
func TestAccessFollowsTheCluster(t *testing.T) {
	access := map[string]any{"authenticationMode": "impersonate", "usernamePrefix": "oidc:", "groupPrefix": "oidc:"}
	p, client, alice, personal := projectOfOne(t, map[string]any{"access": access})
	ctx := t.Context()
	if _, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: alice, Project: personal}); err != nil {
		t.Fatalf("ListReleases by alice in her namespace: %v", err)
	}
	if err := client.RbacV1().RoleBindings(personal.ID).Delete(ctx, "full_control_namespace", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for {
		_, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: alice, Project: personal})
		if errors.Is(err, sdk.ErrPermissionDenied) {
			break
		}
		if err != nil || time.Since(began) > 35*time.Second {
			t.Fatalf("ListReleases by alice %v after her RoleBinding was deleted: %v, want ErrPermissionDenied", time.Since(began).Round(time.Second), err)
		}
		time.Sleep(time.Second)
	}
}

// TestNewAPIsAreSeenWithinTheirTTL: the region computes the cluster's capabilities, which
// charts test (.Capabilities.APIVersions), and remembers discovery documents, for ten
// minutes. A CRD an administrator installs is unseen by a render until then, and seen once
// that time has passed.
func TestNewAPIsAreSeenWithinTheirTTL(t *testing.T) {
	env := testenv.Require(t)
	p, _, alice, personal := projectOfOne(t, nil)
	ctx := t.Context()
	group := unique("t") + ".basalt.dev"
	archive := chartArchive(t, "probe", map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: probe\nversion: 0.1.0\n",
		"templates/probe.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: "{{ .Release.Name }}"}
data:
  widgets: "{{ .Capabilities.APIVersions.Has "` + group + `/v1/Widget" }}"
`,
	})
	renders := func() string {
		t.Helper()
		resp, err := p.Install(ctx, sdk.InstallRequest{
			Caller: alice, Project: personal, ReleaseName: unique("probe-"), Archive: bytes.NewReader(archive), DryRun: true,
			Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "probe", Owner: alice.Username},
		})
		if err != nil {
			t.Fatalf("Install dry run: %v", err)
		}
		_, seen, _ := strings.Cut(resp.Manifest, "widgets: ")
		seen, _, _ = strings.Cut(seen, "\n")
		return seen
	}
	if got := renders(); got != `"false"` {
		t.Fatalf("before the CRD: widgets %s", got)
	}

	rc, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(rc)
	crds := dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	crd := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(crdManifest(group, "v1", "Widget", "widgets")), &crd.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := crds.Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = crds.Delete(context.Background(), crd.GetName(), metav1.DeleteOptions{}) })
	served := dyn.Resource(schema.GroupVersionResource{Group: group, Version: "v1", Resource: "widgets"})
	if !eventually(func() bool { _, err := served.List(ctx, metav1.ListOptions{Limit: 1}); return err == nil }) {
		t.Fatalf("CRD %s not served", crd.GetName())
	}
	if got := renders(); got != `"false"` {
		t.Errorf("right after the CRD: widgets %s, want the capabilities remembered", got)
	}
	kubernetes.AgeClusterAPIs(p, kubernetes.CapabilitiesTTL)
	if got := renders(); got != `"true"` {
		t.Errorf("%v after the CRD: widgets %s, want it seen", kubernetes.CapabilitiesTTL, got)
	}
}

// TestReleaseIdentityFollowsTheCluster: the region sets up each namespace's release identity
// (ServiceAccount basalt-release and its RoleBinding) once; when an administrator deletes the
// RoleBinding, the next launch sets it up again rather than fail until the plugin restarts.
func TestReleaseIdentityFollowsTheCluster(t *testing.T) {
	p, client, alice, personal := projectOfOne(t, nil)
	ctx := t.Context()
	archive := webArchive(t)
	installWeb(t, p, alice, personal, archive)
	bindings := client.RbacV1().RoleBindings(personal.ID)
	if err := bindings.Delete(ctx, "basalt-release", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// The RoleBinding's removal reaches the API server's authorizer through its informers.
	time.Sleep(time.Second)
	ref := sdk.ReleaseRef{Caller: alice, Project: personal, Name: unique("web-")}
	_, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: personal, ReleaseName: ref.Name, Archive: bytes.NewReader(archive),
		Values: []byte(`{"global":{"suspend":false}}`), Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "web", Owner: alice.Username},
	})
	if err != nil {
		t.Fatalf("Install after the release identity's RoleBinding was deleted: %v", err)
	}
	t.Cleanup(func() { _, _ = p.Uninstall(t.Context(), sdk.UninstallRequest{ReleaseRef: ref}) })
	waitFor(t, p, ref, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	if _, err := bindings.Get(ctx, "basalt-release", metav1.GetOptions{}); err != nil {
		t.Errorf("the release identity's RoleBinding after the launch: %v", err)
	}
}

// TestHelmConfigurationsAreBounded: the Helm configuration and client of each namespace's
// release identity are kept for the namespaces in use lately, not for every namespace the
// region ever served; one evicted is made again when its namespace is used again.
func TestHelmConfigurationsAreBounded(t *testing.T) {
	p, client := newRegion(t, nil)
	const kept = 2
	kubernetes.KeepHelmConfigurations(p, kept)
	archive := webArchive(t)
	var first sdk.Project
	var firstOwner sdk.Caller
	for i := range kept + 2 {
		user, personal, _ := teamMember()
		onboard(t, p, client, user, personal)
		installWeb(t, p, user, personal, archive)
		if i == 0 {
			first, firstOwner = personal, user
		}
	}
	configurations, getters := kubernetes.KeptHelmConfigurations(p)
	if configurations > kept || getters > kept {
		t.Errorf("after launches in %d namespaces the region keeps %d Helm configurations and %d client getters, want at most %d each", kept+2, configurations, getters, kept)
	}
	ref := installWeb(t, p, firstOwner, first, archive)
	waitFor(t, p, ref, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
}
