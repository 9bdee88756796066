package web

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkExplorer measures the data explorer in Chromium against the test environment's
// MinIO (e2e/explorer-bench.mjs): the first rows of a 1 GiB CSV and of a 1 GiB Parquet file and
// the bytes the latter took, a GROUP BY over a 10-million-row Parquet file, and the main
// thread's longest task meanwhile. It builds the portal, basalt and the s3 plugin first, and
// makes its files once (they stay on MinIO for the next run). `make bench` runs it.
func BenchmarkExplorer(b *testing.B) {
	if os.Getenv("BASALT_TESTENV_FILE") == "" {
		b.Skip("the explorer's figures need the test environment: run make bench")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	run(b, root, "make", "--no-print-directory", "web-build", "web-chromium")
	bin := b.TempDir()
	run(b, root, "go", "build", "-o", bin+string(filepath.Separator), "./core/cmd/basalt", "./plugins/s3/cmd/basalt-plugin-s3", "./plugins/localsecrets/cmd/basalt-plugin-localsecrets")
	for b.Loop() {
		cmd := exec.CommandContext(b.Context(), "node", "e2e/explorer-bench.mjs")
		cmd.Env = append(os.Environ(), "E2E_BASALT_BIN="+bin)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("explorer-bench.mjs: %v", err)
		}
		metrics, err := parseMetrics(out)
		if err != nil {
			b.Fatal(err)
		}
		for _, m := range metrics {
			b.ReportMetric(m.value, m.name+"-"+m.unit)
		}
	}
}

type metric struct {
	name, unit string
	value      float64
}

// parseMetrics reads the script's "METRIC <name> <value> <unit>" lines.
func parseMetrics(out []byte) ([]metric, error) {
	var ms []metric
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "METRIC" {
			continue
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, err
		}
		ms = append(ms, metric{name: f[1], value: v, unit: f[3]})
	}
	return ms, sc.Err()
}

func run(b *testing.B, dir, name string, args ...string) {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
