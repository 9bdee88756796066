package filetree_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	iofs "io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/filetree"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

var (
	alice = sdk.Caller{Subject: "alice", Username: "alice", Groups: []string{"team"}}
	bob   = sdk.Caller{Subject: "bob", Username: "bob"}
	team  = sdk.Project{ID: "project-team", Group: "team"}
)

func copying(t *memTree) copyingTree { return copyingTree{t} }
func plain(t *memTree) *memTree      { return t }

func TestConformance(t *testing.T) {
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		s, _ := newStore(t, `{}`, copying)
		return plugintest.StorageSetup{Storage: s, Caller: alice, Other: &bob}
	})
}

// TestConformanceCopyingBytes runs the kit in a group's home, over a tree that cannot copy
// by itself.
func TestConformanceCopyingBytes(t *testing.T) {
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		s, _ := newStore(t, `{"userPrefix": "u-", "groupPrefix": "g-"}`, plain)
		return plugintest.StorageSetup{Storage: s, Caller: alice, Project: team, Other: &bob}
	})
}

func TestHome(t *testing.T) {
	s, _ := newStore(t, `{"groupPrefix": "g-"}`, plain)
	for _, tc := range []struct {
		caller  sdk.Caller
		project sdk.Project
		home    string
		kind    error
	}{
		{alice, sdk.Project{ID: "user-alice"}, "user-alice", nil},
		{alice, team, "g-team", nil},
		{bob, team, "", sdk.ErrNotFound},
		{sdk.Caller{Username: "eve", Groups: []string{"../x"}}, sdk.Project{ID: "x", Group: "../x"}, "", sdk.ErrNotFound},
		{sdk.Caller{}, sdk.Project{ID: "user-"}, "", sdk.ErrUnauthenticated},
		{sdk.Caller{Username: "a/b"}, sdk.Project{ID: "user-a/b"}, "", sdk.ErrInvalidArgument},
	} {
		resp, err := s.Home(t.Context(), sdk.HomeRequest{Caller: tc.caller, Project: tc.project})
		if resp.Home.Bucket != tc.home || resp.Home.Key != "" || sdk.KindOf(err) != tc.kind {
			t.Errorf("Home of %q in %q: %+v, %v; want %q, %v", tc.caller.Username, tc.project.ID, resp.Home, err, tc.home, tc.kind)
		}
	}
}

// TestLayout: a layout that would let a user own a group's bucket, or make a bucket more
// than one folder, is refused by Configure, and the store stays as it was.
func TestLayout(t *testing.T) {
	s, _ := newStore(t, `{}`, plain)
	for _, tc := range []struct {
		config string
		fields []string
	}{
		{`{"userPrefix": "u-", "groupPrefix": "u-g-"}`, []string{"groupPrefix"}},
		{`{"userPrefix": "", "groupPrefix": "g-"}`, []string{"groupPrefix"}},
		{`{"userPrefix": "users/"}`, []string{"userPrefix"}},
	} {
		_, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: json.RawMessage(tc.config)})
		var fields []string
		for _, f := range sdk.FieldsOf(err) {
			fields = append(fields, f.Field)
		}
		if !errors.Is(err, sdk.ErrInvalidArgument) || !slices.Equal(fields, tc.fields) {
			t.Errorf("%s: %v, want the fields %q", tc.config, err, tc.fields)
		}
	}
	if home, err := s.Home(t.Context(), sdk.HomeRequest{Caller: alice, Project: team}); err != nil || home.Home.Bucket != "project-team" {
		t.Errorf("after refused layouts: %+v, %v; want the first one", home.Home, err)
	}
}

func write(t *testing.T, s sdk.Storage, key, body string) error {
	t.Helper()
	_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: key}, Size: int64(len(body)), Body: strings.NewReader(body)})
	return err
}

func mustWrite(t *testing.T, s sdk.Storage, key, body string) {
	t.Helper()
	if err := write(t, s, key, body); err != nil {
		t.Fatalf("Write %s: %v", key, err)
	}
}

func TestKeys(t *testing.T) {
	s, tree := newStore(t, `{}`, plain)
	for _, key := range []string{"../x", "a/../../x", "/a", "a//b", "a/./b", "a/", "", "a\x00b", "a/.basalt-upload-x", strings.Repeat("n", 256)} {
		err := write(t, s, key, "x")
		if !errors.Is(err, sdk.ErrInvalidArgument) || len(sdk.FieldsOf(err)) != 1 || sdk.FieldsOf(err)[0].Field != "object.key" {
			t.Errorf("Write %q: %v, want an invalid object.key", key, err)
		}
	}
	if dirs := tree.folders(); len(dirs) != 0 {
		t.Errorf("refused writes made the folders %q", dirs)
	}
	// A file being written is never listed.
	mustWrite(t, s, "a/real", "x")
	if err := tree.Create(t.Context(), "user-alice/a/"+filetree.TempPrefix+"x", strings.NewReader("partial"), filetree.Meta{}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: "a/"}})
	if err != nil || len(resp.Objects) != 1 || resp.Objects[0].Ref.Key != "a/real" {
		t.Errorf("List a/: %+v, %v; want a/real alone", resp.Objects, err)
	}
}

// TestFoldersGoWithTheirLastObject: a folder lasts as long as something is in it, as on S3.
func TestFoldersGoWithTheirLastObject(t *testing.T) {
	s, tree := newStore(t, `{}`, plain)
	mustWrite(t, s, "a/b/c", "x")
	mustWrite(t, s, "d/e/f", "x")
	mustWrite(t, s, "d/g", "x")
	del := func(key string, recursive bool) {
		t.Helper()
		if _, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: key}, Recursive: recursive}); err != nil {
			t.Fatalf("Delete %s: %v", key, err)
		}
	}
	del("a/b/c", false)
	del("d/", true)
	resp, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice"}})
	if err != nil || len(resp.Folders)+len(resp.Objects) != 0 {
		t.Errorf("List after deleting every object: %+v, %v", resp, err)
	}
	if dirs := tree.folders(); !slices.Equal(dirs, []string{"user-alice/"}) {
		t.Errorf("folders left in the tree: %q, want the bucket's alone", dirs)
	}
	// A move takes its source's folder away when it empties it.
	mustWrite(t, s, "from/x", "x")
	if _, err := s.Copy(t.Context(), sdk.CopyObjectRequest{Caller: alice, Source: sdk.ObjectRef{Bucket: "user-alice", Key: "from/x"}, Destination: sdk.ObjectRef{Bucket: "user-alice", Key: "to/x"}, RemoveSource: true}); err != nil {
		t.Fatal(err)
	}
	if dirs := tree.folders(); !slices.Equal(dirs, []string{"user-alice/", "user-alice/to/"}) {
		t.Errorf("folders after a move: %q, want the bucket and to/", dirs)
	}
}

// stalledBody says when it is first read, then waits to be released.
type stalledBody struct {
	reading, release chan struct{}
	r                io.Reader
}

func (b *stalledBody) Read(p []byte) (int, error) {
	if b.reading != nil {
		close(b.reading)
		b.reading = nil
		<-b.release
	}
	return b.r.Read(p)
}

// TestPruneSparesAFolderBeingWritten: deleting the last object of a folder that a write is
// filling leaves the folder to the write (the tree removes a folder with what it holds).
func TestPruneSparesAFolderBeingWritten(t *testing.T) {
	s, tree := newStore(t, `{}`, plain)
	mustWrite(t, s, "a/old", "x")
	body := &stalledBody{reading: make(chan struct{}), release: make(chan struct{}), r: strings.NewReader("new")}
	reading := body.reading
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "a/new"}, Size: 3, Body: body})
		done <- err
	}()
	<-reading
	if _, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "a/old"}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(tree.folders(), "user-alice/a/") {
		t.Error("the folder a write is filling was removed")
	}
	close(body.release)
	if err := <-done; err != nil {
		t.Fatalf("the write into the folder: %v", err)
	}
	if _, err := s.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "a/new"}}); err != nil {
		t.Errorf("Stat a/new: %v", err)
	}
}

func TestObjectAndFolderClash(t *testing.T) {
	s, _ := newStore(t, `{}`, plain)
	mustWrite(t, s, "a/b", "x")
	mustWrite(t, s, "c", "x")
	if err := write(t, s, "a", "y"); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Write over a folder: %v, want a conflict", err)
	}
	if err := write(t, s, "c/d", "y"); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Write under an object: %v, want a conflict", err)
	}
	if _, err := s.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "a"}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Stat of a folder: %v, want not found", err)
	}
}

// TestWriteSize: a body longer or shorter than announced lands nowhere, and what the tree
// kept of it is removed.
func TestWriteSize(t *testing.T) {
	s, tree := newStore(t, `{}`, plain)
	mustWrite(t, s, "kept", "old")
	for _, size := range []int64{2, 5} {
		_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "kept"}, Size: size, Body: strings.NewReader("new")})
		if !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("Write of 3 bytes announced as %d: %v, want invalid", size, err)
		}
	}
	resp, err := s.Read(t.Context(), sdk.ReadObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "kept"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(resp.Body); string(got) != "old" {
		t.Errorf("after refused writes: %q, want the old content", got)
	}
	if paths := tree.paths(); !slices.Equal(paths, []string{"user-alice/kept"}) {
		t.Errorf("files in the tree: %q, want user-alice/kept alone", paths)
	}
}

// wideTree opens more than it is asked for, and refuses to open "locked".
type wideTree struct{ *memTree }

func (t wideTree) Open(ctx context.Context, name string, offset, _ int64) (io.ReadCloser, error) {
	if strings.HasSuffix(name, "/locked") {
		return nil, &iofs.PathError{Op: "open", Path: name, Err: iofs.ErrPermission}
	}
	return t.memTree.Open(ctx, name, offset, 1<<30)
}

func TestRead(t *testing.T) {
	s, _ := newStore(t, `{}`, func(t *memTree) wideTree { return wideTree{t} })
	mustWrite(t, s, "digits", "0123456789")
	mustWrite(t, s, "locked", "x")
	mustWrite(t, s, "empty", "")
	read := func(key string, offset, length int64) (string, error) {
		resp, err := s.Read(t.Context(), sdk.ReadObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: key}, Offset: offset, Length: length})
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		got, err := io.ReadAll(resp.Body)
		return string(got), err
	}
	for _, tc := range []struct {
		key            string
		offset, length int64
		want           string
		kind           error
	}{
		{"digits", 2, 3, "234", nil},
		{"digits", 8, 0, "89", nil},
		{"digits", 8, 5, "89", nil},
		{"empty", 0, 0, "", nil},
		{"digits", 10, 0, "", sdk.ErrInvalidArgument},
		{"digits", -1, 0, "", sdk.ErrInvalidArgument},
		{"locked", 0, 0, "", sdk.ErrPermissionDenied},
		{"missing", 0, 0, "", sdk.ErrNotFound},
	} {
		got, err := read(tc.key, tc.offset, tc.length)
		if got != tc.want || sdk.KindOf(err) != tc.kind {
			t.Errorf("Read %s at %d for %d: %q, %v; want %q, %v", tc.key, tc.offset, tc.length, got, err, tc.want, tc.kind)
		}
	}
}

// TestCopyThroughThePlugin: a tree that cannot copy gets its bytes and meta copied.
func TestCopyThroughThePlugin(t *testing.T) {
	s, _ := newStore(t, `{}`, plain)
	_, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "src"}, Size: 4, Body: strings.NewReader("data"), ContentType: "text/csv", Metadata: map[string]string{"origin": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	dst := sdk.ObjectRef{Bucket: "project-team", Key: "copies/dst"}
	if _, err := s.Copy(t.Context(), sdk.CopyObjectRequest{Caller: alice, Source: sdk.ObjectRef{Bucket: "user-alice", Key: "src"}, Destination: dst}); err != nil {
		t.Fatal(err)
	}
	stat, err := s.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: dst})
	if err != nil || stat.Object.Size != 4 || stat.Object.ContentType != "text/csv" || stat.Object.Metadata["origin"] != "test" {
		t.Errorf("the copy: %+v, %v", stat.Object, err)
	}
	// bob may read neither side.
	if _, err := s.Copy(t.Context(), sdk.CopyObjectRequest{Caller: bob, Source: sdk.ObjectRef{Bucket: "user-alice", Key: "src"}, Destination: sdk.ObjectRef{Bucket: "user-bob", Key: "stolen"}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("bob copies alice's object: %v, want not found", err)
	}
	if _, err := s.Copy(t.Context(), sdk.CopyObjectRequest{Caller: bob, Source: sdk.ObjectRef{Bucket: "user-bob", Key: "x"}, Destination: sdk.ObjectRef{Bucket: "user-alice", Key: "planted"}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("bob copies into alice's bucket: %v, want not found", err)
	}
}

// TestListResumes: a page token is a key, so a listing goes on after it even when that key
// is gone.
func TestListResumes(t *testing.T) {
	s, _ := newStore(t, `{"maxPageSize": 2}`, plain)
	for _, key := range []string{"a", "b", "c/x", "d"} {
		mustWrite(t, s, key, "x")
	}
	list := func(token string) sdk.ListObjectsResponse {
		t.Helper()
		resp, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice"}, PageSize: 5, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	first := list("")
	if len(first.Objects) != 2 || first.NextPageToken != "b" {
		t.Fatalf("the first page, of at most maxPageSize: %+v", first)
	}
	if _, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "b"}}); err != nil {
		t.Fatal(err)
	}
	second := list(first.NextPageToken)
	if len(second.Folders) != 1 || second.Folders[0].Key != "c/" || len(second.Objects) != 1 || second.Objects[0].Ref.Key != "d" || second.NextPageToken != "" {
		t.Errorf("the second page: %+v, want c/ and d, and no more", second)
	}
}

func TestPresign(t *testing.T) {
	s, _ := newStore(t, `{}`, plain)
	mustWrite(t, s, "there", "x")
	for _, tc := range []struct {
		method, key string
		kind        error
	}{
		{"GET", "there", sdk.ErrUnimplemented},
		{"PUT", "new", sdk.ErrUnimplemented},
		{"GET", "missing", sdk.ErrNotFound},
		{"DELETE", "there", sdk.ErrInvalidArgument},
	} {
		_, err := s.Presign(t.Context(), sdk.PresignRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: tc.key}, Method: tc.method, Expiry: 10 * time.Minute})
		if sdk.KindOf(err) != tc.kind {
			t.Errorf("Presign %s %s: %v, want %v", tc.method, tc.key, err, tc.kind)
		}
	}
}

// lockingTree refuses a folder's first request, as a WebDAV server refuses a request on a
// folder another request holds (423 Locked); made says whether the other request made it.
type lockingTree struct {
	*memTree
	made    bool
	refused map[string]bool
}

func (t *lockingTree) Mkdir(ctx context.Context, dir string) error {
	if !t.refused[dir] {
		t.refused[dir] = true
		if t.made {
			_ = t.memTree.Mkdir(ctx, dir)
		}
		return sdk.Errorf(sdk.ErrUnavailable, "MKCOL %s: 423 Locked", dir)
	}
	return t.memTree.Mkdir(ctx, dir)
}

// TestWritesWhileAFolderIsLocked: a folder the tree refuses for a moment, made by another
// request or not, does not fail the write.
func TestWritesWhileAFolderIsLocked(t *testing.T) {
	for _, made := range []bool{true, false} {
		s, _ := newStore(t, `{}`, func(m *memTree) *lockingTree { return &lockingTree{memTree: m, made: made, refused: map[string]bool{}} })
		if err := write(t, s, "deep/er/file", "x"); err != nil {
			t.Errorf("made by the other request %v: %v", made, err)
		}
	}
}
