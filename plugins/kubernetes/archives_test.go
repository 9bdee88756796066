package kubernetes_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/sdk"
)

// archiveOwnedBy waits for the ConfigMap that keeps a chart archive and is owned by a record.
func archiveOwnedBy(t *testing.T, client k8s.Interface, ns string, record types.UID) *corev1.ConfigMap {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		list, err := client.CoreV1().ConfigMaps(ns).List(t.Context(), metav1.ListOptions{LabelSelector: "basalt.dev/chart-archive"})
		if err != nil {
			t.Fatal(err)
		}
		for _, cm := range list.Items {
			if slices.ContainsFunc(cm.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == record }) {
				return &cm
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no chart archive ConfigMap owned by record %s after 30s: %d archives", record, len(list.Items))
		}
	}
}

// TestChartArchiveKeptOutOfTheSecrets installs Onyxia's jupyter-python: its chart archive is a
// ConfigMap owned by the release's record, and no Secret carries it (the library chart lists
// the namespace's Secrets a dozen times per render). An archive an earlier version kept as a
// Secret still serves: with the ConfigMap swapped for such a Secret, a plugin just started
// pauses the release, which re-renders the chart with its library subchart (Helm's record has
// none), and the new revision's archive is a ConfigMap again.
func TestChartArchiveKeptOutOfTheSecrets(t *testing.T) {
	p, client, ref := newJupyter(t)
	ctx := t.Context()
	alice, project, ns, name := ref.Caller, ref.Project, ref.Project.ID, ref.Name
	archive := jupyterArchive(t)
	_, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive), Values: values(name),
		Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username},
	})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	waitFor(t, p, ref, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	secrets := client.CoreV1().Secrets(ns)
	record, err := secrets.Get(ctx, "sh.helm.release.v1."+name+".v1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm := archiveOwnedBy(t, client, ns, record.UID)
	if !bytes.Equal(cm.BinaryData["chart.tgz"], archive) || !strings.HasPrefix(cm.Name, "basalt.chart.") {
		t.Errorf("archive ConfigMap %s: %d bytes, want the %d installed", cm.Name, len(cm.BinaryData["chart.tgz"]), len(archive))
	}
	list, err := secrets.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Items {
		if s.Type == "basalt.dev/chart-archive.v1" || strings.HasPrefix(s.Name, "basalt.chart.") {
			t.Errorf("Secret %s (%s) holds a chart archive", s.Name, s.Type)
		}
	}

	// As an earlier version kept it.
	old := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: cm.Name, Annotations: cm.Annotations, OwnerReferences: cm.OwnerReferences},
		Type:       "basalt.dev/chart-archive.v1",
		Data:       map[string][]byte{"chart.tgz": archive},
	}
	if _, err := secrets.Create(ctx, old, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().ConfigMaps(ns).Delete(ctx, cm.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	restarted, _ := newRegion(t, nil)
	if _, err := restarted.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend with the archive in a Secret: %v", err)
	}
	waitFor(t, p, ref, "suspended", func(r sdk.Release) bool { return r.Suspended && r.Status == sdk.StatusSuspended })
	second, err := secrets.Get(ctx, "sh.helm.release.v1."+name+".v2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if moved := archiveOwnedBy(t, client, ns, second.UID); !bytes.Equal(moved.BinaryData["chart.tgz"], archive) {
		t.Errorf("the paused revision's archive ConfigMap holds %d bytes, want %d", len(moved.BinaryData["chart.tgz"]), len(archive))
	}
}

// TestArchiveWrittenAgainAfterAFailure: a chart archive whose write the API server refuses (a
// quota of no more ConfigMaps, lifted a moment after the release is deployed) is written
// again, and owned by the release's record.
func TestArchiveWrittenAgainAfterAFailure(t *testing.T) {
	p, client := newRegion(t, nil)
	alice, project := personalProject(t, p, client)
	ctx, ns := t.Context(), project.ID
	quotas := client.CoreV1().ResourceQuotas(ns)
	if _, err := quotas.Create(ctx, &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "no-more-configmaps"},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/configmaps": resource.MustParse("0")}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	archive := webArchive(t)
	ref := installWeb(t, p, alice, project, archive)
	waitFor(t, p, ref, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	time.Sleep(300 * time.Millisecond)
	archives, err := client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: "basalt.dev/chart-archive"})
	if err != nil || len(archives.Items) != 0 {
		t.Fatalf("the quota did not refuse the archive: %d archives, %v", len(archives.Items), err)
	}
	if err := quotas.Delete(ctx, "no-more-configmaps", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	record, err := client.CoreV1().Secrets(ns).Get(ctx, "sh.helm.release.v1."+ref.Name+".v1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm := archiveOwnedBy(t, client, ns, record.UID); !bytes.Equal(cm.BinaryData["chart.tgz"], archive) {
		t.Errorf("archive ConfigMap %s: %d bytes, want the chart installed", cm.Name, len(cm.BinaryData["chart.tgz"]))
	}
}
