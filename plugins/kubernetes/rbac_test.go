package kubernetes_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// leastPrivilege is every cluster-wide right the plugin needs with authenticationMode
// serviceAccount (the README lists it): onboarding gives the plugin ClusterRole admin in each
// project namespace, which covers Helm, the caches, logs and events there.
var leastPrivilege = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "create", "update"}},
	{APIGroups: []string{""}, Resources: []string{"resourcequotas"}, Verbs: []string{"get", "list", "create", "update"}},
	{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"rolebindings"}, Verbs: []string{"get", "create"}},
	{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}, Verbs: []string{"bind"}, ResourceNames: []string{"admin"}},
}

// TestLeastPrivilege runs a service's whole life as a service account that holds only
// leastPrivilege.
func TestLeastPrivilege(t *testing.T) {
	env := testenv.Require(t)
	_, admin := newRegion(t, nil)
	ctx := t.Context()
	p, _ := newRegion(t, map[string]any{"kubeconfig": leastPrivilegeKubeconfig(t, env, admin)})
	alice := sdk.Caller{Username: unique("alice-")}
	project := sdk.Project{ID: "user-" + alice.Username}
	dropNamespace(t, admin, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	rel := "jupyter-" + unique("")
	ref := sdk.ReleaseRef{Caller: alice, Project: project, Name: rel}
	_, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: project, ReleaseName: rel, Archive: strings.NewReader(string(jupyterArchive(t))),
		Values: values(rel), Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: alice.Username}, Timeout: time.Minute,
	})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	// Without the right to list nodes, no service is said to run on simulated ones.
	if rel := waitFor(t, p, ref, "ready", sdk.Release.Ready); rel.Simulated {
		t.Errorf("%s is simulated for a plugin that may not read nodes", rel.Name)
	}
	// Reading the Service and its EndpointSlices comes with admin.
	if b, err := p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref}); err != nil || len(b.Backends) != 1 || b.Backends[0].Port != 8888 {
		t.Errorf("Backends: %+v, %v, want the notebook's route", b.Backends, err)
	}
	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	if _, err := p.Resume(ctx, sdk.ResumeRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	if err := p.Events(ctx, sdk.EventsRequest{ReleaseRef: ref}, func(sdk.Event) error { return nil }); err != nil {
		t.Errorf("Events: %v", err)
	}
	if _, err := p.Quota(ctx, sdk.QuotaRequest{Caller: alice, Project: project}); err != nil {
		t.Errorf("Quota: %v", err)
	}
	if _, ok := fleetRelease(t, p, project.ID, rel, func(f sdk.FleetRelease) bool { return f.Release.Metadata.Owner == alice.Username }); !ok {
		t.Errorf("Fleet does not list %s of %s", rel, alice.Username)
	}
	if _, err := p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: ref}); err != nil {
		t.Errorf("Uninstall: %v", err)
	}
}

// leastPrivilegeKubeconfig makes a service account that holds only leastPrivilege
// cluster-wide, removed when t ends, and returns a kubeconfig that acts as it.
func leastPrivilegeKubeconfig(t testing.TB, env *testenv.Env, admin k8s.Interface) string {
	t.Helper()
	ctx := t.Context()
	name := unique("basalt-region-")
	sa, err := admin.CoreV1().ServiceAccounts("default").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: leastPrivilege}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "default", Name: sa.Name}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bg := context.Background()
		_ = admin.RbacV1().ClusterRoleBindings().Delete(bg, name, metav1.DeleteOptions{})
		_ = admin.RbacV1().ClusterRoles().Delete(bg, name, metav1.DeleteOptions{})
		_ = admin.CoreV1().ServiceAccounts("default").Delete(bg, name, metav1.DeleteOptions{})
	})
	return serviceAccountKubeconfig(t, env, admin, "default", sa.Name)
}
