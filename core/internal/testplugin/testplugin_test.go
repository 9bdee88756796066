package testplugin

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// The repository's root, from this package's folder.
const root = "../../.."

const modulePrefix = "github.com/basalt-dev/basalt/"

// TestEveryPluginCommandIsListed: each main package under plugins/*/cmd/ (what make build
// ships beside basalt) is in the list under its binary's name, and each listed package is a
// folder of the repository, so that a new plugin command, or a moved one, fails here first.
func TestEveryPluginCommandIsListed(t *testing.T) {
	cmds, err := filepath.Glob(filepath.Join(root, "plugins", "*", "cmd", "*"))
	if err != nil || len(cmds) == 0 {
		t.Fatalf("no plugin commands under %s/plugins: %v", root, err)
	}
	for _, dir := range cmds {
		rel, _ := filepath.Rel(root, dir)
		want := modulePrefix + filepath.ToSlash(rel)
		if got := packages[filepath.Base(dir)]; got != want {
			t.Errorf("binary %s: listed as %q, want %q", filepath.Base(dir), got, want)
		}
	}
	for name, pkg := range packages {
		if path.Base(pkg) != name {
			t.Errorf("%s is listed under %q, but go build names its binary %s", pkg, name, path.Base(pkg))
		}
		dir := filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(pkg, modulePrefix)))
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			t.Errorf("%s: no folder %s in the repository", name, dir)
		}
	}
}
