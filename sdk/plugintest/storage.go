package plugintest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// StorageSetup is what the storage kit needs from the implementation under test.
type StorageSetup struct {
	// Storage is the configured implementation.
	Storage sdk.Storage
	// Connected says Storage already is a client across the plugin wire (a subprocess the
	// test started); the kit then uses it as is instead of connecting to it in-process.
	Connected bool
	// Caller is the user the kit acts as; Project defaults to the caller's personal project.
	Caller  sdk.Caller
	Project sdk.Project
	// Prefix is where the kit may write. When zero, the kit uses the caller's Home. The kit
	// works under a fresh sub-prefix of it and removes what it wrote.
	Prefix sdk.ObjectRef
	// Other, when set, is a second user who must see nothing of Caller's files: for stores
	// that isolate users.
	Other *sdk.Caller
}

// LargeObjectSize is the size of the body the kit streams through the plugin, large enough
// to span many messages of the wire.
const LargeObjectSize = 32 << 20

// TestStorage runs the storage conformance kit. setup is called once per subtest.
func TestStorage(t *testing.T, setup func(t *testing.T) StorageSetup) {
	run := func(name string, test func(t *testing.T, k *storageKit)) {
		t.Run(name, func(t *testing.T) { test(t, newStorageKit(t, setup(t))) })
	}
	run("Info", func(t *testing.T, k *storageKit) { testBase(t, sdk.KindStorage, k.s) })
	run("Home", testStorageHome)
	run("RoundTrip", testStorageRoundTrip)
	run("NotFound", testStorageNotFound)
	run("ListFolders", testStorageListFolders)
	run("Pagination", testStoragePagination)
	run("ListRecursive", testStorageListRecursive)
	run("RangeRead", testStorageRangeRead)
	run("LargeBody", testStorageLargeBody)
	run("WriteBodyFails", testStorageWriteBodyFails)
	run("WriteCancelled", testStorageWriteCancelled)
	run("Delete", testStorageDelete)
	run("DeletePrefix", testStorageDeletePrefix)
	run("CopyMove", testStorageCopyMove)
	run("ConcurrentWrites", testStorageConcurrentWrites)
	run("Presign", testStoragePresign)
	run("PublicPrefix", testStoragePublicPrefix)
	run("Credentials", testStorageCredentials)
	run("Isolation", testStorageIsolation)
}

type storageKit struct {
	s       sdk.Storage
	setup   StorageSetup
	ctx     context.Context
	project sdk.Project
	root    sdk.ObjectRef // the kit's own prefix, ending in "/"
}

func newStorageKit(t *testing.T, setup StorageSetup) *storageKit {
	t.Helper()
	if setup.Storage == nil {
		t.Fatal("plugintest: StorageSetup.Storage is nil")
	}
	k := &storageKit{s: setup.Storage, setup: setup, ctx: testContext(t), project: setup.Project}
	if !setup.Connected {
		k.s = ConnectStorage(t, setup.Storage)
	}
	if k.project.ID == "" {
		k.project = sdk.Project{ID: "user-" + setup.Caller.Username}
	}
	base := setup.Prefix
	if base.Bucket == "" {
		home, err := k.s.Home(k.ctx, sdk.HomeRequest{Caller: setup.Caller, Project: k.project})
		if err != nil {
			t.Fatalf("Home: %v", err)
		}
		base = home.Home
	}
	if base.Key != "" && !strings.HasSuffix(base.Key, "/") {
		base.Key += "/"
	}
	k.root = sdk.ObjectRef{Bucket: base.Bucket, Key: base.Key + unique("plugintest-") + "/"}
	t.Cleanup(func() {
		// A fresh context: the test's own is done by now.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = k.s.Delete(ctx, sdk.DeleteObjectRequest{Caller: setup.Caller, Object: k.root, Recursive: true})
	})
	return k
}

func (k *storageKit) ref(key string) sdk.ObjectRef {
	return sdk.ObjectRef{Bucket: k.root.Bucket, Key: k.root.Key + key}
}

func (k *storageKit) put(t *testing.T, key string, body []byte) sdk.ObjectInfo {
	t.Helper()
	resp, err := k.s.Write(k.ctx, sdk.WriteObjectRequest{
		Caller: k.setup.Caller, Object: k.ref(key), Size: int64(len(body)),
		ContentType: "application/octet-stream", Body: bytes.NewReader(body),
	})
	if err != nil {
		t.Fatalf("Write %s: %v", key, err)
	}
	return resp.Object
}

func (k *storageKit) get(t *testing.T, ref sdk.ObjectRef) []byte {
	t.Helper()
	resp, err := k.s.Read(k.ctx, sdk.ReadObjectRequest{Caller: k.setup.Caller, Object: ref})
	if err != nil {
		t.Fatalf("Read %s: %v", ref.Key, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("Read %s: body: %v", ref.Key, err)
	}
	return data
}

func (k *storageKit) wantMissing(t *testing.T, ref sdk.ObjectRef) {
	t.Helper()
	_, err := k.s.Stat(k.ctx, sdk.StatObjectRequest{Caller: k.setup.Caller, Object: ref})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Stat %s: got %v, want ErrNotFound", ref.Key, err)
	}
}

// listAll lists every page under prefix and returns the object keys and folder keys relative
// to the kit's root, with the number of pages.
func (k *storageKit) listAll(t *testing.T, prefix string, recursive bool, pageSize int) (objects, folders []string, pages int) {
	t.Helper()
	token := ""
	for {
		resp, err := k.s.List(k.ctx, sdk.ListObjectsRequest{
			Caller: k.setup.Caller, Prefix: k.ref(prefix), Recursive: recursive, PageSize: pageSize, PageToken: token,
		})
		if err != nil {
			t.Fatalf("List %q (page %d): %v", prefix, pages+1, err)
		}
		pages++
		if pageSize > 0 && len(resp.Objects)+len(resp.Folders) > pageSize {
			t.Errorf("List %q: page %d has %d entries, more than the page size %d", prefix, pages, len(resp.Objects)+len(resp.Folders), pageSize)
		}
		for _, o := range resp.Objects {
			objects = append(objects, strings.TrimPrefix(o.Ref.Key, k.root.Key))
		}
		for _, f := range resp.Folders {
			if !strings.HasSuffix(f.Key, "/") {
				t.Errorf("List %q: folder %q does not end in /", prefix, f.Key)
			}
			folders = append(folders, strings.TrimPrefix(f.Key, k.root.Key))
		}
		if resp.NextPageToken == "" {
			return objects, folders, pages
		}
		if resp.NextPageToken == token {
			t.Fatalf("List %q: the page token %q does not advance", prefix, token)
		}
		if pages > 1000 {
			t.Fatalf("List %q: more than 1000 pages", prefix)
		}
		token = resp.NextPageToken
	}
}

func wantSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func testStorageHome(t *testing.T, k *storageKit) {
	home, err := k.s.Home(k.ctx, sdk.HomeRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("Home: %v", err)
	}
	if home.Home.Bucket == "" {
		t.Errorf("Home: no bucket in %+v", home.Home)
	}
	if home.Home.Key != "" && !strings.HasSuffix(home.Home.Key, "/") {
		t.Errorf("Home: the prefix %q does not end in /", home.Home.Key)
	}
	again, err := k.s.Home(k.ctx, sdk.HomeRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil || again.Home != home.Home {
		t.Errorf("Home is not stable: %+v then %+v (%v)", home.Home, again.Home, err)
	}
	if k.setup.Other != nil {
		other, err := k.s.Home(k.ctx, sdk.HomeRequest{Caller: *k.setup.Other, Project: sdk.Project{ID: "user-" + k.setup.Other.Username}})
		if err != nil {
			t.Fatalf("Home of the other user: %v", err)
		}
		if other.Home == home.Home {
			t.Errorf("Home: two users share the home %+v", home.Home)
		}
	}
}

func testStorageRoundTrip(t *testing.T, k *storageKit) {
	body := []byte("hello, basalt\n")
	before := time.Now().Add(-time.Minute)
	resp, err := k.s.Write(k.ctx, sdk.WriteObjectRequest{
		Caller: k.setup.Caller, Object: k.ref("dir/hello.txt"), Size: int64(len(body)),
		ContentType: "text/plain", Metadata: map[string]string{"origin": "plugintest"}, Body: bytes.NewReader(body),
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if resp.Object.Ref != k.ref("dir/hello.txt") || resp.Object.Size != int64(len(body)) {
		t.Errorf("Write: got %+v, want %s with size %d", resp.Object, k.ref("dir/hello.txt").Key, len(body))
	}
	stat, err := k.s.Stat(k.ctx, sdk.StatObjectRequest{Caller: k.setup.Caller, Object: k.ref("dir/hello.txt")})
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	o := stat.Object
	if o.Ref != k.ref("dir/hello.txt") || o.Size != int64(len(body)) {
		t.Errorf("Stat: got ref %+v size %d, want %s size %d", o.Ref, o.Size, k.ref("dir/hello.txt").Key, len(body))
	}
	if !strings.HasPrefix(o.ContentType, "text/plain") {
		t.Errorf("Stat: content type %q, want text/plain", o.ContentType)
	}
	if o.Metadata["origin"] != "plugintest" {
		t.Errorf("Stat: metadata %v, want origin=plugintest", o.Metadata)
	}
	if o.LastModified.Before(before) || o.LastModified.After(time.Now().Add(time.Minute)) {
		t.Errorf("Stat: last modified %v is not around now", o.LastModified)
	}
	if o.ETag == "" {
		t.Errorf("Stat: no ETag")
	}
	read, err := k.s.Read(k.ctx, sdk.ReadObjectRequest{Caller: k.setup.Caller, Object: k.ref("dir/hello.txt")})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	got, err := io.ReadAll(read.Body)
	read.Body.Close()
	if err != nil {
		t.Fatalf("Read: body: %v", err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("Read: got %q, want %q", got, body)
	}
	if read.Object.Size != int64(len(body)) {
		t.Errorf("Read: object size %d, want %d", read.Object.Size, len(body))
	}

	// Overwriting replaces the content as a whole.
	k.put(t, "dir/hello.txt", []byte("bye"))
	if got := k.get(t, k.ref("dir/hello.txt")); string(got) != "bye" {
		t.Errorf("Read after overwrite: got %q, want %q", got, "bye")
	}
	// An empty object is an object.
	k.put(t, "empty", nil)
	if stat, err := k.s.Stat(k.ctx, sdk.StatObjectRequest{Caller: k.setup.Caller, Object: k.ref("empty")}); err != nil || stat.Object.Size != 0 {
		t.Errorf("Stat of an empty object: %+v, %v", stat.Object, err)
	}
}

func testStorageNotFound(t *testing.T, k *storageKit) {
	missing := k.ref("no/such/object")
	k.wantMissing(t, missing)
	_, err := k.s.Read(k.ctx, sdk.ReadObjectRequest{Caller: k.setup.Caller, Object: missing})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Read of a missing object: got %v, want ErrNotFound", err)
	}
	_, err = k.s.Copy(k.ctx, sdk.CopyObjectRequest{Caller: k.setup.Caller, Source: missing, Destination: k.ref("copy")})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Copy of a missing object: got %v, want ErrNotFound", err)
	}
	k.wantMissing(t, k.ref("copy"))
	// A prefix holding nothing is an empty folder, not an error.
	objects, folders, _ := k.listAll(t, "no/such/folder/", false, 0)
	if len(objects)+len(folders) != 0 {
		t.Errorf("List of an empty prefix: got %q and %q", objects, folders)
	}
	// A bucket that does not exist, or is not the caller's, is hidden or refused.
	_, err = k.s.Stat(k.ctx, sdk.StatObjectRequest{Caller: k.setup.Caller, Object: sdk.ObjectRef{Bucket: unique("plugintest-nobucket-"), Key: "x"}})
	wantKind(t, "Stat in a missing bucket", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
}

func testStorageListFolders(t *testing.T, k *storageKit) {
	for _, key := range []string{"top.txt", "a/1", "a/2", "a/sub/3", "b/4"} {
		k.put(t, key, []byte(key))
	}
	objects, folders, _ := k.listAll(t, "", false, 0)
	wantSet(t, "List of the root: objects", objects, []string{"top.txt"})
	wantSet(t, "List of the root: folders", folders, []string{"a/", "b/"})
	objects, folders, _ = k.listAll(t, "a/", false, 0)
	wantSet(t, "List of a/: objects", objects, []string{"a/1", "a/2"})
	wantSet(t, "List of a/: folders", folders, []string{"a/sub/"})

	resp, err := k.s.List(k.ctx, sdk.ListObjectsRequest{Caller: k.setup.Caller, Prefix: k.ref("a/")})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, o := range resp.Objects {
		if o.Size != int64(len(strings.TrimPrefix(o.Ref.Key, k.root.Key))) || o.Ref.Bucket != k.root.Bucket {
			t.Errorf("List: %+v has the wrong size or bucket", o)
		}
	}
}

func testStoragePagination(t *testing.T, k *storageKit) {
	var want []string
	for i := range 25 {
		key := fmt.Sprintf("page/%02d", i)
		k.put(t, key, []byte{byte(i)})
		want = append(want, key)
	}
	objects, folders, pages := k.listAll(t, "page/", false, 10)
	if pages != 3 {
		t.Errorf("List of 25 objects by 10: %d pages, want 3", pages)
	}
	if len(folders) != 0 {
		t.Errorf("List: unexpected folders %q", folders)
	}
	if len(objects) != len(want) {
		t.Errorf("List: %d objects over the pages, want %d (each exactly once)", len(objects), len(want))
	}
	wantSet(t, "List by pages", objects, want)

	// Recursive listing pages the same way.
	objects, _, pages = k.listAll(t, "", true, 7)
	if len(objects) != 25 || pages != 4 {
		t.Errorf("Recursive list by 7: %d objects in %d pages, want 25 in 4", len(objects), pages)
	}
}

func testStorageListRecursive(t *testing.T, k *storageKit) {
	keys := []string{"r/1", "r/a/2", "r/a/b/3", "r/a/b/c/4", "rr/5"}
	for _, key := range keys {
		k.put(t, key, []byte(key))
	}
	objects, folders, _ := k.listAll(t, "r/", true, 0)
	wantSet(t, "Recursive list of r/", objects, keys[:4])
	if len(folders) != 0 {
		t.Errorf("Recursive list: folders %q, want none", folders)
	}
}

func testStorageRangeRead(t *testing.T, k *storageKit) {
	body := []byte("0123456789abcdefghij")
	k.put(t, "range", body)
	for _, tc := range []struct {
		offset, length int64
		want           string
	}{
		{0, 5, "01234"},
		{10, 6, "abcdef"},
		{15, 0, "fghij"},
		{19, 1, "j"},
	} {
		resp, err := k.s.Read(k.ctx, sdk.ReadObjectRequest{Caller: k.setup.Caller, Object: k.ref("range"), Offset: tc.offset, Length: tc.length})
		if err != nil {
			t.Errorf("Read at %d for %d: %v", tc.offset, tc.length, err)
			continue
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(got) != tc.want {
			t.Errorf("Read at %d for %d: got %q (%v), want %q", tc.offset, tc.length, got, err, tc.want)
		}
	}
}

// patternReader yields n deterministic pseudo-random bytes without holding them.
type patternReader struct {
	rng *rand.ChaCha8
	n   int64
}

func newPatternReader(seed byte, n int64) *patternReader {
	return &patternReader{rng: rand.NewChaCha8([32]byte{seed}), n: n}
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.n {
		p = p[:r.n]
	}
	n, _ := r.rng.Read(p)
	r.n -= int64(n)
	return n, nil
}

func testStorageLargeBody(t *testing.T, k *storageKit) {
	sum := sha256.New()
	for _, size := range []int64{LargeObjectSize, -1} { // known, then unknown size
		sum.Reset()
		key := fmt.Sprintf("large-%d", size)
		resp, err := k.s.Write(k.ctx, sdk.WriteObjectRequest{
			Caller: k.setup.Caller, Object: k.ref(key), Size: size,
			Body: io.TeeReader(newPatternReader(7, LargeObjectSize), sum),
		})
		if err != nil {
			t.Fatalf("Write of %d bytes (size %d): %v", LargeObjectSize, size, err)
		}
		if resp.Object.Size != LargeObjectSize {
			t.Errorf("Write: size %d, want %d", resp.Object.Size, LargeObjectSize)
		}
		want := sum.Sum(nil)
		read, err := k.s.Read(k.ctx, sdk.ReadObjectRequest{Caller: k.setup.Caller, Object: k.ref(key)})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		sum.Reset()
		n, err := io.Copy(sum, read.Body)
		read.Body.Close()
		if err != nil {
			t.Fatalf("Read: body after %d bytes: %v", n, err)
		}
		if n != LargeObjectSize || !bytes.Equal(sum.Sum(nil), want) {
			t.Errorf("Read: %d bytes with sha256 %x, want %d bytes with sha256 %x", n, sum.Sum(nil), LargeObjectSize, want)
		}
	}
	// Closing a body half read ends the stream without draining it.
	read, err := k.s.Read(k.ctx, sdk.ReadObjectRequest{Caller: k.setup.Caller, Object: k.ref("large-33554432")})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if _, err := io.CopyN(io.Discard, read.Body, 1<<20); err != nil {
		t.Errorf("Read: first MiB: %v", err)
	}
	if err := read.Body.Close(); err != nil {
		t.Errorf("Close of a half-read body: %v", err)
	}
}

// failingReader yields n bytes, then fails.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

var errBodyBroken = errors.New("plugintest: the body broke half way")

func testStorageWriteBodyFails(t *testing.T, k *storageKit) {
	body := &failingReader{r: newPatternReader(1, 4<<20), err: errBodyBroken}
	_, err := k.s.Write(k.ctx, sdk.WriteObjectRequest{Caller: k.setup.Caller, Object: k.ref("broken"), Size: 8 << 20, Body: body})
	if err == nil {
		t.Fatal("Write with a body that fails half way: no error")
	}
	k.wantMissing(t, k.ref("broken"))

	// Over an existing object, a failed write keeps the old content whole.
	k.put(t, "kept", []byte("old content"))
	body = &failingReader{r: newPatternReader(2, 4<<20), err: errBodyBroken}
	if _, err := k.s.Write(k.ctx, sdk.WriteObjectRequest{Caller: k.setup.Caller, Object: k.ref("kept"), Size: -1, Body: body}); err == nil {
		t.Fatal("Write with a body that fails half way: no error")
	}
	if got := k.get(t, k.ref("kept")); string(got) != "old content" {
		t.Errorf("after a failed overwrite: got %d bytes, want the old content", len(got))
	}
	wantNoneEventually(t, k, "broken")
}

// cancellingReader yields n bytes, then cancels the call's context and waits for it to end,
// as a client that goes away mid-upload does.
type cancellingReader struct {
	r      io.Reader
	cancel context.CancelFunc
	ctx    context.Context
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err == io.EOF {
		c.cancel()
		<-c.ctx.Done()
		return 0, c.ctx.Err()
	}
	return n, err
}

func testStorageWriteCancelled(t *testing.T, k *storageKit) {
	ctx, cancel := context.WithCancel(k.ctx)
	defer cancel()
	body := &cancellingReader{r: newPatternReader(3, 4<<20), cancel: cancel, ctx: ctx}
	done := make(chan error, 1)
	go func() {
		_, err := k.s.Write(ctx, sdk.WriteObjectRequest{Caller: k.setup.Caller, Object: k.ref("cancelled"), Size: 8 << 20, Body: body})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Write whose context is cancelled half way: no error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Write whose context is cancelled half way did not return within 30s")
	}
	k.wantMissing(t, k.ref("cancelled"))
	wantNoneEventually(t, k, "cancelled")
}

// wantNoneEventually checks, a moment later, that an aborted write did not land late.
func wantNoneEventually(t *testing.T, k *storageKit, key string) {
	t.Helper()
	time.Sleep(200 * time.Millisecond)
	k.wantMissing(t, k.ref(key))
	objects, _, _ := k.listAll(t, "", true, 0)
	if slices.Contains(objects, key) {
		t.Errorf("List: the aborted object %q is listed", key)
	}
}

func testStorageDelete(t *testing.T, k *storageKit) {
	k.put(t, "gone", []byte("x"))
	k.put(t, "stays", []byte("y"))
	resp, err := k.s.Delete(k.ctx, sdk.DeleteObjectRequest{Caller: k.setup.Caller, Object: k.ref("gone")})
	if err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if resp.Deleted != 1 {
		t.Errorf("Delete of one object: deleted %d, want 1", resp.Deleted)
	}
	k.wantMissing(t, k.ref("gone"))
	if got := k.get(t, k.ref("stays")); string(got) != "y" {
		t.Errorf("Delete removed or changed a neighbour: %q", got)
	}
	// Deleting what is already gone is not an error.
	if _, err := k.s.Delete(k.ctx, sdk.DeleteObjectRequest{Caller: k.setup.Caller, Object: k.ref("gone")}); err != nil {
		t.Errorf("Delete of a missing object: %v, want no error", err)
	}
}

func testStorageDeletePrefix(t *testing.T, k *storageKit) {
	doomed := []string{"tree/1", "tree/2", "tree/a/3", "tree/a/b/4", "tree/c/5"}
	for _, key := range append(slices.Clone(doomed), "tree-sibling/6", "treetop") {
		k.put(t, key, []byte(key))
	}
	resp, err := k.s.Delete(k.ctx, sdk.DeleteObjectRequest{Caller: k.setup.Caller, Object: k.ref("tree/"), Recursive: true})
	if err != nil {
		t.Fatalf("Delete of a prefix: %v", err)
	}
	if resp.Deleted != int64(len(doomed)) {
		t.Errorf("Delete of a prefix: deleted %d, want %d", resp.Deleted, len(doomed))
	}
	objects, _, _ := k.listAll(t, "", true, 0)
	wantSet(t, "after deleting tree/", objects, []string{"tree-sibling/6", "treetop"})
}

func testStorageCopyMove(t *testing.T, k *storageKit) {
	k.put(t, "src", []byte("payload"))
	resp, err := k.s.Copy(k.ctx, sdk.CopyObjectRequest{Caller: k.setup.Caller, Source: k.ref("src"), Destination: k.ref("copies/dst")})
	if err != nil {
		t.Fatalf("Copy: %v", err)
	}
	if resp.Object.Ref != k.ref("copies/dst") || resp.Object.Size != int64(len("payload")) {
		t.Errorf("Copy: got %+v", resp.Object)
	}
	if got := k.get(t, k.ref("copies/dst")); string(got) != "payload" {
		t.Errorf("Copy: destination holds %q", got)
	}
	if got := k.get(t, k.ref("src")); string(got) != "payload" {
		t.Errorf("Copy: source now holds %q", got)
	}
	if _, err := k.s.Copy(k.ctx, sdk.CopyObjectRequest{Caller: k.setup.Caller, Source: k.ref("src"), Destination: k.ref("moved"), RemoveSource: true}); err != nil {
		t.Fatalf("Move: %v", err)
	}
	k.wantMissing(t, k.ref("src"))
	if got := k.get(t, k.ref("moved")); string(got) != "payload" {
		t.Errorf("Move: destination holds %q", got)
	}
}

func testStorageConcurrentWrites(t *testing.T, k *storageKit) {
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			body := bytes.Repeat([]byte{byte(i)}, 64<<10+i)
			_, err := k.s.Write(k.ctx, sdk.WriteObjectRequest{
				Caller: k.setup.Caller, Object: k.ref(fmt.Sprintf("par/%02d", i)), Size: int64(len(body)), Body: bytes.NewReader(body),
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Write: %v", err)
		}
	}
	for i := range n {
		got := k.get(t, k.ref(fmt.Sprintf("par/%02d", i)))
		if !bytes.Equal(got, bytes.Repeat([]byte{byte(i)}, 64<<10+i)) {
			t.Errorf("concurrent Write %d: read back %d bytes that differ", i, len(got))
		}
	}
}

func testStoragePresign(t *testing.T, k *storageKit) {
	k.put(t, "shared.txt", []byte("share me"))
	for _, method := range []string{"GET", "PUT"} {
		before := time.Now()
		resp, err := k.s.Presign(k.ctx, sdk.PresignRequest{Caller: k.setup.Caller, Object: k.ref("shared.txt"), Method: method, Expiry: 10 * time.Minute})
		skipUnimplemented(t, "Presign", err)
		if err != nil {
			t.Fatalf("Presign %s: %v", method, err)
		}
		if resp.URL == "" {
			t.Errorf("Presign %s: empty URL", method)
		} else if _, err := url.Parse(resp.URL); err != nil {
			t.Errorf("Presign %s: %q is not a URL: %v", method, resp.URL, err)
		}
		if !resp.ExpiresAt.After(before) || resp.ExpiresAt.After(before.Add(10*time.Minute+time.Minute)) {
			t.Errorf("Presign %s: expires at %v, want about 10 minutes after %v", method, resp.ExpiresAt, before)
		}
	}
	_, err := k.s.Presign(k.ctx, sdk.PresignRequest{Caller: k.setup.Caller, Object: k.ref("shared.txt"), Method: "DELETE", Expiry: time.Minute})
	wantKind(t, "Presign DELETE", err, sdk.ErrInvalidArgument)
}

func testStoragePublicPrefix(t *testing.T, k *storageKit) {
	k.put(t, "pub/file", []byte("x"))
	prefix := k.ref("pub/")
	_, err := k.s.SetPrefixPolicy(k.ctx, sdk.SetPrefixPolicyRequest{Caller: k.setup.Caller, Prefix: prefix, Public: true})
	skipUnimplemented(t, "SetPrefixPolicy", err)
	if err != nil {
		t.Fatalf("SetPrefixPolicy public: %v", err)
	}
	t.Cleanup(func() {
		_, _ = k.s.SetPrefixPolicy(context.Background(), sdk.SetPrefixPolicyRequest{Caller: k.setup.Caller, Prefix: prefix, Public: false})
	})
	public := func() []sdk.ObjectRef {
		resp, err := k.s.ListPublicPrefixes(k.ctx, sdk.ListPublicPrefixesRequest{Caller: k.setup.Caller, Bucket: prefix.Bucket})
		if err != nil {
			t.Fatalf("ListPublicPrefixes: %v", err)
		}
		return resp.Prefixes
	}
	if got := public(); !slices.Contains(got, prefix) {
		t.Errorf("ListPublicPrefixes after making %s public: %+v", prefix.Key, got)
	}
	if _, err := k.s.SetPrefixPolicy(k.ctx, sdk.SetPrefixPolicyRequest{Caller: k.setup.Caller, Prefix: prefix, Public: false}); err != nil {
		t.Fatalf("SetPrefixPolicy private: %v", err)
	}
	if got := public(); slices.Contains(got, prefix) {
		t.Errorf("ListPublicPrefixes after making %s private again: %+v", prefix.Key, got)
	}
}

func testStorageCredentials(t *testing.T, k *storageKit) {
	resp, err := k.s.Credentials(k.ctx, sdk.CredentialsRequest{Caller: k.setup.Caller, Project: k.project, Duration: time.Hour})
	skipUnimplemented(t, "Credentials", err)
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	if resp.AccessKeyID == "" || resp.SecretAccessKey == "" || resp.Endpoint == "" {
		t.Errorf("Credentials: access key, secret key and endpoint must be set (got key %q, endpoint %q)", resp.AccessKeyID, resp.Endpoint)
	}
	if !resp.Expiration.IsZero() && !resp.Expiration.After(time.Now()) {
		t.Errorf("Credentials: already expired at %v", resp.Expiration)
	}
}

func testStorageIsolation(t *testing.T, k *storageKit) {
	if k.setup.Other == nil {
		t.Skip("StorageSetup.Other is not set: this store does not isolate users")
	}
	other := *k.setup.Other
	k.put(t, "private", []byte("mine"))
	_, err := k.s.Stat(k.ctx, sdk.StatObjectRequest{Caller: other, Object: k.ref("private")})
	wantKind(t, "Stat by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	_, err = k.s.Read(k.ctx, sdk.ReadObjectRequest{Caller: other, Object: k.ref("private")})
	wantKind(t, "Read by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	resp, err := k.s.List(k.ctx, sdk.ListObjectsRequest{Caller: other, Prefix: k.root, Recursive: true})
	if err == nil && len(resp.Objects) > 0 {
		t.Errorf("List by another user shows %d objects", len(resp.Objects))
	} else if err != nil {
		wantKind(t, "List by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	}
	_, err = k.s.Write(k.ctx, sdk.WriteObjectRequest{Caller: other, Object: k.ref("intruder"), Size: 1, Body: strings.NewReader("x")})
	wantKind(t, "Write by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	k.wantMissing(t, k.ref("intruder"))
	_, err = k.s.Delete(k.ctx, sdk.DeleteObjectRequest{Caller: other, Object: k.ref("private")})
	wantKind(t, "Delete by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	_, err = k.s.Copy(k.ctx, sdk.CopyObjectRequest{Caller: other, Source: k.ref("private"), Destination: k.ref("stolen")})
	wantKind(t, "Copy by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	if got := k.get(t, k.ref("private")); string(got) != "mine" {
		t.Errorf("the owner's object changed: %q", got)
	}
}
