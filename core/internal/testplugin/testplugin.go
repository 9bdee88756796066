// Package testplugin is the one list of the binaries the core's tests run as real subprocesses:
// Basalt's plugins, its catalog packager and the sdk's in-memory test plugin. Tests ask for a
// binary by the name an operator's configuration gives it (path: basalt-plugin-s3), never by
// its import path.
package testplugin

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// packages maps each binary to its main package; a binary is named after the package's last
// element, as go build names it. Every main package under plugins/*/cmd/ is listed
// (TestEveryPluginCommandIsListed).
var packages = map[string]string{
	"basalt-catalog":             "github.com/basalt-dev/basalt/plugins/helmrepo/cmd/basalt-catalog",
	"basalt-plugin-fs":           "github.com/basalt-dev/basalt/plugins/fs/cmd/basalt-plugin-fs",
	"basalt-plugin-helmrepo":     "github.com/basalt-dev/basalt/plugins/helmrepo/cmd/basalt-plugin-helmrepo",
	"basalt-plugin-kubernetes":   "github.com/basalt-dev/basalt/plugins/kubernetes/cmd/basalt-plugin-kubernetes",
	"basalt-plugin-localsecrets": "github.com/basalt-dev/basalt/plugins/localsecrets/cmd/basalt-plugin-localsecrets",
	"basalt-plugin-memory":       "github.com/basalt-dev/basalt/sdk/plugintest/memory/cmd/basalt-plugin-memory",
	"basalt-plugin-s3":           "github.com/basalt-dev/basalt/plugins/s3/cmd/basalt-plugin-s3",
	"basalt-plugin-vault":        "github.com/basalt-dev/basalt/plugins/vault/cmd/basalt-plugin-vault",
}

// Package returns the main package of the named binary. An unknown name fails the test.
func Package(tb testing.TB, name string) string {
	tb.Helper()
	pkg, ok := packages[name]
	if !ok {
		tb.Fatalf("testplugin: no binary named %q; known: %s", name, strings.Join(slices.Sorted(maps.Keys(packages)), ", "))
	}
	return pkg
}

// BinDirVar names a directory of binaries built beforehand: make test passes bin/, which
// make build has just filled.
const BinDirVar = "BASALT_TEST_BIN_DIR"

// Path returns the path of the named binary: the one in $BASALT_TEST_BIN_DIR when it is there,
// else one built once per test process (plugintest.Build).
func Path(tb testing.TB, name string) string {
	tb.Helper()
	pkg := Package(tb, name)
	if dir := os.Getenv(BinDirVar); dir != "" && len(plugintest.MissingBinaries(dir, pkg)) == 0 {
		return filepath.Join(dir, name)
	}
	return plugintest.Build(tb, pkg)
}

// Memory returns the path of the basalt-plugin-memory binary, built once per test process.
// Its first argument picks the kind it serves: storage, secrets, catalog or region.
// BASALT_MEMORY_PLUGIN names a prebuilt binary instead.
func Memory(tb testing.TB) string {
	tb.Helper()
	if prebuilt := os.Getenv("BASALT_MEMORY_PLUGIN"); prebuilt != "" {
		return prebuilt
	}
	return Path(tb, "basalt-plugin-memory")
}
