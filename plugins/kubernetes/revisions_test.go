package kubernetes_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// jupyterLaunch is jupyter-python's launch values with a password of its own.
func jupyterLaunch(t *testing.T, name, password string) []byte {
	t.Helper()
	var vals map[string]any
	if err := json.Unmarshal(values(name), &vals); err != nil {
		t.Fatal(err)
	}
	vals["security"] = map[string]any{"password": password}
	raw, _ := json.Marshal(vals)
	return raw
}

// touchable are the kinds of object a release's change could touch in its namespace: Helm's
// records, the metadata, secret data and chart archives among the Secrets, and what
// jupyter-python renders.
var touchable = []schema.GroupVersionResource{
	{Version: "v1", Resource: "secrets"}, {Version: "v1", Resource: "configmaps"},
	{Version: "v1", Resource: "services"}, {Version: "v1", Resource: "serviceaccounts"},
	{Version: "v1", Resource: "persistentvolumeclaims"},
	{Group: "apps", Version: "v1", Resource: "statefulsets"},
	{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
	{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
}

// objects maps every touchable object of a namespace to its resource version.
func objects(t *testing.T, ns string) map[string]string {
	t.Helper()
	rc, err := clientcmd.BuildConfigFromFlags("", testenv.Require(t).Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dyn, out := dynamic.NewForConfigOrDie(rc), map[string]string{}
	for _, gvr := range touchable {
		list, err := dyn.Resource(gvr).Namespace(ns).List(t.Context(), metav1.ListOptions{})
		if err != nil {
			t.Fatalf("listing %s: %v", gvr.Resource, err)
		}
		for _, o := range list.Items {
			out[gvr.Resource+"/"+o.GetName()] = o.GetResourceVersion()
		}
	}
	return out
}

// settled waits until the namespace's objects stop changing (the chart archive is kept after
// Install returns, controllers write statuses) and returns them.
func settled(t *testing.T, ns string) map[string]string {
	t.Helper()
	last := objects(t, ns)
	for deadline := time.Now().Add(30 * time.Second); ; {
		time.Sleep(500 * time.Millisecond)
		now := objects(t, ns)
		if maps.Equal(now, last) {
			return now
		}
		if time.Now().After(deadline) {
			t.Fatalf("the objects of %s still change after 30s", ns)
		}
		last = now
	}
}

// personalProject onboards a new user's personal project, deleted when the test ends.
func personalProject(t *testing.T, p *kubernetes.Plugin, client k8s.Interface) (sdk.Caller, sdk.Project) {
	t.Helper()
	user := sdk.Caller{Username: unique("alice-")}
	project := sdk.Project{ID: "user-" + user.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(t.Context(), sdk.OnboardRequest{Caller: user, Project: project}); err != nil {
		t.Fatal(err)
	}
	return user, project
}

// newJupyter starts a region and onboards a new user's personal project, where a release of
// jupyter-python is to be named ref.
func newJupyter(t *testing.T) (*kubernetes.Plugin, k8s.Interface, sdk.ReleaseRef) {
	t.Helper()
	p, client := newRegion(t, nil)
	alice, project := personalProject(t, p, client)
	return p, client, sdk.ReleaseRef{Caller: alice, Project: project, Name: "jupyter-python-" + unique("")}
}

// TestUpgradeAndRollBackJupyter upgrades Onyxia's jupyter-python from 2.1.11 to 2.5.2 after a
// dry run that changes nothing in the cluster, then rolls back: the chart, the values and the
// objects come back, Basalt's metadata stays as it was, and pausing re-renders 2.1.11.
func TestUpgradeAndRollBackJupyter(t *testing.T) {
	p, client, ref := newJupyter(t)
	ctx := t.Context()
	alice, project, ns, name := ref.Caller, ref.Project, ref.Project.ID, ref.Name
	md := sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username, FriendlyName: "Notebook"}
	old, current := jupyterVersion(t, "2.1.11"), jupyterVersion(t, "2.5.2")
	install := func(archive, values []byte, secretData map[string]string, upgrade, dryRun bool) (sdk.InstallResponse, error) {
		return p.Install(ctx, sdk.InstallRequest{
			Caller: alice, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive), Values: values,
			Metadata: md, Timeout: 2 * time.Minute, Upgrade: upgrade, DryRun: dryRun, SecretData: secretData,
		})
	}
	secretData := func() string {
		s, err := client.CoreV1().Secrets(ns).Get(ctx, sdk.ReleaseSecretName(name), metav1.GetOptions{})
		if err != nil {
			return fmt.Sprintf("(%v)", err)
		}
		return string(s.Data["API_KEY"])
	}
	chartLabel := func() string {
		sts, err := client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the release's StatefulSet: %v", err)
		}
		return sts.Labels["helm.sh/chart"]
	}

	first := jupyterLaunch(t, name, "first-password-"+unique(""))
	if _, err := install(old, first, map[string]string{"API_KEY": "one"}, false, false); err != nil {
		t.Fatalf("Install 2.1.11: %v", err)
	}
	waitFor(t, p, ref, "ready", sdk.Release.Ready)

	// A dry run of the upgrade shows what it would apply and changes nothing.
	second := jupyterLaunch(t, name, "second-password-"+unique(""))
	before := settled(t, ns)
	dry, err := install(current, second, map[string]string{"API_KEY": "two"}, true, true)
	if err != nil {
		t.Fatalf("dry run of the upgrade to 2.5.2: %v", err)
	}
	if dry.Release.ChartVersion != "2.5.2" || dry.Release.Revision != 2 || !reflect.DeepEqual(dry.Release.Metadata, md) {
		t.Errorf("dry run: release %s revision %d, metadata %+v; want 2.5.2 revision 2 with the request's metadata", dry.Release.ChartVersion, dry.Release.Revision, dry.Release.Metadata)
	}
	if !strings.Contains(dry.Manifest, "helm.sh/chart: jupyter-python-2.5.2") || !strings.Contains(dry.Manifest, "kind: StatefulSet") {
		t.Errorf("dry run: the manifest is not 2.5.2's:\n%s", dry.Manifest)
	}
	if strings.Contains(dry.Manifest, "second-password-") || !strings.Contains(dry.Manifest, "PASSWORD: '********'") {
		t.Errorf("dry run: the manifest's Secret is not masked:\n%s", dry.Manifest)
	}
	if after := objects(t, ns); !maps.Equal(before, after) {
		t.Errorf("the dry run changed the namespace:\nbefore %v\nafter  %v", before, after)
	}
	if h, err := p.History(ctx, sdk.HistoryRequest{ReleaseRef: ref}); err != nil || len(h.Revisions) != 1 {
		t.Errorf("History after the dry run: %+v, %v; want 1 revision", h.Revisions, err)
	}
	if got := secretData(); got != "one" {
		t.Errorf("secret data after the dry run: %q, want it unchanged", got)
	}

	// The upgrade: a second revision, the secret data rewritten.
	if _, err := install(current, second, map[string]string{"API_KEY": "two"}, true, false); err != nil {
		t.Fatalf("Upgrade to 2.5.2: %v", err)
	}
	waitFor(t, p, ref, "upgraded and ready", func(r sdk.Release) bool { return r.Revision == 2 && r.Ready() })
	if got := chartLabel(); got != "jupyter-python-2.5.2" {
		t.Errorf("StatefulSet after the upgrade: chart %q", got)
	}
	if got := secretData(); got != "two" {
		t.Errorf("secret data after the upgrade: %q, want two", got)
	}
	h, err := p.History(ctx, sdk.HistoryRequest{ReleaseRef: ref})
	if err != nil || len(h.Revisions) != 2 {
		t.Fatalf("History after the upgrade: %+v, %v; want 2 revisions", h.Revisions, err)
	}
	if r := h.Revisions; r[0].Revision != 2 || r[0].ChartVersion != "2.5.2" || r[0].Status != "deployed" ||
		r[1].Revision != 1 || r[1].ChartVersion != "2.1.11" || r[1].Status != "superseded" || r[0].Description != "Upgrade complete" {
		t.Errorf("History after the upgrade: %+v", r)
	}

	// Renamed after the upgrade: the rollback keeps the metadata as it now is.
	friendly := "Renamed after the upgrade"
	if _, err := p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: ref, FriendlyName: &friendly}); err != nil {
		t.Fatal(err)
	}
	back, err := p.Rollback(ctx, sdk.RollbackRequest{ReleaseRef: ref, Revision: 1})
	if err != nil {
		t.Fatalf("Rollback to 1: %v", err)
	}
	if back.Release.ChartVersion != "2.1.11" || back.Release.Revision != 3 || back.Release.Metadata.FriendlyName != friendly || back.Release.Metadata.Owner != alice.Username {
		t.Errorf("Rollback to 1: %s revision %d, metadata %+v", back.Release.ChartVersion, back.Release.Revision, back.Release.Metadata)
	}
	waitFor(t, p, ref, "rolled back and ready", sdk.Release.Ready)
	if got := chartLabel(); got != "jupyter-python-2.1.11" {
		t.Errorf("StatefulSet after the rollback: chart %q, want 2.1.11's", got)
	}
	got, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref, Unmasked: true})
	if err != nil || !bytes.Contains(got.Values, []byte("first-password-")) || bytes.Contains(got.Values, []byte("second-password-")) {
		t.Errorf("values after the rollback: %s, %v; want revision 1's", got.Values, err)
	}
	earlier, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref, Revision: 2, Unmasked: true})
	if err != nil || !bytes.Contains(earlier.Values, []byte("second-password-")) || !strings.Contains(earlier.Manifest, "jupyter-python-2.5.2") {
		t.Errorf("revision 2 after the rollback: values %s, %v", earlier.Values, err)
	}
	if h, err = p.History(ctx, sdk.HistoryRequest{ReleaseRef: ref}); err != nil || len(h.Revisions) != 3 || h.Revisions[0].Description != "Rollback to 1" {
		t.Errorf("History after the rollback: %+v, %v", h.Revisions, err)
	}
	meta, err := client.CoreV1().Secrets(ns).Get(ctx, "sh.onyxia.release.v1."+name, metav1.GetOptions{})
	sum := sha256.Sum256(old)
	if err != nil || string(meta.Data["chartDigest"]) != hex.EncodeToString(sum[:]) || string(meta.Data["friendlyName"]) != friendly {
		t.Errorf("metadata Secret after the rollback: %q, %v; want 2.1.11's archive and the friendly name kept", meta.Data, err)
	}

	// Pausing re-renders the chart the release now runs, from a plugin just started.
	restarted, _ := newRegion(t, nil)
	if _, err := restarted.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend after the rollback: %v", err)
	}
	waitFor(t, p, ref, "suspended", func(r sdk.Release) bool { return r.Suspended })
	if h, err = p.History(ctx, sdk.HistoryRequest{ReleaseRef: ref}); err != nil || h.Revisions[0].ChartVersion != "2.1.11" {
		t.Errorf("History after pausing the rolled back release: %+v, %v; want 2.1.11 paused", h.Revisions, err)
	}

	// An upgrade without secret data deletes it.
	if _, err := install(current, second, nil, true, false); err != nil {
		t.Fatalf("Upgrade without secret data: %v", err)
	}
	if got := secretData(); !strings.Contains(got, "not found") {
		t.Errorf("secret data after an upgrade without it: %q, want it deleted", got)
	}
	// Helm's upgrade goes on after the call: closing the plugin on it would leave Helm's own
	// goroutine writing, and logging, after the test.
	waitFor(t, p, ref, "upgraded without secret data", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
}

// TestRollbackRefusals: a rollback of a release with one revision, or to a revision that
// never was, is not found; another member's unshared release is not found either.
func TestRollbackRefusals(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	group := unique("team-")
	alice := sdk.Caller{Username: unique("alice-"), Groups: []string{group}}
	carol := sdk.Caller{Username: unique("carol-"), Groups: []string{group}}
	project := sdk.Project{ID: "project-" + group, Group: group}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
		t.Fatal(err)
	}
	name := unique("jupyter-")
	if _, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: project, ReleaseName: name, Archive: bytes.NewReader(jupyterArchive(t)),
		Values: values(name), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username},
	}); err != nil {
		t.Fatal(err)
	}
	ref := sdk.ReleaseRef{Caller: alice, Project: project, Name: name}
	t.Cleanup(func() { _, _ = p.Uninstall(context.Background(), sdk.UninstallRequest{ReleaseRef: ref}) })
	waitFor(t, p, ref, "installed", func(r sdk.Release) bool { return r.Status != sdk.StatusPending })

	for _, c := range []struct {
		what string
		req  sdk.RollbackRequest
	}{
		{"Rollback of a release with one revision", sdk.RollbackRequest{ReleaseRef: ref}},
		{"Rollback to a revision that never was", sdk.RollbackRequest{ReleaseRef: ref, Revision: 7}},
		{"Rollback of another member's unshared release", sdk.RollbackRequest{ReleaseRef: sdk.ReleaseRef{Caller: carol, Project: project, Name: name}}},
	} {
		if _, err := p.Rollback(ctx, c.req); !isKind(err, sdk.ErrNotFound) {
			t.Errorf("%s: %v, want not found", c.what, err)
		}
	}
	if _, err := p.History(ctx, sdk.HistoryRequest{ReleaseRef: sdk.ReleaseRef{Caller: carol, Project: project, Name: name}}); !isKind(err, sdk.ErrNotFound) {
		t.Errorf("History of another member's unshared release: %v, want not found", err)
	}
	if _, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Caller: carol, Project: project, Name: name}, Unmasked: true}); !isKind(err, sdk.ErrNotFound) {
		t.Errorf("unmasked values of another member's unshared release: %v, want not found", err)
	}
	if h, err := p.History(ctx, sdk.HistoryRequest{ReleaseRef: ref}); err != nil || len(h.Revisions) != 1 {
		t.Errorf("History after refused rollbacks: %+v, %v; want the one revision", h.Revisions, err)
	}
}

func isKind(err, kind error) bool { return err != nil && sdk.KindOf(err) == kind }

// TestCappedHistoryKeepsWhatTheReleaseNeeds: with historyMax, Helm prunes the first record,
// which owned the metadata and the secret data; both move to the newest record first, and a
// rollback to the oldest revision kept still finds its chart archive.
func TestCappedHistoryKeepsWhatTheReleaseNeeds(t *testing.T) {
	p, client := newRegion(t, map[string]any{"historyMax": 2})
	ctx := t.Context()
	alice, project := personalProject(t, p, client)
	ns, name := project.ID, "jupyter-python-"+unique("")
	ref := sdk.ReleaseRef{Caller: alice, Project: project, Name: name}
	for i, version := range []string{"2.1.11", "2.3.19", "2.5.2"} {
		if _, err := p.Install(ctx, sdk.InstallRequest{
			Caller: alice, Project: project, ReleaseName: name, Archive: bytes.NewReader(jupyterVersion(t, version)),
			Values: values(name), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username},
			Upgrade: i > 0, SecretData: map[string]string{"API_KEY": version},
		}); err != nil {
			t.Fatalf("Install %s: %v", version, err)
		}
		waitFor(t, p, ref, version+" installed", func(r sdk.Release) bool { return r.Revision == i+1 && r.Status != sdk.StatusPending })
	}
	h, err := p.History(ctx, sdk.HistoryRequest{ReleaseRef: ref})
	if err != nil || len(h.Revisions) != 2 || h.Revisions[1].Revision != 2 {
		t.Fatalf("History with historyMax 2: %+v, %v; want revisions 3 and 2", h.Revisions, err)
	}
	// Helm prunes before it records the new revision: the owner is the newest record then.
	kept := "sh.helm.release.v1." + name + ".v2"
	for _, secret := range []string{"sh.onyxia.release.v1." + name, sdk.ReleaseSecretName(name)} {
		s, err := client.CoreV1().Secrets(ns).Get(ctx, secret, metav1.GetOptions{})
		if err != nil {
			t.Errorf("%s after revision 1 was pruned: %v", secret, err)
			continue
		}
		if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Name != kept {
			t.Errorf("%s: owners %+v, want the record kept %s", secret, s.OwnerReferences, kept)
		}
	}
	back, err := p.Rollback(ctx, sdk.RollbackRequest{ReleaseRef: ref})
	if err != nil || back.Release.ChartVersion != "2.3.19" {
		t.Fatalf("Rollback to revision 2: %+v, %v", back.Release, err)
	}
	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend after the rollback: %v", err)
	}
	waitFor(t, p, ref, "suspended", func(r sdk.Release) bool { return r.Suspended && r.ChartVersion == "2.3.19" })
}
