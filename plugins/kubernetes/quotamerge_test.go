package kubernetes_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/sdk"
)

// An administrator's kubectl edit of one key of a project's quota survives onboarding, which
// still sets the others to the region's (changed) configuration; a key set in Basalt is kept
// the same way, and given back it is the region's again.
func TestQuotaMergedPerKey(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	erin := sdk.Caller{Username: unique("erin-")}
	project := sdk.Project{ID: "user-" + erin.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: erin, Project: project}); err != nil {
		t.Fatal(err)
	}
	quotas := client.CoreV1().ResourceQuotas(project.ID)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		q, err := quotas.Get(ctx, "basalt-quota", metav1.GetOptions{})
		if err != nil {
			return err
		}
		q.Spec.Hard["requests.cpu"] = resource.MustParse("3") // kubectl edit, no marker
		_, err = quotas.Update(ctx, q, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The region's quota changes; another replica's plugin onboards the project again.
	changed, _ := newRegion(t, map[string]any{"quotas": map[string]any{
		"user": map[string]string{"requests.cpu": "10", "requests.memory": "20Gi", "count/pods": "60", "limits.memory": "40Gi"},
	}})
	onboard := func() corev1.ResourceList {
		t.Helper()
		if _, err := changed.Onboard(ctx, sdk.OnboardRequest{Caller: erin, Project: project}); err != nil {
			t.Fatal(err)
		}
		q, err := quotas.Get(ctx, "basalt-quota", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return q.Spec.Hard
	}
	hard := onboard()
	want := map[string]string{"requests.cpu": "3", "requests.memory": "20Gi", "count/pods": "60", "limits.memory": "40Gi"}
	for k, v := range want {
		if q := hard[corev1.ResourceName(k)]; q.Cmp(resource.MustParse(v)) != 0 {
			t.Errorf("after onboarding, %s is %s, want %s (hard: %v)", k, q.String(), v, hard)
		}
	}
	listed, err := changed.Projects(ctx, sdk.ProjectsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(listed.Projects, func(r sdk.RegionProject) bool { return r.Project.ID == project.ID })
	if i < 0 || !slices.Equal(listed.Projects[i].QuotaSetByHand, []string{"requests.cpu"}) || listed.Projects[i].Owner != erin.Username || listed.Projects[i].Quota.Hard["requests.cpu"] != "3" {
		t.Fatalf("Projects: %+v, want requests.cpu 3 set by hand", listed.Projects)
	}

	// Set in Basalt, a key is kept the same way; given back, it is the region's again.
	if _, err := changed.SetQuota(ctx, sdk.SetQuotaRequest{Project: project, Hard: map[string]string{"requests.memory": "1Gi"}}); err != nil {
		t.Fatal(err)
	}
	hard = onboard()
	if q := hard["requests.memory"]; q.String() != "1Gi" {
		t.Errorf("a key set in Basalt after onboarding: %s, want 1Gi", q.String())
	}
	set, err := changed.SetQuota(ctx, sdk.SetQuotaRequest{Project: project, Hard: map[string]string{"requests.memory": "", "requests.cpu": ""}})
	if err != nil {
		t.Fatal(err)
	}
	if set.Quota.Hard["requests.memory"] != "20Gi" || set.Quota.Hard["requests.cpu"] != "10" {
		t.Errorf("keys given back: %v, want the region's 20Gi and 10", set.Quota.Hard)
	}
	listed, _ = changed.Projects(ctx, sdk.ProjectsRequest{})
	i = slices.IndexFunc(listed.Projects, func(r sdk.RegionProject) bool { return r.Project.ID == project.ID })
	if i < 0 || len(listed.Projects[i].QuotaSetByHand) != 0 {
		t.Errorf("Projects after giving keys back: %+v, want none set by hand", listed.Projects[i])
	}
}
