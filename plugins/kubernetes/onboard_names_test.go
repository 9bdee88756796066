package kubernetes_test

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// Two people whose names differ only in case get two namespaces, each bound to its own person
// alone: before, the second joined the first's RoleBinding.
func TestOnboardKeepsNamesApart(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	lower := unique("alice-")
	upper := "A" + strings.TrimPrefix(lower, "a")
	namespaces := map[string]string{}
	for _, name := range []string{lower, upper} {
		resp, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: sdk.Caller{Username: name}, Project: sdk.Project{ID: "user-" + name}})
		if err != nil {
			t.Fatalf("Onboard %s: %v", name, err)
		}
		dropNamespace(t, client, resp.Namespace)
		namespaces[name] = resp.Namespace
	}
	if namespaces[lower] != "user-"+lower {
		t.Errorf("%s: namespace %q, want the simple name kept: user-%s", lower, namespaces[lower], lower)
	}
	if namespaces[lower] == namespaces[upper] {
		t.Fatalf("%s and %s share the namespace %s", lower, upper, namespaces[lower])
	}
	owners := map[string]bool{}
	for name, ns := range namespaces {
		rb, err := client.RbacV1().RoleBindings(ns).Get(ctx, "full_control_namespace", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(rb.Subjects) != 1 || rb.Subjects[0].Name != name {
			t.Errorf("namespace %s of %s is bound to %+v, want %s alone", ns, name, rb.Subjects, name)
		}
		got, err := client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		owner := got.Labels["onyxia_owner"]
		if owner == "" || owners[owner] {
			t.Errorf("namespace %s of %s has the owner label %q, want one of its own", ns, name, owner)
		}
		owners[owner] = true
	}
}

// Onboarding a group's project for someone outside the group is refused, and makes nothing.
func TestOnboardRefusesStrangers(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	group := unique("team-")
	project := sdk.Project{ID: "project-" + group, Group: group}
	dropNamespace(t, client, project.ID)
	stranger := sdk.Caller{Username: unique("dave-"), Groups: []string{unique("other-")}}
	_, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: stranger, Project: project})
	if !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Fatalf("Onboard of %s for a stranger: %v, want permission denied", group, err)
	}
	if _, err := client.CoreV1().Namespaces().Get(ctx, project.ID, metav1.GetOptions{}); err == nil {
		t.Errorf("the refused onboarding created the namespace %s", project.ID)
	}
	if _, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: stranger, Project: project}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("ListReleases of %s for a stranger: %v, want permission denied", group, err)
	}
}
