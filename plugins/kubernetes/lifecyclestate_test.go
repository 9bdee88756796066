package kubernetes_test

import (
	"fmt"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// Lifecycle state lives in the release's metadata Secret, one data key per state key beside
// Onyxia's, and writers of different keys at the same moment (the engine, the owner, another
// replica) all keep theirs.
func TestLifecycleStateWritersAtOnce(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	alice := sdk.Caller{Username: unique("alice-")}
	project := sdk.Project{ID: "user-" + alice.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	ref := installWeb(t, p, alice, project, webArchive(t))
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: ref, Lifecycle: map[string]string{fmt.Sprintf("writer%d", i): "here"}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("UpdateRelease by writer %d: %v", i, err)
		}
	}
	got, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref})
	if err != nil {
		t.Fatalf("GetRelease: %v", err)
	}
	if n := len(got.Release.Metadata.Lifecycle); n != writers {
		t.Errorf("after %d writers of a key each, the lifecycle state holds %d keys: %v", writers, n, got.Release.Metadata.Lifecycle)
	}
	secret, err := client.CoreV1().Secrets(project.ID).Get(ctx, "sh.onyxia.release.v1."+ref.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(secret.Data["lifecycle.writer3"]) != "here" || string(secret.Data["owner"]) != alice.Username {
		t.Errorf("metadata Secret data: %q", secret.Data)
	}
}
