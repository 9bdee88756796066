package fs_test

import (
	"bytes"
	"errors"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/plugins/fs"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// client returns a configured store over a fresh root, through the plugin wire, and the
// root.
func client(t *testing.T, cfg map[string]any) (sdk.Storage, string) {
	t.Helper()
	s, root := newStore(t, cfg)
	return plugintest.ConnectStorage(t, s), root
}

func put(t *testing.T, s sdk.Storage, c sdk.Caller, bucket, key, body string) {
	t.Helper()
	_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: c, Object: sdk.ObjectRef{Bucket: bucket, Key: key}, Size: int64(len(body)), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("Write %s/%s: %v", bucket, key, err)
	}
}

// refused fails the test unless err is one of kinds.
func refused(t *testing.T, what string, err error, kinds ...error) {
	t.Helper()
	for _, k := range kinds {
		if errors.Is(err, k) {
			return
		}
	}
	t.Errorf("%s: got %v, want one of %v", what, err, kinds)
}

// tryAll attempts every call that takes an object on ref and checks each is refused.
func tryAll(t *testing.T, s sdk.Storage, c sdk.Caller, ref sdk.ObjectRef, kinds ...error) {
	t.Helper()
	ctx := t.Context()
	_, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: c, Object: ref})
	refused(t, "Stat "+ref.Key, err, kinds...)
	_, err = s.Read(ctx, sdk.ReadObjectRequest{Caller: c, Object: ref})
	refused(t, "Read "+ref.Key, err, kinds...)
	_, err = s.Write(ctx, sdk.WriteObjectRequest{Caller: c, Object: ref, Size: 5, Body: strings.NewReader("pwned")})
	refused(t, "Write "+ref.Key, err, kinds...)
	_, err = s.Copy(ctx, sdk.CopyObjectRequest{Caller: c, Source: ref, Destination: sdk.ObjectRef{Bucket: "user-" + c.Username, Key: "stolen"}})
	refused(t, "Copy from "+ref.Key, err, kinds...)
	_, err = s.Copy(ctx, sdk.CopyObjectRequest{Caller: c, Source: sdk.ObjectRef{Bucket: "user-" + c.Username, Key: "bait"}, Destination: ref})
	refused(t, "Copy to "+ref.Key, err, kinds...)
	_, err = s.Presign(ctx, sdk.PresignRequest{Caller: c, Object: ref, Method: "GET", Expiry: time.Minute})
	refused(t, "Presign "+ref.Key, err, kinds...)
}

// noFileBut fails the test if dir holds a file other than the allowed names.
func noFileBut(t *testing.T, dir string, allowed ...string) {
	t.Helper()
	for _, p := range leftovers(dir, allowed...) {
		t.Errorf("unexpected file %s", p)
	}
}

// leftovers lists the files under dir other than the allowed names.
func leftovers(dir string, allowed ...string) []string {
	var found []string
	_ = filepath.WalkDir(dir, func(p string, d iofs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !slicesContains(allowed, d.Name()) {
			found = append(found, p)
		}
		return nil
	})
	return found
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestEscapingKeys tries keys that a file system would read as somewhere else.
func TestEscapingKeys(t *testing.T) {
	s, root := client(t, nil)
	outside := t.TempDir()
	put(t, s, alice, "user-alice", "bait", "bait")
	put(t, s, bob, "user-bob", "secret", "bob's")
	for _, key := range []string{
		"..", "../user-bob/secret", "a/../../user-bob/secret", "a/..", "./bait", "a/./b",
		"/etc/passwd", "/" + outside + "/x", "a//b", "a\x00b", "bait\x00", "a/\x00/b",
		".basalt-upload-0123", "dir/.basalt-upload-x",
		strings.Repeat("n", 251), strings.Repeat("a/", 520) + "b",
	} {
		tryAll(t, s, alice, sdk.ObjectRef{Bucket: "user-alice", Key: key}, sdk.ErrInvalidArgument)
	}
	for _, prefix := range []string{"../", "../user-bob/", "/", "a/../", "a\x00/", "a//"} {
		_, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: prefix}, Recursive: true})
		refused(t, "List "+prefix, err, sdk.ErrInvalidArgument)
		_, err = s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: prefix}, Recursive: true})
		refused(t, "Delete "+prefix, err, sdk.ErrInvalidArgument)
		_, err = s.SetPrefixPolicy(t.Context(), sdk.SetPrefixPolicyRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: prefix}, Public: true})
		refused(t, "SetPrefixPolicy "+prefix, err, sdk.ErrInvalidArgument)
	}
	noFileBut(t, outside)
	if got, _ := os.ReadFile(filepath.Join(root, "user-bob", "secret")); string(got) != "bob's" {
		t.Errorf("bob's file now holds %q", got)
	}
}

// TestOtherBuckets tries every call on buckets the caller does not own, existing or not,
// and bucket names that would lead elsewhere: all are not found, the same answer whether
// the bucket exists or not.
func TestOtherBuckets(t *testing.T) {
	s, root := client(t, nil)
	put(t, s, bob, "user-bob", "secret", "bob's")
	put(t, s, bob, "project-other-team", "plan", "team's")
	put(t, s, alice, "user-alice", "bait", "bait")
	for _, bucket := range []string{"user-bob", "project-other-team", "user-nobody", "..", ".", "", ".basalt", "user-alice/../user-bob", "/", root, "user-alice/sub"} {
		ref := sdk.ObjectRef{Bucket: bucket, Key: "secret"}
		tryAll(t, s, alice, ref, sdk.ErrNotFound)
		ctx := t.Context()
		_, err := s.List(ctx, sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: bucket}, Recursive: true})
		refused(t, "List "+bucket, err, sdk.ErrNotFound)
		_, err = s.Delete(ctx, sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: bucket}, Recursive: true})
		refused(t, "Delete "+bucket, err, sdk.ErrNotFound)
		_, err = s.SetPrefixPolicy(ctx, sdk.SetPrefixPolicyRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: bucket}, Public: true})
		refused(t, "SetPrefixPolicy "+bucket, err, sdk.ErrNotFound)
		_, err = s.ListPublicPrefixes(ctx, sdk.ListPublicPrefixesRequest{Caller: alice, Bucket: bucket})
		refused(t, "ListPublicPrefixes "+bucket, err, sdk.ErrNotFound)
	}
	_, err := s.Home(t.Context(), sdk.HomeRequest{Caller: alice, Project: sdk.Project{ID: "project-other-team", Group: "other-team"}})
	refused(t, "Home of another group", err, sdk.ErrNotFound)
	// Names that are no file name have no bucket.
	for _, c := range []sdk.Caller{{Username: "../bob"}, {Username: "a/b"}, {Username: ".."}, {Username: "x\x00"}} {
		_, err := s.Home(t.Context(), sdk.HomeRequest{Caller: c, Project: sdk.Project{ID: "user-x"}})
		refused(t, "Home of "+c.Username, err, sdk.ErrInvalidArgument)
	}
	evil := sdk.Caller{Username: "mallory", Groups: []string{"../user-bob", "..", "a/b"}}
	_, err = s.Stat(t.Context(), sdk.StatObjectRequest{Caller: evil, Object: sdk.ObjectRef{Bucket: "project-../user-bob", Key: "secret"}})
	refused(t, "Stat through a group named ../user-bob", err, sdk.ErrNotFound)
	if _, err := s.Stat(t.Context(), sdk.StatObjectRequest{Caller: sdk.Caller{}, Object: sdk.ObjectRef{Bucket: "user-", Key: "x"}}); !errors.Is(err, sdk.ErrUnauthenticated) {
		t.Errorf("a call without a caller: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "user-bob", "secret")); string(got) != "bob's" {
		t.Errorf("bob's file now holds %q", got)
	}
}

// TestSymlinks plants symbolic links in a bucket, as someone with access to the machine
// could: to a folder and a file outside the root, to another user's bucket, and a whole
// bucket replaced by a link. None is followed, read through, written through or listed.
func TestSymlinks(t *testing.T) {
	s, root := client(t, nil)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	put(t, s, alice, "user-alice", "bait", "bait")
	put(t, s, alice, "user-alice", "dir/file", "mine")
	put(t, s, bob, "user-bob", "secret", "bob's")
	alices := filepath.Join(root, "user-alice")
	for link, target := range map[string]string{
		"out":         outside,
		"outfile":     filepath.Join(outside, "secret"),
		"bob":         filepath.Join(root, "user-bob"),
		"bobrel":      "../user-bob",
		"dir/up":      "../../user-bob",
		"dir/passwd":  "/etc/passwd",
		"inside":      "dir",
		"insidefile":  "dir/file",
		"dangling":    filepath.Join(outside, "nothing"),
		"dir/selfref": ".",
	} {
		if err := os.Symlink(target, filepath.Join(alices, link)); err != nil {
			t.Fatal(err)
		}
	}
	// A group's bucket that is a link to bob's.
	if err := os.Symlink(filepath.Join(root, "user-bob"), filepath.Join(root, "project-data-team")); err != nil {
		t.Fatal(err)
	}

	for _, key := range []string{"out/secret", "outfile", "bob/secret", "bobrel/secret", "dir/up/secret", "dir/passwd", "inside/file", "insidefile", "dangling", "dir/selfref/file"} {
		tryAll(t, s, alice, sdk.ObjectRef{Bucket: "user-alice", Key: key}, sdk.ErrNotFound, sdk.ErrConflict)
	}
	tryAll(t, s, alice, sdk.ObjectRef{Bucket: "project-data-team", Key: "secret"}, sdk.ErrNotFound)
	for _, prefix := range []string{"out/", "bob/", "inside/", "dir/up/"} {
		resp, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: prefix}, Recursive: true})
		if err != nil || len(resp.Objects)+len(resp.Folders) != 0 {
			t.Errorf("List %s: %+v, %v; want nothing", prefix, resp, err)
		}
	}
	resp, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice"}, Recursive: true})
	if err != nil || len(resp.Objects) != 2 || resp.Objects[0].Ref.Key != "bait" || resp.Objects[1].Ref.Key != "dir/file" {
		t.Errorf("recursive List of the bucket: %+v, %v; want bait and dir/file only", resp.Objects, err)
	}
	resp, err = s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice"}})
	if err != nil || len(resp.Objects) != 1 || len(resp.Folders) != 1 {
		t.Errorf("List of the bucket: %+v, %v; want bait and dir/", resp, err)
	}
	_, err = s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "project-data-team"}, Recursive: true})
	refused(t, "List of a bucket that is a link", err, sdk.ErrNotFound)

	// Deleting everything removes the links, never what they point to.
	del, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice"}, Recursive: true})
	if err != nil || del.Deleted != 2 {
		t.Errorf("Delete of the whole bucket: %+v, %v; want 2 objects", del, err)
	}
	if got, _ := os.ReadFile(filepath.Join(outside, "secret")); string(got) != "outside" {
		t.Errorf("the file outside holds %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "user-bob", "secret")); string(got) != "bob's" {
		t.Errorf("bob's file holds %q", got)
	}
	noFileBut(t, outside, "secret")
	if entries, _ := os.ReadDir(alices); len(entries) != 0 {
		t.Errorf("alice's bucket still holds %d entries", len(entries))
	}
}

// TestConfigure checks the configuration's rules and the store before it.
func TestConfigure(t *testing.T) {
	s := fs.New(nil)
	if _, err := s.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "x"}}); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("a call before Configure: %v, want ErrUnavailable", err)
	}
	root := t.TempDir()
	for name, tc := range map[string]struct {
		cfg   string
		field string
	}{
		"no root":          {`{}`, "root"},
		"prefix of other":  {`{"root": "` + root + `", "userPrefix": "p", "groupPrefix": "p-"}`, "groupPrefix"},
		"same prefixes":    {`{"root": "` + root + `", "userPrefix": "u-", "groupPrefix": "u-"}`, "groupPrefix"},
		"dot prefix":       {`{"root": "` + root + `", "userPrefix": ".u-"}`, "userPrefix"},
		"slash prefix":     {`{"root": "` + root + `", "userPrefix": "a/b-"}`, "userPrefix"},
		"page size":        {`{"root": "` + root + `", "maxPageSize": 100000}`, "maxPageSize"},
		"negative quota":   {`{"root": "` + root + `", "quotaBytes": -1}`, "quotaBytes"},
		"root is a file":   {`{"root": "` + filepath.Join(root, "file") + `/sub"}`, "root"},
		"unknown property": {`{"root": "` + root + `", "extra": 1}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_ = os.WriteFile(filepath.Join(root, "file"), nil, 0o600)
			_, err := fs.New(nil).Configure(t.Context(), sdk.ConfigureRequest{Config: []byte(tc.cfg)})
			if !errors.Is(err, sdk.ErrInvalidArgument) {
				t.Fatalf("Configure: %v, want ErrInvalidArgument", err)
			}
			if tc.field == "" {
				return
			}
			for _, f := range sdk.FieldsOf(err) {
				if f.Field == tc.field {
					return
				}
			}
			t.Errorf("Configure: %v, want a violation of %s", err, tc.field)
		})
	}
}

// TestFileModes checks that objects and folders are the service account's alone.
func TestFileModes(t *testing.T) {
	s, root := client(t, nil)
	put(t, s, alice, "user-alice", "a/b", "x")
	for name, want := range map[string]os.FileMode{"user-alice": 0o700, "user-alice/a": 0o700, "user-alice/a/b": 0o600} {
		fi, err := os.Stat(filepath.Join(root, name))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", name, fi.Mode().Perm(), err, want)
		}
	}
}

// TestObjectAndFolderClash: a file system cannot hold an object and a folder of one name.
func TestObjectAndFolderClash(t *testing.T) {
	s, _ := client(t, nil)
	put(t, s, alice, "user-alice", "a", "object")
	put(t, s, alice, "user-alice", "f/inner", "x")
	ctx := t.Context()
	_, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "a/b"}, Size: 1, Body: strings.NewReader("x")})
	refused(t, "Write under an object", err, sdk.ErrConflict)
	_, err = s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "f"}, Size: 1, Body: strings.NewReader("x")})
	refused(t, "Write over a folder", err, sdk.ErrConflict)
	_, err = s.Copy(ctx, sdk.CopyObjectRequest{Caller: alice, Source: sdk.ObjectRef{Bucket: "user-alice", Key: "a"}, Destination: sdk.ObjectRef{Bucket: "user-alice", Key: "f"}, RemoveSource: true})
	refused(t, "Move over a folder", err, sdk.ErrConflict)
	if _, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "a"}}); err != nil {
		t.Errorf("the object after refused writes: %v", err)
	}
	if _, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "f"}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Stat of a folder: %v, want ErrNotFound", err)
	}
}

// blockingReader yields its bytes, then waits until released and fails.
type blockingReader struct {
	r       *bytes.Reader
	reached chan struct{}
	release chan struct{}
}

func (b *blockingReader) Read(p []byte) (int, error) {
	if b.r.Len() > 0 {
		return b.r.Read(p)
	}
	close(b.reached)
	<-b.release
	return 0, errors.New("the client went away")
}

// TestAtomicWrite looks at the disk during a write: the old content stays readable, the
// temporary file is not listed, and nothing of it remains once the write fails.
func TestAtomicWrite(t *testing.T) {
	s, root := client(t, nil)
	put(t, s, alice, "user-alice", "doc/report", "version 1")
	body := &blockingReader{r: bytes.NewReader(bytes.Repeat([]byte("v2"), 1<<19)), reached: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "doc/report"}, Size: -1, Body: body})
		done <- err
	}()
	<-body.reached
	// The plugin holds the bytes in a temporary file beside the object by now (give the
	// last chunk time to land).
	deadline := time.Now().Add(10 * time.Second)
	var temps []string
	for len(temps) == 0 && time.Now().Before(deadline) {
		temps, _ = filepath.Glob(filepath.Join(root, "user-alice", "doc", ".basalt-upload-*"))
		time.Sleep(10 * time.Millisecond)
	}
	if len(temps) != 1 {
		t.Errorf("temporary files during the write: %v, want one beside the object", temps)
	}
	if got, _ := os.ReadFile(filepath.Join(root, "user-alice", "doc", "report")); string(got) != "version 1" {
		t.Errorf("the object during the write: %d bytes, want the old content", len(got))
	}
	resp, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: "doc/"}})
	if err != nil || len(resp.Objects) != 1 || resp.Objects[0].Ref.Key != "doc/report" {
		t.Errorf("List during the write: %+v, %v", resp.Objects, err)
	}
	close(body.release)
	if err := <-done; err == nil {
		t.Fatal("a write whose body failed succeeded")
	}
	// The client gives up first; the plugin cleans up as its side of the call ends.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		temps, _ := filepath.Glob(filepath.Join(root, "user-alice", "doc", ".basalt-upload-*"))
		if len(temps) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("temporary files after the failed write: %v", temps)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(root, "user-alice", "doc", "report")); string(got) != "version 1" {
		t.Errorf("the object after the failed write: %d bytes, want the old content", len(got))
	}
	// A new object that fails leaves no folder behind either.
	body = &blockingReader{r: bytes.NewReader([]byte("x")), reached: make(chan struct{}), release: make(chan struct{})}
	close(body.release)
	if _, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "new/deep/file"}, Size: -1, Body: body}); err == nil {
		t.Fatal("a write whose body failed succeeded")
	}
	// So does a body shorter than announced.
	_, err = s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "short"}, Size: 10, Body: strings.NewReader("abc")})
	refused(t, "Write of a short body", err, sdk.ErrInvalidArgument)
	_, err = s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "long"}, Size: 2, Body: strings.NewReader("abc")})
	refused(t, "Write of a long body", err, sdk.ErrInvalidArgument)
	// The client's error can come before the plugin has even created the temporary file
	// of "new/deep/file", so wait for the plugin's side to end: nothing but the old report
	// may remain, and no folder of the new object.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		left := leftovers(filepath.Join(root, "user-alice"), "report")
		_, err := os.Lstat(filepath.Join(root, "user-alice", "new"))
		if len(left) == 0 && errors.Is(err, iofs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the failed writes left files %v, or their folders (Lstat new: %v)", left, err)
		}
	}
}
