package kubernetes

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// A read of one release waits for the caches to show that release's writes, not those of the
// namespace's other releases; a listing waits for all of them.
func TestReadsWaitForTheirOwnWrites(t *testing.T) {
	secrets := func() cache.SharedIndexInformer {
		return cache.NewSharedIndexInformer(&cache.ListWatch{}, &corev1.Secret{}, 0, cache.Indexers{})
	}
	inf := &informersOf{releases: secrets(), metas: secrets()}
	sp := &space{name: "user-alice", writes: map[string]string{}}
	sp.wrote(metadataName("other"), "7") // the lifecycle engine wrote another release's state
	sp.wrote(helmRecord("mine", 2), "5")

	wait := func(concerns func(string) bool) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		sp.awaitWrites(ctx, inf, concerns)
		return ctx.Err() != nil // waited until the context ended
	}
	if !wait(secretsOf("mine")) {
		t.Errorf("a read of mine did not wait for its own record, not yet in the caches")
	}
	if err := inf.releases.GetStore().Add(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "user-alice", Name: helmRecord("mine", 2), ResourceVersion: "5"}}); err != nil {
		t.Fatal(err)
	}
	if wait(secretsOf("mine")) {
		t.Errorf("a read of mine waited for another release's write")
	}
	if !wait(nil) {
		t.Errorf("a listing did not wait for the other release's write")
	}
	if wait(secretsOf("minecraft")) || !secretsOf("mine")(helmRecord("mine", 12)) || secretsOf("mine")(helmRecord("minecraft", 1)) {
		t.Errorf("release names are told apart by their records' names")
	}
}
