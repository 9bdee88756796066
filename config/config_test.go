package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "basalt.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultsLoad(t *testing.T) {
	cfg, err := Load(Sources{})
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if cfg.Server.Address != "127.0.0.1:8080" {
		t.Errorf("local mode must listen on loopback by default, got %q", cfg.Server.Address)
	}
	if cfg.Server.ShutdownTimeout != 15*time.Second {
		t.Errorf("shutdown_timeout = %v", cfg.Server.ShutdownTimeout)
	}
}

func TestPrecedenceFileEnvFlags(t *testing.T) {
	file := writeFile(t, "server:\n  address: 127.0.0.1:9000\n  public_url: https://file.example\nlog:\n  level: debug\n")
	cfg, err := Load(Sources{
		File: file,
		Environ: []string{"BASALT_SERVER__ADDRESS=127.0.0.1:9100", "BASALT_SERVER__PUBLIC_URL=https://env.example", "OTHER=x",
			"BASALT_TESTENV_FILE=/tmp/env"}, // another tool's variable: not configuration
		Sets: []string{"server.address=127.0.0.1:9200"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Address != "127.0.0.1:9200" {
		t.Errorf("flags must win: address = %q", cfg.Server.Address)
	}
	if cfg.Server.PublicURL != "https://env.example" {
		t.Errorf("environment must beat the file: public_url = %q", cfg.Server.PublicURL)
	}
	if cfg.Log.Level != "debug" {
		t.Errorf("file must beat defaults: level = %q", cfg.Log.Level)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, yaml string
		sets       []string
		key        string
	}{
		{"wrong type", "server:\n  shutdown_timeout: [1, 2]\n", nil, "server.shutdown_timeout"},
		{"wrong type from flag", "", []string{"ui.languages=3"}, "ui.languages"},
		{"unknown key", "server:\n  adress: x\n", nil, "server.adress"},
		{"bad enum", "log:\n  level: loud\n", nil, "log.level"},
		{"bad address", "server:\n  address: nowhere\n", nil, "server.address"},
		{"plugin without binary", "plugins:\n  blobs:\n    kind: storage\n", nil, "plugins.blobs.path"},
		{"unknown plugin kind", "plugins:\n  files:\n    kind: blob\n    path: /bin/sh\n", nil, "plugins.files.kind"},
		{"bad checksum", "plugins:\n  files:\n    kind: storage\n    path: /bin/sh\n    sha256: xyz\n", nil, "plugins.files.sha256"},
		{"plugin env naming the core's configuration", "plugins:\n  files:\n    kind: storage\n    path: /bin/sh\n    env: [AWS_PROFILE, BASALT_AUTH__SESSION__KEY]\n", nil, "plugins.files.env[1]"},
		{"plugin env that is no variable name", "plugins:\n  files:\n    kind: storage\n    path: /bin/sh\n    env: [AWS_*]\n", nil, "plugins.files.env[0]"},
		{"malformed set", "", []string{"server.address"}, "server.address"},
		{"region names a missing plugin", "regions:\n  - id: eu\n    storage: nowhere\n", nil, "regions[0].storage"},
		{"region names a plugin of another kind", "plugins:\n  files:\n    kind: storage\n    path: /bin/sh\nregions:\n  - id: eu\n    secrets: files\n", nil, "regions[0].secrets"},
		{"duplicate region", "regions:\n  - id: eu\n  - id: eu\n", nil, "regions[1].id"},
		{"unknown secret injection", "regions:\n  - id: eu\n    secret_injection: env\n", nil, "regions[0].secret_injection"},
		{"a memory limit that is no quantity", "regions:\n  - id: eu\n    resources:\n      memory_limit: 4 GB\n", nil, "regions[0].resources.memory_limit"},
		{"a CPU request with a unit Kubernetes lacks", "regions:\n  - id: eu\n    resources:\n      cpu_request: 2cores\n", nil, "regions[0].resources.cpu_request"},
		{"an apps domain under the portal's host", "", []string{"server.public_url=https://lab.example.org", "gateway.apps_domain=apps.lab.example.org"}, "gateway.apps_domain"},
		{"an apps domain with a scheme", "", []string{"gateway.apps_domain=https://apps.example.org"}, "gateway.apps_domain"},
		{"a deletion without notice", "", []string{"lifecycle.notices.before_delete=0s"}, "lifecycle.notices"},
		{"a schedule with no time of day", "lifecycle:\n  policies:\n    - schedule: {suspend_at: \"7pm\"}\n", nil, "lifecycle.policies[0].schedule.suspend_at"},
		{"a schedule on no known day", "lifecycle:\n  policies:\n    - schedule: {suspend_at: \"19:00\", days: [monday]}\n", nil, "lifecycle.policies[0].schedule.days"},
		{"a schedule in an unknown zone", "lifecycle:\n  policies:\n    - schedule: {suspend_at: \"19:00\", time_zone: Mars/Olympus}\n", nil, "lifecycle.policies[0].schedule.time_zone"},
		{"an owners' idle maximum under the policy's", "lifecycle:\n  policies:\n    - {suspend_after_idle: 8h, max_suspend_after_idle: 2h}\n", nil, "lifecycle.policies[0].max_suspend_after_idle"},
		{"a policy for a missing region", "lifecycle:\n  policies:\n    - {regions: [mars]}\n", nil, "lifecycle.policies[0].regions"},
		{"a notice e-mail with no sender", "", []string{"lifecycle.notices.email.smtp=127.0.0.1:25"}, "lifecycle.notices.email.from"},
		{"a leader election out of order", "", []string{"lifecycle.leader_election.enabled=true", "lifecycle.leader_election.renew_deadline=30s"}, "lifecycle.leader_election"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := Sources{Sets: c.sets}
			if c.yaml != "" {
				src.File = writeFile(t, c.yaml)
			}
			_, err := Load(src)
			if err == nil {
				t.Fatal("want an error")
			}
			var ke *KeyError
			if !errors.As(err, &ke) || !strings.Contains(err.Error(), c.key) {
				t.Fatalf("error %q does not name %s", err, c.key)
			}
		})
	}
}

func TestPluginConfigSectionIsFree(t *testing.T) {
	file := writeFile(t, "plugins:\n  files:\n    kind: storage\n    path: /bin/sh\n    config:\n      root: /tmp/x\n      nested: {a: 1}\n")
	cfg, err := Load(Sources{File: file})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Plugins["files"].Config["root"] != "/tmp/x" {
		t.Fatalf("plugin config not kept: %#v", cfg.Plugins["files"].Config)
	}
}

func TestDefaultPluginCanBeDisabled(t *testing.T) {
	cfg, err := Load(Sources{Sets: []string{"plugins.catalogs.enabled=false"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Plugins["catalogs"]; ok {
		t.Fatal("a disabled plugin must be dropped")
	}
	cfg, _ = Load(Sources{})
	if _, ok := cfg.Plugins["catalogs"]; !ok {
		t.Fatal("the default catalog plugin is configured by default")
	}
}

func TestDisabledPluginLeavesItsRegions(t *testing.T) {
	cfg, err := Load(Sources{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Plugins["cluster"]; ok || cfg.Regions[0].Region != "" {
		t.Fatalf("the default region must run no services until the cluster plugin is enabled: %+v", cfg.Regions[0])
	}
	cfg, err = Load(Sources{Sets: []string{"plugins.cluster.enabled=true", "plugins.cluster.config.kubeconfig=/k", "plugins.files.enabled=false"}})
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Regions[0]
	if r.Region != "cluster" || r.Storage != "" || r.Secrets != "secrets" {
		t.Fatalf("enabling cluster and disabling files: %+v", r)
	}
	if got := cfg.Plugins["cluster"].Config["kubeconfig"]; got != "/k" {
		t.Fatalf("kubeconfig = %v", got)
	}
}

func TestEnvironmentUnknownKeyInASection(t *testing.T) {
	_, err := Load(Sources{Environ: []string{"BASALT_SERVER__ADRESS=x"}})
	if err == nil || !strings.Contains(err.Error(), "server.adress") {
		t.Fatalf("a misspelt key under a section must be refused by name, got %v", err)
	}
}

// Text from the environment or flags reaches string fields exactly as written, and is read as
// YAML for the others.
func TestTextValuesKeepTheirTextInStringFields(t *testing.T) {
	cfg, err := Load(Sources{
		Environ: []string{"BASALT_AUTH__SESSION__KEY=abc #not-a-comment 0123456789abcdef0123",
			"BASALT_AUTH__OIDC__CLIENT_SECRET=12345678", "BASALT_UI__NAME=a: b",
			"BASALT_SERVER__MAX_BODY_BYTES=2048", "BASALT_AUTH__LOCAL__GROUPS=[x, y]", "BASALT_SERVER__SHUTDOWN_TIMEOUT=3s"},
		Sets: []string{"auth.local.email=0123", "server.rate_limit.burst=3"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Auth.Session.Key != "abc #not-a-comment 0123456789abcdef0123" || cfg.Auth.OIDC.ClientSecret != "12345678" ||
		cfg.UI.Name != "a: b" || cfg.Auth.Local.Email != "0123" {
		t.Errorf("strings changed on the way: key %q secret %q name %q email %q",
			cfg.Auth.Session.Key, cfg.Auth.OIDC.ClientSecret, cfg.UI.Name, cfg.Auth.Local.Email)
	}
	if cfg.Server.MaxBodyBytes != 2048 || len(cfg.Auth.Local.Groups) != 2 || cfg.Auth.Local.Groups[1] != "y" ||
		cfg.Server.ShutdownTimeout != 3*time.Second || cfg.Server.RateLimit.Burst != 3 {
		t.Errorf("typed values: %d %v %v %d", cfg.Server.MaxBodyBytes, cfg.Auth.Local.Groups, cfg.Server.ShutdownTimeout, cfg.Server.RateLimit.Burst)
	}
	if _, err := Load(Sources{Environ: []string{"BASALT_SERVER__MAX_BODY_BYTES=lots"}}); err == nil ||
		!strings.Contains(err.Error(), "server.max_body_bytes") {
		t.Errorf("a number field given text: %v", err)
	}
}

func TestGroupPatternsAreChecked(t *testing.T) {
	_, err := Load(Sources{Sets: []string{"projects.included_group_pattern=([", "projects.transform_group_pattern=$1"}})
	if err == nil || !strings.Contains(err.Error(), "projects.included_group_pattern") {
		t.Errorf("a broken pattern: %v", err)
	}
	_, err = Load(Sources{Sets: []string{"projects.transform_group_pattern=$1"}})
	if err == nil || !strings.Contains(err.Error(), "projects.transform_group_pattern") {
		t.Errorf("a transform without include: %v", err)
	}
}
