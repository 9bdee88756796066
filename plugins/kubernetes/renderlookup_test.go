package kubernetes_test

import (
	"context"
	"reflect"
	"testing"

	"helm.sh/helm/v3/pkg/engine"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
)

// TestRenderLookupAnswersAsHelms: the lookup of a prerendered install gives what Helm's gives,
// for objects and lists, namespaced or not, found or not; each call a copy of its own, which
// the template may change; and an error for a kind the cluster does not have (Helm then
// renders, and meets what it meets).
func TestRenderLookupAnswersAsHelms(t *testing.T) {
	conf, err := clientcmd.BuildConfigFromFlags("", testenv.Require(t).Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	client := k8s.NewForConfigOrDie(conf)
	ctx := t.Context()
	ns := unique("lookup-")
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{}) })
	for _, name := range []string{"one", "two"} {
		if _, err := client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, StringData: map[string]string{"k": name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	helms, ours := engine.NewLookupFunction(conf), kubernetes.RenderLookup(conf)
	for _, q := range [][4]string{
		{"v1", "Secret", ns, ""}, {"v1", "Secret", ns, "one"}, {"v1", "Secret", ns, "missing"},
		{"v1", "ConfigMap", ns, ""}, {"apps/v1", "Deployment", ns, ""}, {"apps/v1", "Deployment", ns, "missing"},
		{"v1", "Namespace", "", ns}, {"v1", "Namespace", ns, ns}, {"rbac.authorization.k8s.io/v1", "ClusterRole", "", "view"},
	} {
		want, err := helms(q[0], q[1], q[2], q[3])
		if err != nil {
			t.Fatalf("Helm's lookup %v: %v", q, err)
		}
		for i := range 2 { // the second from what the first read
			got, err := ours(q[0], q[1], q[2], q[3])
			if err != nil {
				t.Fatalf("lookup %v: %v", q, err)
			}
			if !reflect.DeepEqual(withoutListVersion(got), withoutListVersion(want)) {
				t.Errorf("lookup %v (call %d): %v, Helm's %v", q, i+1, got, want)
			}
			got["changed by the template"] = true
		}
	}
	if _, err := ours("v1", "NoSuchKind", ns, ""); err == nil {
		t.Error("a lookup of a kind the cluster does not have gave no error")
	}
}

// withoutListVersion is a lookup's answer less a list's resource version, which moves as anything in the
// cluster is written.
func withoutListVersion(content map[string]any) map[string]any {
	if _, ok := content["items"]; ok {
		if md, ok := content["metadata"].(map[string]any); ok {
			delete(md, "resourceVersion")
		}
	}
	return content
}
