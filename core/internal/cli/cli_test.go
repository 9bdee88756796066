package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "basalt ") {
		t.Fatalf("version: %d %q", code, out)
	}
}

// A bad configuration stops `basalt serve` before it serves, naming the key at fault.
func TestServeRefusesBadConfiguration(t *testing.T) {
	dir := t.TempDir()
	file := func(body string) string {
		path := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	cases := []struct {
		name string
		args []string
		key  string
	}{
		{"wrong type", []string{"--set", "server.shutdown_timeout=[1]"}, "server.shutdown_timeout"},
		{"unknown plugin binary", []string{"--config", file("plugins:\n  files:\n    kind: storage\n    path: basalt-plugin-that-does-not-exist\n")}, "plugins.files.path"},
		{"missing file", []string{"--config", filepath.Join(dir, "absent.yaml")}, "absent.yaml"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, append([]string{"serve", "--set", "server.address=127.0.0.1:0"}, c.args...)...)
			if code == 0 {
				t.Fatal("serve must fail")
			}
			if !strings.Contains(stderr, c.key) {
				t.Fatalf("stderr does not name %s:\n%s", c.key, stderr)
			}
		})
	}
}

// onlyMemory drops the embedded default plugins and the default region that uses them, so
// that a test's configuration holds the memory plugin only.
const onlyMemory = "regions: [{id: local}]\nplugins:\n  catalogs: {enabled: false}\n  files: {enabled: false}\n  secrets: {enabled: false}\n"

func TestServeRefusesPluginSectionFailingItsSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "basalt.yaml")
	body := onlyMemory + "  mem:\n    kind: storage\n    path: " + testplugin.Memory(t) + "\n    args: [storage]\n    config:\n      maxPageSize: lots\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "serve", "--config", path, "--set", "server.address=127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "plugins.mem.config.maxPageSize") {
		t.Fatalf("serve must exit non-zero naming the key, got %d:\n%s", code, stderr)
	}
}

func TestPluginsCommandListsHealth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "basalt.yaml")
	body := "log:\n  level: error\n" + onlyMemory + "  mem:\n    kind: storage\n    path: " + testplugin.Memory(t) + "\n    args: [storage]\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "plugins", "--config", path)
	if code != 0 || !strings.Contains(stdout, "mem ") || !strings.Contains(stdout, "memory") || !strings.Contains(stdout, " ok ") {
		t.Fatalf("plugins: %d\n%s\n%s", code, stdout, stderr)
	}
}
