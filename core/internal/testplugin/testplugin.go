// Package testplugin builds the sdk's in-memory test plugin binary for the core's tests, which
// run it as a real subprocess.
package testplugin

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

const memoryPkg = "github.com/basalt-dev/basalt/sdk/plugintest/memory/cmd/basalt-plugin-memory"

var (
	once sync.Once
	path string
	err  error
	out  []byte
)

// Memory returns the path of the basalt-plugin-memory binary, built once per test process.
// Its first argument picks the kind it serves: storage, secrets, catalog or region.
// BASALT_MEMORY_PLUGIN names a prebuilt binary instead.
func Memory(tb testing.TB) string {
	tb.Helper()
	if prebuilt := os.Getenv("BASALT_MEMORY_PLUGIN"); prebuilt != "" {
		return prebuilt
	}
	once.Do(func() {
		dir, derr := os.MkdirTemp("", "basalt-testplugin-")
		if derr != nil {
			err = derr
			return
		}
		path = filepath.Join(dir, "basalt-plugin-memory")
		cmd := exec.Command("go", "build", "-o", path, memoryPkg)
		out, err = cmd.CombinedOutput()
	})
	if err != nil {
		tb.Fatalf("building the memory test plugin: %v\n%s", err, out)
	}
	return path
}
