package main

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"slices"
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
func serveDAV(t *testing.T) string {
	srv := httptest.NewServer(&webdav.Handler{Prefix: "/dav", FileSystem: webdav.NewMemFS(), LockSystem: webdav.NewMemLS()})
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
	code := m.Run()
	plugintest.RemoveBuilds()
	os.Exit(code)
}
