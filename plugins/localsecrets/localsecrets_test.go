package localsecrets_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/basalt-dev/basalt/plugins/localsecrets"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

var (
	alice = sdk.Caller{Subject: "alice-id", Username: "alice", Groups: []string{"data-team"}}
	bob   = sdk.Caller{Subject: "bob-id", Username: "bob", Groups: []string{"other-team"}}
)

// configure configures a store with cfg, the file in a fresh directory unless cfg names
// one, and closes it when the test ends.
func configure(t testing.TB, cfg map[string]any) (*localsecrets.Store, string) {
	t.Helper()
	if cfg == nil {
		cfg = map[string]any{}
	}
	if _, ok := cfg["file"]; !ok {
		cfg["file"] = filepath.Join(t.TempDir(), "secrets.db")
	}
	s := localsecrets.New(logscan.Logger(t, "plugin-localsecrets"))
	if err := configureErr(t, s, cfg); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, cfg["file"].(string)
}

func configureErr(t testing.TB, s *localsecrets.Store, cfg map[string]any) error {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Configure(t.Context(), sdk.ConfigureRequest{Config: raw})
	return err
}

func TestConformance(t *testing.T) {
	plugintest.TestSecrets(t, func(t *testing.T) plugintest.SecretsSetup {
		s, _ := configure(t, nil)
		return plugintest.SecretsSetup{Secrets: s, Caller: alice, Other: &bob}
	})
}

// TestConformanceProject runs the kit in a group's home, in Basalt's own folder.
func TestConformanceProject(t *testing.T) {
	plugintest.TestSecrets(t, func(t *testing.T) plugintest.SecretsSetup {
		s, _ := configure(t, map[string]any{"groupHome": "projet-{group}"})
		return plugintest.SecretsSetup{Secrets: s, Caller: alice, Project: sdk.Project{ID: "project-data-team", Group: "data-team"},
			Folder: "projet-data-team/.basalt", Other: &bob}
	})
}
