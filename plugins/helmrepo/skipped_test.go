package helmrepo_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// TestSkippedCharts checks that ListCharts WithSkipped says why each chart or version of the
// source is not listed, over the wire as `basalt catalog check` reads it, and that a plain
// ListCharts says nothing of them.
func TestSkippedCharts(t *testing.T) {
	dir := copyRepo(t, nil)
	idx := loadIndex(t, dir)
	idx.Entries["vscode-python"][0].Annotations = map[string]string{"onyxia.dev/tier": "silver"}
	// An entry helm's checks refuse: its version is not a version.
	bad := *idx.Entries["rstudio"][0]
	badMD := *bad.Metadata
	badMD.Version = "banana"
	bad.Metadata = &badMD
	idx.Entries["rstudio"] = append(idx.Entries["rstudio"], &bad)
	lib := chartArchive(t, chartFiles{name: "library-chart", version: "2.1.7", typ: "library"})
	writeFile(t, filepath.Join(dir, "library-chart-2.1.7.tgz"), lib)
	md := chartMetadata("library-chart", "2.1.7")
	md.Type = "library"
	idx.MustAdd(md, "library-chart-2.1.7.tgz", "", sha(lib))
	// rstudio 2.6.0's archive is not the one the index describes; 2.5.4 is an older patch.
	for _, v := range []string{"2.6.0", "2.5.4"} {
		data := chartArchive(t, chartFiles{name: "rstudio", version: v})
		writeFile(t, filepath.Join(dir, "rstudio-"+v+".tgz"), data)
		digest := sha(data)
		if v == "2.6.0" {
			digest = sha([]byte("something else"))
		}
		idx.MustAdd(chartMetadata("rstudio", v), "rstudio-"+v+".tgz", "", digest)
	}
	saveIndex(t, dir, idx)
	srv := serveRepo(t, dir)

	filters := config{"excludedCharts": []string{"Marimo-Python"}, "excludeKeywords": []string{"Spark"},
		"excludeAnnotations": map[string]string{"onyxia.dev/tier": "silver"}}
	catalogs := []config{
		{"id": "max", "location": srv.URL, "multipleServicesMode": "maxNumber", "maxNumberOfVersions": 2},
		{"id": "patches", "location": srv.URL, "multipleServicesMode": "skipPatches"},
	}
	for _, c := range catalogs {
		for k, v := range filters {
			c[k] = v
		}
	}
	c := plugintest.ConnectCatalog(t, newPlugin(t, "", catalogs...))

	const invalid = "invalid index entry: validation: chart.metadata.version \"banana\" is invalid"
	common := []sdk.SkippedChart{
		{Chart: "jupyter-pyspark", Reason: "keyword 'Spark' excluded by excludeKeywords"},
		{Chart: "library-chart", Reason: "library chart"},
		{Chart: "marimo-python", Reason: "excluded by excludedCharts"},
		{Chart: "rstudio", Version: "banana", Reason: invalid, Broken: true},
		{Chart: "vscode-python", Reason: "annotation onyxia.dev/tier=silver excluded by excludeAnnotations"},
	}
	for _, tc := range []struct {
		id   string
		want []sdk.SkippedChart
	}{
		{"max", []sdk.SkippedChart{
			{Chart: "jupyter-python", Version: "2.1.11", Reason: "older than the 2 newest (maxNumber)"},
			{Chart: "rstudio", Version: "2.5.4", Reason: "older than the 2 newest (maxNumber)"},
			{Chart: "rstudio", Version: "2.6.0", Reason: "digest mismatch", Broken: true},
		}},
		{"patches", []sdk.SkippedChart{
			{Chart: "rstudio", Version: "2.5.4", Reason: "a newer patch of its minor version is listed (skipPatches)"},
			{Chart: "rstudio", Version: "2.6.0", Reason: "digest mismatch", Broken: true},
		}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			resp, err := c.ListCharts(ctx(t), sdk.ListChartsRequest{CatalogID: tc.id, WithSkipped: true})
			if err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(common), tc.want...)
			slices.SortStableFunc(want, func(a, b sdk.SkippedChart) int {
				return strings.Compare(a.Chart+" "+a.Version, b.Chart+" "+b.Version)
			})
			got := slices.Clone(resp.Skipped)
			slices.SortStableFunc(got, func(a, b sdk.SkippedChart) int {
				return strings.Compare(a.Chart+" "+a.Version, b.Chart+" "+b.Version)
			})
			if len(got) != len(want) {
				t.Fatalf("skipped:\n%s\nwant:\n%s", skippedLines(got), skippedLines(want))
			}
			for i := range want {
				// A broken entry's reason goes on with the details (both digests).
				if g, w := got[i], want[i]; g.Chart != w.Chart || g.Version != w.Version || g.Broken != w.Broken || !strings.HasPrefix(g.Reason, w.Reason) {
					t.Errorf("skipped %+v, want %+v", g, w)
				}
			}
			if got := chartNames(resp.Charts); !slices.Equal(got, []string{"jupyter-python", "jupyter-python-gpu", "rstudio"}) {
				t.Errorf("listed %q", got)
			}
			plain, err := c.ListCharts(ctx(t), sdk.ListChartsRequest{CatalogID: tc.id})
			if err != nil || len(plain.Skipped) != 0 {
				t.Errorf("ListCharts without WithSkipped: %d skipped, %v", len(plain.Skipped), err)
			}
		})
	}
}

func skippedLines(s []sdk.SkippedChart) string {
	var b strings.Builder
	for _, k := range s {
		b.WriteString(k.Chart + " " + k.Version + ": " + k.Reason + "\n")
	}
	return b.String()
}
