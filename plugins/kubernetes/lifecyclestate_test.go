package kubernetes_test

import (
	"bytes"
	"errors"
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
	alice, project, _ := teamMember()
	onboard(t, p, client, alice, project)
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

// An upgrade, dry run or real, that brings no lifecycle state shows and keeps the release's;
// one that brings some replaces it, as it replaces the rest of the metadata.
func TestLifecycleStateAcrossUpgrades(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	alice, project, _ := teamMember()
	onboard(t, p, client, alice, project)
	archive := webArchive(t)
	ref := installWeb(t, p, alice, project, archive)
	if _, err := p.UpdateRelease(ctx, sdk.UpdateReleaseRequest{ReleaseRef: ref, Lifecycle: map[string]string{"keepUntil": "friday"}}); err != nil {
		t.Fatalf("UpdateRelease: %v", err)
	}
	upgrade := func(dryRun bool, lifecycle map[string]string) map[string]string {
		t.Helper()
		resp, err := p.Install(ctx, sdk.InstallRequest{
			Caller: alice, Project: project, ReleaseName: ref.Name, Archive: bytes.NewReader(archive),
			Values: []byte(`{"global":{"suspend":false}}`), Upgrade: true, DryRun: dryRun,
			Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "web", Owner: alice.Username, Lifecycle: lifecycle},
		})
		if err != nil {
			t.Fatalf("Install (upgrade, dry run %v): %v", dryRun, err)
		}
		waitFor(t, p, ref, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
		return resp.Release.Metadata.Lifecycle
	}
	stored := func() map[string]string {
		got, err := p.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref})
		if err != nil {
			t.Fatalf("GetRelease: %v", err)
		}
		return got.Release.Metadata.Lifecycle
	}
	for _, dryRun := range []bool{true, false} {
		if shown := upgrade(dryRun, nil); shown["keepUntil"] != "friday" || len(shown) != 1 {
			t.Errorf("an upgrade (dry run %v) without lifecycle state answers %v, want the release's", dryRun, shown)
		}
		if kept := stored(); kept["keepUntil"] != "friday" || len(kept) != 1 {
			t.Errorf("after an upgrade (dry run %v) without lifecycle state, the release holds %v", dryRun, kept)
		}
	}
	if shown := upgrade(false, map[string]string{"notice": "suspend"}); shown["notice"] != "suspend" || len(shown) != 1 {
		t.Errorf("an upgrade with lifecycle state answers %v", shown)
	}
	if now := stored(); now["notice"] != "suspend" || len(now) != 1 {
		t.Errorf("after an upgrade with lifecycle state, the release holds %v, want only what it brought", now)
	}
	bad := map[string]string{"Bad-Key": "x"}
	_, err := p.Install(ctx, sdk.InstallRequest{
		Caller: alice, Project: project, ReleaseName: ref.Name, Archive: bytes.NewReader(archive), Upgrade: true,
		Metadata: sdk.ReleaseMetadata{Owner: alice.Username, Lifecycle: bad},
	})
	if !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("Install with lifecycle key %q: %v, want ErrInvalidArgument", "Bad-Key", err)
	}
}
