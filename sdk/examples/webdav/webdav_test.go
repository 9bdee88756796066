package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/webdav"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

var (
	alice = sdk.Caller{Subject: "alice", Username: "alice", Groups: []string{"team"}}
	bob   = sdk.Caller{Subject: "bob", Username: "bob"}
)

// serveDAV starts a WebDAV server on loopback, its root at /dav/, that keeps its files in
// memory, properties included (as Apache's mod_dav keeps them on disk), and returns the root.
// Like mod_dav by default, it refuses to list a whole tree at once (PROPFIND with Depth:
// infinity, or no Depth).
func serveDAV(t *testing.T) string {
	dav := &webdav.Handler{Prefix: "/dav", FileSystem: webdav.NewMemFS(), LockSystem: webdav.NewMemLS()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if depth := r.Header.Get("Depth"); r.Method == "PROPFIND" && (depth == "" || depth == "infinity") {
			http.Error(w, "PROPFIND with Depth: infinity is disabled", http.StatusForbidden)
			return
		}
		dav.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/dav/"
}

func configure(t *testing.T, s sdk.Storage, config map[string]any) error {
	t.Helper()
	raw, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Configure(t.Context(), sdk.ConfigureRequest{Config: raw})
	return err
}

func TestConformance(t *testing.T) {
	url := serveDAV(t)
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		s := New()
		if err := configure(t, s, map[string]any{"url": url}); err != nil {
			t.Fatal(err)
		}
		return plugintest.StorageSetup{Storage: s, Caller: alice, Other: &bob}
	})
}

// TestGroupHome: a group's bucket is the home of its members only.
func TestGroupHome(t *testing.T) {
	s := New()
	if err := configure(t, s, map[string]any{"url": serveDAV(t), "groupPrefix": "g-"}); err != nil {
		t.Fatal(err)
	}
	team := sdk.Project{ID: "project-team", Group: "team"}
	home, err := s.Home(t.Context(), sdk.HomeRequest{Caller: alice, Project: team})
	if err != nil || home.Home != (sdk.ObjectRef{Bucket: "g-team"}) {
		t.Errorf("alice's home in team: %+v, %v", home.Home, err)
	}
	if _, err := s.Home(t.Context(), sdk.HomeRequest{Caller: bob, Project: team}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("bob's home in team: %v, want not found", err)
	}
}

// TestFolders: a folder is on the server as long as an object is in it, as on S3.
func TestFolders(t *testing.T) {
	url := serveDAV(t)
	s := New()
	if err := configure(t, s, map[string]any{"url": url}); err != nil {
		t.Fatal(err)
	}
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "a/b/c.txt"}
	if _, err := s.Write(t.Context(), sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: 1, Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	folder := func() int {
		req, _ := http.NewRequestWithContext(t.Context(), "PROPFIND", url+"user-alice/a/", nil)
		req.Header.Set("Depth", "0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := folder(); code != http.StatusMultiStatus {
		t.Fatalf("PROPFIND of the folder a/ after a write in a/b/: %d", code)
	}
	if _, err := s.Delete(t.Context(), sdk.DeleteObjectRequest{Caller: alice, Object: ref}); err != nil {
		t.Fatal(err)
	}
	if code := folder(); code != http.StatusNotFound {
		t.Errorf("PROPFIND of the folder a/ after deleting its last object: %d, want 404", code)
	}
}

func TestConfiguration(t *testing.T) {
	s := New()
	if _, err := s.Live(); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("before Configure: %v", err)
	}
	if err := configure(t, s, map[string]any{"url": "https://dav.example.org/basalt/"}); err != nil {
		t.Fatal(err)
	}
	c, _ := s.Live()
	if *c != (Config{URL: "https://dav.example.org/basalt", UserPrefix: "user-", GroupPrefix: "project-", MaxPageSize: 1000}) {
		t.Errorf("with the schema's defaults: %+v", *c)
	}
	for _, tc := range []struct {
		config map[string]any
		fields []string
	}{
		{map[string]any{}, []string{"url"}},
		{map[string]any{"url": "dav.example.org", "maxPageSize": 0}, []string{"maxPageSize", "url"}},
		{map[string]any{"url": "https://dav", "username": "basalt"}, []string{"password"}},
		{map[string]any{"url": "https://dav", "userPrefix": "u-", "groupPrefix": "u-g-"}, []string{"groupPrefix"}},
		{map[string]any{"url": "https://dav", "bucket": "x"}, []string{"bucket"}},
	} {
		err := configure(t, s, tc.config)
		var fields []string
		for _, f := range sdk.FieldsOf(err) {
			fields = append(fields, f.Field)
		}
		if !errors.Is(err, sdk.ErrInvalidArgument) || !slices.Equal(fields, tc.fields) {
			t.Errorf("%v: %v, want the fields %q", tc.config, err, tc.fields)
		}
	}
}

// TestBinary runs the plugin's binary as the core does and configures it through the wire.
func TestBinary(t *testing.T) {
	p, _ := plugintest.Spawn(t, sdk.KindStorage, plugintest.Build(t, "github.com/basalt-dev/basalt/sdk/examples/webdav"))
	info, err := p.Info(t.Context(), sdk.InfoRequest{})
	if err != nil || info.Name != "webdav" {
		t.Fatalf("Info: %+v, %v", info, err)
	}
	store := p.(sdk.Storage)
	if err := configure(t, store, map[string]any{"url": serveDAV(t)}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Home(t.Context(), sdk.HomeRequest{Caller: alice, Project: sdk.Project{ID: "user-alice"}}); err != nil {
		t.Errorf("Home: %v", err)
	}
}

func TestMain(m *testing.M) {
	os.Exit(plugintest.Run(m))
}
