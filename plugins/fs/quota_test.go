package fs_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// write writes body to bucket/key, announcing its size or not (-1, a streamed upload).
func write(t *testing.T, s sdk.Storage, c sdk.Caller, bucket, key, body string, announce bool) error {
	t.Helper()
	size := int64(-1)
	if announce {
		size = int64(len(body))
	}
	_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: c, Object: sdk.ObjectRef{Bucket: bucket, Key: key}, Size: size, Body: strings.NewReader(body)})
	return err
}

// overQuota fails the test unless err refuses a write for the bucket's quota, saying so.
func overQuota(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), "quota of 100 bytes") {
		t.Errorf("%s: %v, want a refusal naming the quota of 100 bytes", what, err)
	}
}

// TestQuota fills buckets up to quotaBytes: a write that would go over it is refused,
// announced or streamed, copied or replacing an object, and leaves the old object and no
// temporary file; other buckets have their own quota.
func TestQuota(t *testing.T) {
	s, root := client(t, map[string]any{"quotaBytes": 100})
	alices := filepath.Join(root, "user-alice")
	put(t, s, alice, "user-alice", "a", strings.Repeat("a", 60))

	overQuota(t, "an announced write over the quota", write(t, s, alice, "user-alice", "b", strings.Repeat("b", 41), true))
	overQuota(t, "a streamed write over the quota", write(t, s, alice, "user-alice", "b", strings.Repeat("b", 41), false))
	_, err := s.Copy(t.Context(), sdk.CopyObjectRequest{Caller: alice, Source: sdk.ObjectRef{Bucket: "user-alice", Key: "a"}, Destination: sdk.ObjectRef{Bucket: "user-alice", Key: "copy"}})
	overQuota(t, "a copy over the quota", err)
	noFileBut(t, alices, "a")

	// Up to the quota is fine; replacing an object counts the new size, not both.
	put(t, s, alice, "user-alice", "b", strings.Repeat("b", 40))
	put(t, s, alice, "user-alice", "a", strings.Repeat("A", 60))
	overQuota(t, "a replacement over the quota", write(t, s, alice, "user-alice", "a", strings.Repeat("x", 61), false))
	if got, _ := os.ReadFile(filepath.Join(alices, "a")); string(got) != strings.Repeat("A", 60) {
		t.Errorf("the object after a refused replacement: %q, want the old content", got)
	}
	noFileBut(t, alices, "a", "b")

	// Another user's bucket, and a group's, have quotas of their own.
	put(t, s, bob, "user-bob", "big", strings.Repeat("b", 100))
	put(t, s, alice, "project-data-team", "big", strings.Repeat("t", 100))

	// Deleting makes room again.
	if _, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "b"}}); err != nil {
		t.Fatal(err)
	}
	put(t, s, alice, "user-alice", "c", strings.Repeat("c", 40))
}

// TestQuotaConcurrentWrites starts writes together whose sum is over the quota: the bytes
// in flight count, so no more than the quota lands on disk.
func TestQuotaConcurrentWrites(t *testing.T) {
	s, root := client(t, map[string]any{"quotaBytes": 100})
	var wg sync.WaitGroup
	var mu sync.Mutex
	written := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A body that arrives in pieces keeps the writes in flight together.
			body := io.MultiReader(strings.NewReader(strings.Repeat("x", 20)), strings.NewReader(strings.Repeat("y", 10)))
			_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "f" + string(rune('0'+i))}, Size: -1, Body: body})
			if err == nil {
				mu.Lock()
				written += 30
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if written == 0 || written > 100 {
		t.Errorf("%d bytes written by concurrent writes under a quota of 100", written)
	}
	var onDisk int64
	_ = filepath.Walk(filepath.Join(root, "user-alice"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			onDisk += fi.Size()
		}
		return nil
	})
	if onDisk > 100 {
		t.Errorf("%d bytes on disk under a quota of 100", onDisk)
	}
}
