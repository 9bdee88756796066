package kubernetes_test

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// TestInstallMeetsObjectsThatExist: an install bets that its objects do not exist and lets
// their creation settle the bet; when it loses, Helm's check decides as it did. A Secret made
// by hand with the name of jupyter-python's password Secret is refused, by a launch and by its
// dry run, nothing recorded, nothing of the release left and the Secret as it was; once the
// Secret says it belongs to that release (Helm's labels and annotations), the launch adopts it.
func TestInstallMeetsObjectsThatExist(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	user, project := personalProject(t, p, client)
	rel := unique("taken-")
	secrets := client.CoreV1().Secrets(project.ID)
	name := rel + "-jupyter-python-secrettoken"
	_, err := secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		StringData: map[string]string{"PASSWORD": "by hand"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	install := func(dryRun bool) error {
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: user, Project: project, ReleaseName: rel, Archive: bytes.NewReader(jupyterArchive(t)),
			Values: values(rel), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: user.Username},
			DryRun: dryRun,
		})
		return err
	}
	for _, dryRun := range []bool{true, false} {
		if err := install(dryRun); err == nil || !strings.Contains(err.Error(), "exists and cannot be imported") {
			t.Errorf("Install (dry run %v) over a Secret made by hand: %v, want the conflict refused", dryRun, err)
		}
	}
	records, err := secrets.List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + rel})
	if err != nil || len(records.Items) != 0 {
		t.Errorf("records of the refused release: %d, %v; want none", len(records.Items), err)
	}
	// What the lost bet created is taken back.
	instance := metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + rel}
	for kind, count := range map[string]func() (int, error){
		"ServiceAccount": func() (int, error) {
			l, err := client.CoreV1().ServiceAccounts(project.ID).List(ctx, instance)
			if err != nil {
				return 0, err
			}
			return len(l.Items), nil
		},
		"Service": func() (int, error) {
			l, err := client.CoreV1().Services(project.ID).List(ctx, instance)
			if err != nil {
				return 0, err
			}
			return len(l.Items), nil
		},
		"Secret": func() (int, error) {
			l, err := secrets.List(ctx, instance)
			if err != nil {
				return 0, err
			}
			return len(l.Items), nil
		},
	} {
		if n, err := count(); err != nil || n != 0 {
			t.Errorf("%ss of the refused release left: %d, %v", kind, n, err)
		}
	}
	byHand, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if err != nil || string(byHand.Data["PASSWORD"]) != "by hand" || len(byHand.Labels) != 0 {
		t.Fatalf("the Secret made by hand after the refusal: %v", err)
	}

	byHand.Labels = map[string]string{"app.kubernetes.io/managed-by": "Helm"}
	byHand.Annotations = map[string]string{"meta.helm.sh/release-name": rel, "meta.helm.sh/release-namespace": project.ID}
	if _, err := secrets.Update(ctx, byHand, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := install(false); err != nil {
		t.Fatalf("Install over a Secret of the same release: %v", err)
	}
	waitFor(t, p, sdk.ReleaseRef{Caller: user, Project: project, Name: rel}, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	adopted, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(adopted.Data["PASSWORD"]) != "changeme" || adopted.Labels["app.kubernetes.io/instance"] != rel {
		t.Errorf("the adopted Secret: password %q, labels %v; want the chart's", adopted.Data["PASSWORD"], adopted.Labels)
	}
}
