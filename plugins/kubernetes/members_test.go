package kubernetes_test

import (
	"errors"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// A person added to a group's project in Basalt is a subject of its RoleBinding and listed on
// its namespace, acts there as the group's members do (here impersonated, so the cluster's
// RBAC decides too), and is refused at their next call once removed; onboarding again keeps
// them. The group's subject and a subject an administrator added by hand stay.
func TestAddedMembers(t *testing.T) {
	p, client := newRegion(t, map[string]any{"access": map[string]any{"authenticationMode": kubernetes.ModeImpersonate}})
	ctx := t.Context()
	group := unique("team-")
	alice := sdk.Caller{Username: unique("alice-"), Groups: []string{group}}
	dave := sdk.Caller{Username: unique("dave-")}
	project := sdk.Project{ID: "project-" + group, Group: group}
	dropNamespace(t, client, project.ID)
	resp, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project})
	if err != nil {
		t.Fatal(err)
	}
	ns := resp.Namespace
	if _, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: dave, Project: project}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Fatalf("a stranger lists the group's services: %v, want permission denied", err)
	}
	byHand := rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "by-hand"}
	rb, err := client.RbacV1().RoleBindings(ns).Get(ctx, "full_control_namespace", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rb.Subjects = append(rb.Subjects, byHand)
	if _, err := client.RbacV1().RoleBindings(ns).Update(ctx, rb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	added, err := p.SetMembers(ctx, sdk.SetMembersRequest{Caller: alice, Project: project, Add: []string{dave.Username}})
	if err != nil || len(added.Members) != 1 || added.Members[0].By != alice.Username {
		t.Fatalf("SetMembers: %+v, %v", added, err)
	}
	got, _ := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if got.Annotations["basalt.dev/project-members"] == "" || got.Annotations["basalt.dev/project"] != project.ID || got.Annotations["basalt.dev/project-owner"] != group {
		t.Errorf("namespace annotations: %v", got.Annotations)
	}
	subjects := func() []string {
		rb, err := client.RbacV1().RoleBindings(ns).Get(ctx, "full_control_namespace", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, s := range rb.Subjects {
			out = append(out, s.Kind+":"+s.Name)
		}
		return out
	}
	if have := subjects(); !slices.Contains(have, "User:"+dave.Username) || !slices.Contains(have, "Group:"+group) || !slices.Contains(have, "User:by-hand") {
		t.Errorf("RoleBinding subjects with dave added: %v", have)
	}
	if _, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: dave, Project: project}); err != nil {
		t.Errorf("an added member lists the group's services: %v", err)
	}
	if _, err := p.Quota(ctx, sdk.QuotaRequest{Caller: dave, Project: project}); err != nil {
		t.Errorf("an added member reads the group's quota: %v", err)
	}
	// A RoleBinding remade without them (as onboarding does when its role changes): onboarding
	// gives the added members their subjects back.
	if err := client.RbacV1().RoleBindings(ns).Delete(ctx, "full_control_namespace", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
		t.Fatal(err)
	}
	if have := subjects(); !slices.Contains(have, "User:"+dave.Username) || !slices.Contains(have, "Group:"+group) {
		t.Errorf("RoleBinding subjects after onboarding remade it: %v", have)
	}
	rb, _ = client.RbacV1().RoleBindings(ns).Get(ctx, "full_control_namespace", metav1.GetOptions{})
	rb.Subjects = append(rb.Subjects, byHand)
	if _, err := client.RbacV1().RoleBindings(ns).Update(ctx, rb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	listed, err := p.Projects(ctx, sdk.ProjectsRequest{MembersOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(listed.Projects, func(r sdk.RegionProject) bool { return r.Namespace == ns })
	if i < 0 || listed.Projects[i].Project != project || len(listed.Projects[i].Members) != 1 || listed.Projects[i].Members[0].Username != dave.Username {
		t.Errorf("Projects after onboarding again: %+v", listed.Projects)
	}

	if _, err := p.SetMembers(ctx, sdk.SetMembersRequest{Caller: alice, Project: project, Remove: []string{dave.Username, "by-hand"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: dave, Project: project}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("a removed member lists the group's services: %v, want permission denied", err)
	}
	if have := subjects(); slices.Contains(have, "User:"+dave.Username) || !slices.Contains(have, "User:by-hand") || !slices.Contains(have, "Group:"+group) {
		t.Errorf("RoleBinding subjects with dave removed: %v, want the group's and the one added by hand kept", have)
	}
	if _, err := p.SetMembers(ctx, sdk.SetMembersRequest{Caller: alice, Project: sdk.Project{ID: "project-" + unique("none-"), Group: unique("none-")}, Add: []string{dave.Username}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("SetMembers on a project never opened: %v, want not found", err)
	}
}
