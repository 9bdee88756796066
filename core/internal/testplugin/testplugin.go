// Package testplugin gives the core's tests the sdk's in-memory test plugin binary, which they
// run as a real subprocess.
package testplugin

import (
	"os"
	"testing"

	"github.com/basalt-dev/basalt/sdk/plugintest"
)

const memoryPkg = "github.com/basalt-dev/basalt/sdk/plugintest/memory/cmd/basalt-plugin-memory"

// Memory returns the path of the basalt-plugin-memory binary, built once per test process.
// Its first argument picks the kind it serves: storage, secrets, catalog or region.
// BASALT_MEMORY_PLUGIN names a prebuilt binary instead.
func Memory(tb testing.TB) string {
	tb.Helper()
	if prebuilt := os.Getenv("BASALT_MEMORY_PLUGIN"); prebuilt != "" {
		return prebuilt
	}
	return plugintest.Build(tb, memoryPkg)
}
