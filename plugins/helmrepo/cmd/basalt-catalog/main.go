// Command basalt-catalog packages chart folders into a Helm repository (archives and
// index.yaml), the form the helmrepo plugin serves. `make build` uses it for Basalt's default
// catalog (config/catalog):
//
//	basalt-catalog package <folder of chart folders> <repository folder>
//
// The source's icons/ folder is copied beside the archives, so that charts name their icon
// by a relative address (icon: icons/jupyter.svg), which the catalog plugin resolves in the
// repository: a catalog that needs no other site.
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
)

func main() {
	if len(os.Args) != 4 || os.Args[1] != "package" {
		fmt.Fprintln(os.Stderr, "usage: basalt-catalog package <folder of chart folders> <repository folder>")
		os.Exit(2)
	}
	if err := pack(os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "basalt-catalog:", err)
		os.Exit(1)
	}
}

func pack(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(src, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err != nil {
			continue
		}
		ch, err := loader.LoadDir(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		if err := ch.Validate(); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		archive, err := chartutil.Save(ch, dst)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		names = append(names, filepath.Base(archive))
	}
	if len(names) == 0 {
		return fmt.Errorf("no chart folder in %s", src)
	}
	if err := copyIcons(filepath.Join(src, "icons"), filepath.Join(dst, "icons")); err != nil {
		return err
	}
	index, err := repo.IndexDirectory(dst, "")
	if err != nil {
		return err
	}
	index.SortEntries()
	if err := index.WriteFile(filepath.Join(dst, "index.yaml"), 0o644); err != nil {
		return err
	}
	sort.Strings(names)
	fmt.Printf("basalt-catalog: %d charts in %s: %v\n", len(names), dst, names)
	return nil
}

// copyIcons copies the files of src, if it exists, into dst.
func copyIcons(src, dst string) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
