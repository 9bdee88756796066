package basalttest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestServeKeepsItsFilesToItself starts basalt with a relative files root, as the embedded
// defaults have (data/files): it must land in the process's own directory, never beside the
// binaries, which under make test are bin/, where `make run` keeps its files and secrets.
func TestServeKeepsItsFilesToItself(t *testing.T) {
	dir := Build(t, "basalt-plugin-fs")
	root := fmt.Sprintf("data/serve-test-%d", time.Now().UnixNano())
	p := Serve(t, dir, FreeAddress(t), nil, "--set", "plugins.catalogs.enabled=false", "--set", "plugins.secrets.enabled=false",
		"--set", "plugins.files.config.root="+root)
	if _, err := os.Stat(filepath.Join(dir, root)); err == nil {
		_ = os.RemoveAll(filepath.Join(dir, root))
		t.Errorf("basalt made its files root %s beside its binaries in %s", root, dir)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, root)); err != nil {
		t.Errorf("the files root is not in the process's own directory: %v", err)
	}
}
