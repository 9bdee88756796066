package kubernetes_test

import (
	"sync"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// TestConcurrentOnboardingsAllSucceed onboards a new project from several callers at once, as
// a launch racing the project's first listing does (the scale harness saw 409s, the
// RoleBinding "already exists"): each must succeed, whoever creates the objects first.
func TestConcurrentOnboardingsAllSucceed(t *testing.T) {
	for round := range 3 {
		p, client := newRegion(t, nil)
		user := sdk.Caller{Username: unique("race-")}
		project := sdk.Project{ID: "user-" + user.Username}
		dropNamespace(t, client, project.ID)
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = p.Onboard(t.Context(), sdk.OnboardRequest{Caller: user, Project: project})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, onboarding %d: %v", round, i, err)
			}
		}
	}
}
