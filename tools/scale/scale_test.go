package scale

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

func TestMain(m *testing.M) { os.Exit(plugintest.Run(m)) }

// binDirVar names a directory of binaries built beforehand: make test passes bin/.
const binDirVar = "BASALT_TEST_BIN_DIR"

// binaries is a folder holding Binaries: $BASALT_TEST_BIN_DIR when every one is there, else
// one built for the test.
func binaries(t *testing.T) string {
	if dir := os.Getenv(binDirVar); dir != "" && len(plugintest.MissingBinaries(dir, Binaries...)) == 0 {
		return dir
	}
	return plugintest.BuildDir(t, Packages...)
}

// TestAPIServerCostsDoNotRegress runs the harness small (20 users, 22 projects, 500 services,
// a short load) on the shared test environment, and fails when a portal call costs more API
// server requests than today: a project's listing, the catalog, the launch form and the files
// cost none once the project's caches are warm; a service page and its events a few.
// The harness's APICounter counts Basalt's requests alone, whatever else the suite runs.
func TestAPIServerCostsDoNotRegress(t *testing.T) {
	env := testenv.Require(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	suffix := make([]byte, 2)
	_, _ = rand.Read(suffix)
	out := &logscan.Buffer{}
	var log io.Writer = out
	if file := logscan.Create(t, "basalt"); file != nil {
		log = io.MultiWriter(out, file)
	}
	h := &Harness{Env: env, Bin: binaries(t), Work: t.TempDir(), Charts: "../../../shared/catalogs/interactive",
		Sizes: Small(), Prefix: "guard" + hex.EncodeToString(suffix), Log: log}
	t.Cleanup(func() {
		if err := h.Cleanup(context.Background()); err != nil {
			t.Errorf("deleting the run's namespaces: %v", err)
		}
		if t.Failed() {
			t.Logf("the harness and its basalt said:\n%s", out)
		}
	})
	if err := h.Run(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range h.Measures {
		got[m.Name] = m.Value
		t.Log(m)
	}
	// Today's costs, the most each call may make: lower them here when the code gets cheaper.
	budgets := []struct {
		measure string
		most    float64
	}{
		{"scale.list.apicalls", 0},
		{"scale.cost.catalog.apicalls", 0},
		{"scale.cost.form.apicalls", 0},
		{"scale.cost.files.apicalls", 0},
		{"scale.cost.service.apicalls", 0}, // a refreshed page reads its values and manifest kept by resource version
		{"scale.cost.events.apicalls", 0},
		{"scale.launch.apicalls", launchBudget},
	}
	for _, b := range budgets {
		v, ok := got[b.measure]
		if !ok {
			t.Errorf("%s was not measured", b.measure)
		} else if v > b.most {
			t.Errorf("%s = %g API server requests, more than the %g it costs today", b.measure, v, b.most)
		}
	}
	// The run itself held: every service seeded, no error under load, every launch kept.
	if got["scale.seed.services"] != float64(h.Sizes.Services) {
		t.Errorf("seeded %g services, want %d", got["scale.seed.services"], h.Sizes.Services)
	}
	for _, m := range []string{"scale.mix.errors", "scale.streams.errors", "scale.launch.load.failed", "scale.launch.load.lost", "scale.launch.load.duplicated"} {
		if v, ok := got[m]; !ok || v != 0 {
			t.Errorf("%s = %g (measured: %v), want 0", m, v, ok)
		}
	}
	if got["scale.mix.requests"] == 0 || got["scale.launch.load.accepted"] == 0 {
		t.Errorf("the load phase made %g calls and %g launches", got["scale.mix.requests"], got["scale.launch.load.accepted"])
	}
}

// launchBudget is what one launch of Onyxia's jupyter-python costs today, install included
// (29 or 30 requests: its objects written one by one, the chart's lookups), and two more for a
// write retried on a conflict.
const launchBudget = 32
