package kubernetes_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// onKwok pins Onyxia's jupyter chart to the test environment's kwok nodes.
const onKwok = `{"global":{"suspend":false},"resources":{"requests":{"cpu":"100m","memory":"256Mi"}},"nodeSelector":{"type":"kwok"}}`

// TestSimulatedRelease: a release whose pods run on kwok nodes is simulated; one pod of it on
// a node without kwok's annotation makes it real, and its going makes it simulated again. A
// region configured with no annotation calls nothing simulated.
func TestSimulatedRelease(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	alice := sdk.Caller{Username: unique("alice-")}
	project := sdk.Project{ID: "user-" + alice.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	name := "jupyter-" + unique("")
	ref := sdk.ReleaseRef{Caller: alice, Project: project, Name: name}
	_, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: project, ReleaseName: name, Archive: strings.NewReader(string(jupyterArchive(t))),
		Values: []byte(onKwok), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username}, Timeout: time.Minute,
	})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	waitFor(t, p, ref, "ready on kwok and simulated", func(r sdk.Release) bool { return r.Ready() && r.Simulated })
	list, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: alice, Project: project})
	if i := slices.IndexFunc(list.Releases, func(r sdk.Release) bool { return r.Name == name }); err != nil || i < 0 || !list.Releases[i].Simulated {
		t.Errorf("ListReleases: %+v, %v; want %s simulated", list.Releases, err, name)
	}
	if _, ok := fleetRelease(t, p, project.ID, name, func(f sdk.FleetRelease) bool { return f.Release.Simulated }); !ok {
		t.Errorf("Fleet does not say %s is simulated", name)
	}

	// A node no kubelet runs and kwok does not manage stands for a real one: a pod bound to
	// it by name is scheduled there, and nothing else is (its taint).
	node := unique("basalt-real-")
	_, err = client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: node},
		Spec:       corev1.NodeSpec{Taints: []corev1.Taint{{Key: "basalt.dev/test", Effect: corev1.TaintEffectNoSchedule}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating node %s: %v", node, err)
	}
	t.Cleanup(func() { _ = client.CoreV1().Nodes().Delete(context.Background(), node, metav1.DeleteOptions{}) })
	requests := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}
	pod, err := client.CoreV1().Pods(project.ID).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-real", Labels: map[string]string{"app.kubernetes.io/instance": name}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{
			Name: "main", Image: "registry.invalid/none", Resources: corev1.ResourceRequirements{Requests: requests, Limits: requests},
		}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating a pod of %s on %s: %v", name, node, err)
	}
	waitFor(t, p, ref, "real with a pod on a real node", func(r sdk.Release) bool { return !r.Simulated })
	if err := client.CoreV1().Pods(project.ID).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatalf("deleting pod %s: %v", pod.Name, err)
	}
	waitFor(t, p, ref, "simulated again", func(r sdk.Release) bool { return r.Simulated })

	off, _ := newRegion(t, map[string]any{"simulatedNodeAnnotation": ""})
	got, err := off.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref})
	if err != nil || got.Release.Simulated {
		t.Errorf("GetRelease with no annotation configured: simulated %v, %v; want false", got.Release.Simulated, err)
	}
}
