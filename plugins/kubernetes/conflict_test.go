package kubernetes_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/plugins/kubernetes"
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
	if left := objectsOf(t, client, project.ID, rel); len(left) != 0 {
		t.Errorf("objects of the refused release left: %v", left)
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

// TestTwinLaunchesMakeOneWholeRelease: the same service launched twice at the same moment,
// through two instances of the plugin (two replicas of the core), makes one release, with
// every object its chart renders: the launch whose record is refused is told the name is
// taken, and what it created meanwhile is taken back without taking any of the other's.
func TestTwinLaunchesMakeOneWholeRelease(t *testing.T) {
	p, client := newRegion(t, nil)
	twin, _ := newRegion(t, nil)
	ctx := t.Context()
	user, project := personalProject(t, p, client)
	launch := func(via *kubernetes.Plugin, name string) error {
		_, err := via.Install(ctx, sdk.InstallRequest{
			Caller: user, Project: project, ReleaseName: name, Archive: bytes.NewReader(jupyterArchive(t)),
			Values: values(name), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: user.Username},
		})
		return err
	}
	deployedRelease := func(name string) {
		waitFor(t, p, sdk.ReleaseRef{Caller: user, Project: project, Name: name}, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	}
	alone := unique("alone-")
	if err := launch(p, alone); err != nil {
		t.Fatal(err)
	}
	deployedRelease(alone)
	want := objectsOf(t, client, project.ID, alone)
	if len(want) < 3 {
		t.Fatalf("a launch alone made %v: too few kinds to compare", want)
	}

	const pairs = 5
	errs := make([][2]error, pairs)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range pairs {
		for j, via := range []*kubernetes.Plugin{p, twin} {
			wg.Go(func() {
				<-start
				errs[i][j] = launch(via, fmt.Sprintf("twin-%d", i))
			})
		}
	}
	close(start)
	wg.Wait()
	for i, pair := range errs {
		name := fmt.Sprintf("twin-%d", i)
		won := 0
		for _, err := range pair {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, sdk.ErrAlreadyExists):
				t.Errorf("a launch of %s: %v, want success or the name taken", name, err)
			}
		}
		if won != 1 {
			t.Fatalf("%s: %d launches of the pair succeeded (%v), want 1", name, won, pair)
		}
		deployedRelease(name)
	}
	time.Sleep(2 * kubernetes.TwinTakeBack) // the losers' take-backs, and their retries, are over
	for i := range pairs {
		name := fmt.Sprintf("twin-%d", i)
		if got := objectsOf(t, client, project.ID, name); !maps.Equal(got, want) {
			t.Errorf("%s's objects: %v, want as a launch alone: %v", name, got, want)
		}
		records, err := client.CoreV1().Secrets(project.ID).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + name})
		if err != nil || len(records.Items) != 1 {
			t.Errorf("%s: %d records, %v; want one", name, len(records.Items), err)
		}
	}
}

// objectsOf counts, by kind, the objects of the kinds jupyter-python renders that carry a
// release's instance label.
func objectsOf(t *testing.T, client k8s.Interface, ns, release string) map[string]int {
	t.Helper()
	ctx := t.Context()
	instance := metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + release}
	lists := map[string]func() (runtime.Object, error){
		"ServiceAccount": func() (runtime.Object, error) { return client.CoreV1().ServiceAccounts(ns).List(ctx, instance) },
		"Service":        func() (runtime.Object, error) { return client.CoreV1().Services(ns).List(ctx, instance) },
		"Secret":         func() (runtime.Object, error) { return client.CoreV1().Secrets(ns).List(ctx, instance) },
		"ConfigMap":      func() (runtime.Object, error) { return client.CoreV1().ConfigMaps(ns).List(ctx, instance) },
		"StatefulSet":    func() (runtime.Object, error) { return client.AppsV1().StatefulSets(ns).List(ctx, instance) },
		"Ingress":        func() (runtime.Object, error) { return client.NetworkingV1().Ingresses(ns).List(ctx, instance) },
	}
	found := map[string]int{}
	for kind, list := range lists {
		l, err := list()
		if err != nil {
			t.Fatalf("listing %ss of %s: %v", kind, release, err)
		}
		if n := meta.LenList(l); n > 0 {
			found[kind] = n
		}
	}
	return found
}
