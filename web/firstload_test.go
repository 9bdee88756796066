package web

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// firstLoadBudget is what a browser may fetch, gzip-compressed, before the portal's first
// page shows: index.html's scripts, preloaded modules and style sheets. Pages, the explorer's
// DuckDB and editor, and the Markdown renderer load when used.
const firstLoadBudget = 176 << 10

var firstLoadAsset = regexp.MustCompile(`(?:src|href)="/(assets/[^"]+)"`)

// TestFirstLoadBudget fails when the first load grows past its budget, or when it takes an
// asset that only some pages need.
func TestFirstLoadBudget(t *testing.T) {
	if !Built() {
		t.Skip("the portal is not built (make web-build); make test builds it first")
	}
	index, err := fs.ReadFile(Dist(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	var sizes []string
	for _, m := range firstLoadAsset.FindAllSubmatch(index, -1) {
		name := string(m[1])
		for _, lazy := range []string{"duckdb", "ExplorerPage", "Markdown", ".wasm"} {
			if strings.Contains(name, lazy) {
				t.Errorf("the first load takes %s, which only some pages need", name)
			}
		}
		raw, err := fs.ReadFile(Dist(), name)
		if err != nil {
			t.Fatal(err)
		}
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		_, _ = w.Write(raw)
		_ = w.Close()
		total += z.Len()
		sizes = append(sizes, name)
	}
	if len(sizes) == 0 {
		t.Fatal("index.html names no asset")
	}
	if total > firstLoadBudget {
		t.Errorf("the first load is %d bytes compressed (%s), over its budget of %d", total, strings.Join(sizes, ", "), firstLoadBudget)
	}
	t.Logf("first load: %d bytes compressed in %d assets (budget %d)", total, len(sizes), firstLoadBudget)
}
