package fs_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/basalt-dev/basalt/plugins/fs"
	"github.com/basalt-dev/basalt/sdk"
)

// keys lists a prefix page by page and returns each page's keys, folders included.
func keys(t *testing.T, s sdk.Storage, prefix string, recursive bool, size int) [][]string {
	t.Helper()
	var pages [][]string
	token := ""
	for {
		resp, err := s.List(t.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: prefix}, Recursive: recursive, PageSize: size, PageToken: token})
		if err != nil {
			t.Fatalf("List %q: %v", prefix, err)
		}
		var page []string
		for _, o := range resp.Objects {
			page = append(page, o.Ref.Key)
		}
		for _, f := range resp.Folders {
			page = append(page, f.Key)
		}
		slices.Sort(page)
		pages = append(pages, page)
		if resp.NextPageToken == "" {
			return pages
		}
		token = resp.NextPageToken
	}
}

// TestListOrder checks that listings follow key order, not file-name order, across pages.
func TestListOrder(t *testing.T) {
	s, _ := client(t, nil)
	for _, key := range []string{"a.txt", "a/1", "a/b/2", "a-z", "b", "a0/3"} {
		put(t, s, alice, "user-alice", key, key)
	}
	got := keys(t, s, "", false, 1)
	want := [][]string{{"a-z"}, {"a.txt"}, {"a/"}, {"a0/"}, {"b"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("List by pages of 1: %q, want %q", got, want)
	}
	got = keys(t, s, "", true, 2)
	want = [][]string{{"a-z", "a.txt"}, {"a/1", "a/b/2"}, {"a0/3", "b"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("recursive List by pages of 2: %q, want %q", got, want)
	}
	// A prefix may end in the start of a name, as on S3.
	got = keys(t, s, "a", false, 0)
	want = [][]string{{"a-z", "a.txt", "a/", "a0/"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("List of prefix a: %q, want %q", got, want)
	}
	got = keys(t, s, "a/", true, 0)
	want = [][]string{{"a/1", "a/b/2"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("recursive List of a/: %q, want %q", got, want)
	}
}

// TestDeletePrunesFolders: a folder goes with its last object, as on S3.
func TestDeletePrunesFolders(t *testing.T) {
	s, root := client(t, nil)
	put(t, s, alice, "user-alice", "x/y/z/file", "1")
	put(t, s, alice, "user-alice", "x/keep", "2")
	if _, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "x/y/z/file"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(root, "user-alice", "x", "y")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("x/y after deleting its last object: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "user-alice", "x", "keep")); err != nil {
		t.Errorf("x/keep: %v", err)
	}
	resp, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "x"}, Recursive: true})
	if err != nil || resp.Deleted != 1 {
		t.Errorf("Delete of prefix x: %+v, %v", resp, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "user-alice")); len(entries) != 0 {
		t.Errorf("the bucket holds %d entries after deleting everything", len(entries))
	}
}

// TestMetadata checks content types and metadata: kept with the object, moved and copied
// with it, guessed from the name when not given, and ignored once they no longer match the
// file (a crash between the two renames, or a file changed outside Basalt).
func TestMetadata(t *testing.T) {
	s, root := client(t, nil)
	ctx := t.Context()
	ref := func(bucket, key string) sdk.ObjectRef { return sdk.ObjectRef{Bucket: bucket, Key: key} }
	_, err := s.Write(ctx, sdk.WriteObjectRequest{Caller: alice, Object: ref("user-alice", "data.bin"), Size: 3, ContentType: "application/x-thing",
		Metadata: map[string]string{"origin": "test"}, Body: strings.NewReader("abc")})
	if err != nil {
		t.Fatal(err)
	}
	stat := func(r sdk.ObjectRef) sdk.ObjectInfo {
		t.Helper()
		resp, err := s.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: r})
		if err != nil {
			t.Fatalf("Stat %s: %v", r.Key, err)
		}
		return resp.Object
	}
	if _, err := s.Copy(ctx, sdk.CopyObjectRequest{Caller: alice, Source: ref("user-alice", "data.bin"), Destination: ref("project-data-team", "copy.bin")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Copy(ctx, sdk.CopyObjectRequest{Caller: alice, Source: ref("user-alice", "data.bin"), Destination: ref("user-alice", "moved/data.bin"), RemoveSource: true}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []sdk.ObjectRef{ref("project-data-team", "copy.bin"), ref("user-alice", "moved/data.bin")} {
		if o := stat(r); o.ContentType != "application/x-thing" || o.Metadata["origin"] != "test" {
			t.Errorf("%s: %q %v, want the source's type and metadata", r.Key, o.ContentType, o.Metadata)
		}
	}
	put(t, s, alice, "user-alice", "page.html", "<p>")
	if o := stat(ref("user-alice", "page.html")); !strings.HasPrefix(o.ContentType, "text/html") {
		t.Errorf("page.html: content type %q, want text/html from its name", o.ContentType)
	}
	// The file changes behind the store's back: its meta file no longer describes it.
	file := filepath.Join(root, "user-alice", "moved", "data.bin")
	if err := os.WriteFile(file, []byte("changed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(file, time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if o := stat(ref("user-alice", "moved/data.bin")); o.ContentType != "application/octet-stream" || o.Metadata != nil || o.Size != 7 {
		t.Errorf("a file changed outside the store: %+v, want its old metadata forgotten", o)
	}
	// An object rewritten without metadata has none.
	put(t, s, alice, "project-data-team", "copy.bin", "new")
	if o := stat(ref("project-data-team", "copy.bin")); o.Metadata != nil {
		t.Errorf("an object rewritten without metadata: %v", o.Metadata)
	}
}

// TestPresign: a local directory has no address of its own, so the store signs no link and
// Basalt signs its own; a request the store would refuse anyway still gets its own error.
func TestPresign(t *testing.T) {
	s, _ := client(t, nil)
	put(t, s, alice, "project-data-team", "shared/report.pdf", "%PDF")
	for _, method := range []string{"GET", "PUT"} {
		_, err := s.Presign(t.Context(), sdk.PresignRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "project-data-team", Key: "shared/report.pdf"}, Method: method, Expiry: time.Hour})
		refused(t, "Presign "+method, err, sdk.ErrUnimplemented)
	}
	_, err := s.Presign(t.Context(), sdk.PresignRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "new"}, Method: "GET", Expiry: time.Minute})
	refused(t, "Presign GET of a missing object", err, sdk.ErrNotFound)
	_, err = s.Presign(t.Context(), sdk.PresignRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "project-data-team", Key: "shared/report.pdf"}, Method: "GET", Expiry: 200 * time.Hour})
	refused(t, "Presign beyond a week", err, sdk.ErrInvalidArgument)
	_, err = s.Presign(t.Context(), sdk.PresignRequest{Caller: bob, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "x"}, Method: "PUT", Expiry: time.Minute})
	refused(t, "Presign PUT into another user's home", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
}

func TestCredentialsUnimplemented(t *testing.T) {
	s, _ := client(t, nil)
	_, err := s.Credentials(t.Context(), sdk.CredentialsRequest{Caller: alice})
	refused(t, "Credentials", err, sdk.ErrUnimplemented)
}

// TestPolicyPersists: public prefixes are kept in the root and survive a new configuration.
func TestPolicyPersists(t *testing.T) {
	store, root := newStore(t, nil)
	ctx := t.Context()
	for _, p := range []string{"pub/", "a/b/", ""} {
		if _, err := store.SetPrefixPolicy(ctx, sdk.SetPrefixPolicyRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: p}, Public: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.SetPrefixPolicy(ctx, sdk.SetPrefixPolicyRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: "a/b/"}, Public: false}); err != nil {
		t.Fatal(err)
	}
	_, err := store.SetPrefixPolicy(ctx, sdk.SetPrefixPolicyRequest{Caller: alice, Prefix: sdk.ObjectRef{Bucket: "user-alice", Key: "file"}, Public: true})
	refused(t, "SetPrefixPolicy of an object", err, sdk.ErrInvalidArgument)
	again, _ := newStore(t, map[string]any{"root": root})
	resp, err := again.ListPublicPrefixes(ctx, sdk.ListPublicPrefixesRequest{Caller: alice, Bucket: "user-alice"})
	if err != nil || len(resp.Prefixes) != 2 || resp.Prefixes[0].Key != "" || resp.Prefixes[1].Key != "pub/" {
		t.Errorf("public prefixes after reopening: %+v, %v", resp.Prefixes, err)
	}
	if resp, _ := again.ListPublicPrefixes(ctx, sdk.ListPublicPrefixesRequest{Caller: bob, Bucket: "user-bob"}); len(resp.Prefixes) != 0 {
		t.Errorf("bob's public prefixes: %+v", resp.Prefixes)
	}
}

// TestRangeRead reads parts of a larger object straight from its file.
func TestRangeRead(t *testing.T) {
	s, _ := client(t, nil)
	body := bytes.Repeat([]byte("0123456789"), 100_000)
	put(t, s, alice, "user-alice", "big", string(body))
	resp, err := s.Read(t.Context(), sdk.ReadObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "big"}, Offset: 999_990, Length: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, _ = got.ReadFrom(resp.Body)
	resp.Body.Close()
	if got.String() != "0123456789" || resp.Object.Size != int64(len(body)) {
		t.Errorf("the last 10 bytes: %q (object size %d)", got.String(), resp.Object.Size)
	}
	for _, r := range [][2]int64{{-1, 0}, {0, -1}, {int64(len(body)), 0}, {int64(len(body)) + 1, 1}} {
		_, err := s.Read(t.Context(), sdk.ReadObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "big"}, Offset: r[0], Length: r[1]})
		refused(t, "Read out of range", err, sdk.ErrInvalidArgument)
	}
}

// TestSchema compiles the published schema and checks it against configurations.
func TestSchema(t *testing.T) {
	resp, err := fs.New(nil).ConfigSchema(t.Context(), sdk.ConfigSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(resp.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	for cfg, valid := range map[string]bool{
		`{"root": "files"}`: true,
		`{"root": "/var/lib/basalt/files", "userPrefix": "u-", "groupPrefix": "projet-", "maxPageSize": 500}`: true,
		`{}`:                                 false,
		`{"root": ""}`:                       false,
		`{"root": "f", "extra": 1}`:          false,
		`{"root": "f", "userPrefix": "../"}`: false,
		`{"root": "f", "maxPageSize": 0}`:    false,
		`{"root": "f", "quotaBytes": 1e9}`:   true,
		`{"root": "f", "quotaBytes": -1}`:    false,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(cfg))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); (err == nil) != valid {
			t.Errorf("%s: valid %v, got %v", cfg, valid, err)
		}
	}
}
