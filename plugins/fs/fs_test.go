package fs_test

import (
	"encoding/json"
	"testing"

	"github.com/basalt-dev/basalt/plugins/fs"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

var (
	alice = sdk.Caller{Subject: "alice-id", Username: "alice", Groups: []string{"data-team"}}
	bob   = sdk.Caller{Subject: "bob-id", Username: "bob", Groups: []string{"other-team"}}
)

// newStore returns a store configured over a fresh directory, and that directory.
func newStore(t testing.TB, cfg map[string]any) (*fs.Store, string) {
	t.Helper()
	root := t.TempDir()
	if cfg == nil {
		cfg = map[string]any{}
	}
	if _, ok := cfg["root"]; !ok {
		cfg["root"] = root
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := fs.New(logscan.Logger(t, "plugin-fs"))
	if _, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return s, cfg["root"].(string)
}

func TestConformance(t *testing.T) {
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		s, _ := newStore(t, nil)
		return plugintest.StorageSetup{Storage: s, Caller: alice, Other: &bob}
	})
}

// TestConformanceProject runs the kit in a group's bucket.
func TestConformanceProject(t *testing.T) {
	plugintest.TestStorage(t, func(t *testing.T) plugintest.StorageSetup {
		s, _ := newStore(t, nil)
		return plugintest.StorageSetup{Storage: s, Caller: alice, Project: sdk.Project{ID: "project-data-team", Group: "data-team"}, Other: &bob}
	})
}
