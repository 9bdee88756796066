package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// vaultDirCatalog has a chart that, like Onyxia's, takes its Vault directory from the launch
// context.
var vaultDirCatalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "vault:\n  directory: ''\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"vault": map[string]any{"type": "object", "properties": map[string]any{
					"directory": map[string]any{"type": "string", "default": "",
						"x-onyxia": map[string]any{"overwriteDefaultWith": "vault.VAULT_TOP_DIR", "hidden": true}}}},
			},
		}},
}}}}

// startWithVaultRegion is startWithPlugins (all four kinds from the memory plugin) whose
// region's settings declare a Vault, so that launch contexts carry a vault part.
func startWithVaultRegion(t *testing.T, sets ...string) string {
	t.Helper()
	settings := filepath.Join(t.TempDir(), "region.yaml")
	if err := os.WriteFile(settings, []byte("id: local\nservices:\n  expose: {}\nvault:\n  URL: https://vault.example.org\n  kvEngine: onyxia-kv\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Sources{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Regions[0].Settings = settings
	mem := testplugin.Memory(t)
	base, _ := serveConfig(t, cfg, logscan.Logger(t, "core"), map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: vaultDirCatalog},
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	})
	return base + "/api/v1"
}

// TestVaultDirectoryIsTheSecretsHome plans a launch in each of a user's projects and checks
// that the Vault directory handed to the chart is the project's home as the secrets plugin
// reports it. A group name that is not a plain DNS label gets a hashed project id, which is
// not the name the store's group home is built from: a directory made from the id would
// point at nobody's folder.
func TestVaultDirectoryIsTheSecretsHome(t *testing.T) {
	base := startWithVaultRegion(t, "auth.local.username=alice", "auth.local.groups=[data-team, data.team, Data_Team]")
	var me Me
	if code := getJSON(t, base+"/me", &me); code != 200 || len(me.Projects) != 4 {
		t.Fatalf("alice's projects: %d %+v, want her own and three groups'", code, me.Projects)
	}
	for _, p := range me.Projects {
		var secrets SecretList
		if code := getJSON(t, base+"/projects/"+p.ID+"/secrets", &secrets); code != 200 || secrets.Home == "" {
			t.Fatalf("%s: the secrets home: %d %+v", p.ID, code, secrets)
		}
		code, body := postJSON(t, base+"/projects/"+p.ID+"/launch/plan", `{"catalog":"ide","chart":"notebook"}`)
		var plan PlanView
		if json.Unmarshal(body, &plan) != nil || code != 200 {
			t.Fatalf("%s: plan: %d %s", p.ID, code, body)
		}
		vault, _ := plan.Values["vault"].(map[string]any)
		if vault["directory"] != secrets.Home {
			t.Errorf("project %s (group %q): vault.directory %q, want the secrets home %q", p.ID, p.Group, vault["directory"], secrets.Home)
		}
	}
}
