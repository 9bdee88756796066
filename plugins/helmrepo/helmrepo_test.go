package helmrepo_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// conformance runs the sdk's kit on the shared catalog at location, with marimo-python
// excluded so that the kit checks hidden charts too.
func conformance(t *testing.T, location func(t *testing.T) string) {
	plugintest.TestCatalog(t, func(t *testing.T) plugintest.CatalogSetup {
		p := newPlugin(t, "", config{
			"id": "interactive", "location": location(t), "multipleServicesMode": "all",
			"excludedCharts": []string{"Marimo-Python"},
		})
		var charts []plugintest.ExpectedChart
		for _, name := range sharedCharts {
			if name == "marimo-python" {
				continue
			}
			c := plugintest.ExpectedChart{Name: name, Schema: true}
			if name == "jupyter-python" {
				c.Versions = jupyterPython
			}
			charts = append(charts, c)
		}
		return plugintest.CatalogSetup{Catalog: p, CatalogID: "interactive", Charts: charts, Hidden: []string{"marimo-python"}}
	})
}

func TestConformanceHTTP(t *testing.T) {
	conformance(t, func(t *testing.T) string { return serveRepo(t, sharedDir(t)).URL })
}

func TestConformanceDirectory(t *testing.T) {
	conformance(t, func(t *testing.T) string { return sharedDir(t) })
}

func TestConformanceFileURL(t *testing.T) {
	conformance(t, func(t *testing.T) string { return "file://" + sharedDir(t) })
}

func TestChartDetails(t *testing.T) {
	srv := serveRepo(t, sharedDir(t))
	c := plugintest.ConnectCatalog(t, newPlugin(t, "", config{"id": "ide", "location": srv.URL, "multipleServicesMode": "all"}))
	got, err := c.GetChart(ctx(t), sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: "ide", Chart: "jupyter-python", Version: "2.3.19"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got.ChartYAML, []byte("version: 2.3.19")) {
		t.Errorf("Chart.yaml:\n%s", got.ChartYAML)
	}
	var schema map[string]any
	if err := json.Unmarshal(got.ValuesSchema, &schema); err != nil || schema["properties"] == nil {
		t.Errorf("values.schema.json: %v", err)
	}
	if !bytes.Contains(got.ValuesYAML, []byte("service:")) {
		t.Errorf("values.yaml does not look like jupyter-python's:\n%.300s", got.ValuesYAML)
	}
	if len(got.Readme) == 0 {
		t.Error("no README")
	}
	if len(got.Dependencies) != 1 || got.Dependencies[0].Name != "library-chart" || got.Dependencies[0].Version != "1.7.12" {
		t.Errorf("dependencies: %+v", got.Dependencies)
	}
	if want := "d218b791e485f5b2aa05af0aab029436be01868d4229dafa9fc174697f20c0eb"; got.Digest != want {
		t.Errorf("digest %s, want the index's %s", got.Digest, want)
	}
	if got.Summary.Icon == "" || got.Summary.Home != "https://jupyter.org/" || !slices.Contains(got.Summary.Keywords, "Python") {
		t.Errorf("summary: %+v", got.Summary)
	}
	if created := got.Summary.Versions[0].Created; created.IsZero() {
		t.Error("versions carry no creation time")
	}
}

func TestCatalogOptions(t *testing.T) {
	srv := serveRepo(t, sharedDir(t))
	p := newPlugin(t, "",
		config{
			"id": "ide", "location": srv.URL, "type": "helm", "maintainer": "innovation@insee.fr",
			"name":        map[string]string{"en": "Development environments", "fr": "Environnements de développement"},
			"description": "IDEs for data scientists.",
			"status":      "TEST", "timeout": "10m", "allowSharing": false,
			"visible":           config{"user": true, "project": false},
			"highlightedCharts": []string{"vscode-python", "rstudio"},
			"restrictions": []config{
				{"userAttribute": config{"key": "groups", "matches": "data-.*"}},
				{"userAttribute": config{"key": "email_verified", "matches": "true"}},
			},
			"username": nil, "password": nil, "caFile": nil, "skipTlsVerify": false,
		},
		config{"id": "defaults", "location": srv.URL},
	)
	c := plugintest.ConnectCatalog(t, p)

	ide := catalogInfo(t, c, "ide")
	if ide.Name["fr"] != "Environnements de développement" || ide.Description[""] != "IDEs for data scientists." {
		t.Errorf("name %v, description %v", ide.Name, ide.Description)
	}
	if ide.Status != "TEST" || ide.Timeout != 10*time.Minute || ide.AllowSharing || !ide.VisibleInPersonal || ide.VisibleInGroup {
		t.Errorf("options: %+v", ide)
	}
	if !slices.Equal(ide.Highlighted, []string{"vscode-python", "rstudio"}) {
		t.Errorf("highlighted: %q", ide.Highlighted)
	}
	want := []sdk.ClaimRestriction{{Key: "groups", Match: "data-.*"}, {Key: "email_verified", Match: "true"}}
	if !slices.Equal(ide.Restrictions, want) {
		t.Errorf("restrictions %+v, want %+v", ide.Restrictions, want)
	}
	if ide.Location != srv.URL || ide.ChartCount != 6 || ide.Error != "" || ide.LastRefresh.IsZero() {
		t.Errorf("state: %+v", ide)
	}
	if got := chartNames(listCharts(t, c, "ide")); !slices.Equal(got[:2], []string{"vscode-python", "rstudio"}) || !slices.IsSorted(got[2:]) {
		t.Errorf("highlighted charts first, then by name: %q", got)
	}

	def := catalogInfo(t, c, "defaults")
	if def.Name[""] != "defaults" || def.Status != "PROD" || def.Timeout != 5*time.Minute || !def.AllowSharing ||
		!def.VisibleInPersonal || !def.VisibleInGroup || len(def.Restrictions) != 0 {
		t.Errorf("defaults: %+v", def)
	}
	if got := chartNames(listCharts(t, c, "defaults")); !slices.Equal(got, sharedCharts) {
		t.Errorf("charts by name: %q", got)
	}
}

func TestVersionSelection(t *testing.T) {
	dir := sharedDir(t)
	srv := serveRepo(t, dir)
	for _, tc := range []struct {
		mode string
		max  int
		want []string
	}{
		{"latest", 0, []string{"2.5.2"}},
		{"", 0, []string{"2.5.2"}},
		{"all", 0, []string{"2.5.2", "2.3.19", "2.1.11"}},
		{"skipPatches", 0, []string{"2.5.2", "2.3.19", "2.1.11"}},
		{"maxNumber", 2, []string{"2.5.2", "2.3.19"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cat := config{"id": "ide", "location": srv.URL}
			if tc.mode != "" {
				cat["multipleServicesMode"] = tc.mode
			}
			if tc.max > 0 {
				cat["maxNumberOfVersions"] = tc.max
			}
			p := newPlugin(t, "", cat)
			got := findChart(t, listCharts(t, p, "ide"), "jupyter-python")
			if !slices.Equal(versionsOf(got), tc.want) {
				t.Errorf("versions %q, want %q", versionsOf(got), tc.want)
			}
		})
	}
}

func TestVersionOrderAndPatches(t *testing.T) {
	// A repository of small charts made here, with versions that exercise the order:
	// pre-releases last, numeric comparison, patches grouped by major.minor.
	dir := t.TempDir()
	versions := []string{"1.2.3", "1.10.0", "1.2.10", "2.0.0-rc.1", "1.10.1", "0.9.0", "2.0.0-beta.2"}
	idx := repo.NewIndexFile()
	for _, v := range versions {
		data := chartArchive(t, chartFiles{name: "demo", version: v})
		name := "demo-" + v + ".tgz"
		writeFile(t, filepath.Join(dir, name), data)
		idx.MustAdd(chartMetadata("demo", v), name, "", sha(data))
	}
	saveIndex(t, dir, idx)
	for mode, want := range map[string][]string{
		"all":         {"1.10.1", "1.10.0", "1.2.10", "1.2.3", "0.9.0", "2.0.0-rc.1", "2.0.0-beta.2"},
		"skipPatches": {"1.10.1", "1.2.10", "0.9.0", "2.0.0-rc.1"},
		"latest":      {"1.10.1"},
	} {
		p := newPlugin(t, "", config{"id": "demo", "location": dir, "multipleServicesMode": mode})
		if got := versionsOf(findChart(t, listCharts(t, p, "demo"), "demo")); !slices.Equal(got, want) {
			t.Errorf("%s: versions %q, want %q", mode, got, want)
		}
		if mode == "all" {
			got, err := p.GetChart(ctx(t), sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: "demo", Chart: "demo"}})
			if err != nil || got.Chart.Version != "1.10.1" {
				t.Errorf("the default version is the newest stable one: %+v, %v", got.Chart, err)
			}
		}
	}
}

func TestChartFilters(t *testing.T) {
	dir := copyRepo(t, func(idx *repo.IndexFile) {
		idx.Entries["rstudio"][0].Annotations = map[string]string{"onyxia.dev/tier": "gold"}
		idx.Entries["vscode-python"][0].Annotations = map[string]string{"onyxia.dev/tier": "silver"}
		// jupyter-python's newest version decides: an annotation on an older one counts for nothing.
		for _, cv := range idx.Entries["jupyter-python"] {
			if cv.Version == "2.1.11" {
				cv.Annotations = map[string]string{"onyxia.dev/tier": "gold"}
			}
		}
	})
	srv := serveRepo(t, dir)
	for _, tc := range []struct {
		name string
		opts config
		want []string
	}{
		{"excludedCharts ignores case", config{"excludedCharts": []string{"RStudio", "jupyter-python-gpu"}},
			[]string{"jupyter-pyspark", "jupyter-python", "marimo-python", "vscode-python"}},
		{"includeKeywords", config{"includeKeywords": []string{"Spark", "R"}}, []string{"jupyter-pyspark", "rstudio"}},
		{"excludeKeywords", config{"excludeKeywords": []string{"Python"}}, []string{"rstudio"}},
		{"includeAnnotations", config{"includeAnnotations": map[string]string{"onyxia.dev/tier": "gold"}}, []string{"rstudio"}},
		{"excludeAnnotations", config{"excludeAnnotations": map[string]string{"onyxia.dev/tier": "silver"}},
			[]string{"jupyter-pyspark", "jupyter-python", "jupyter-python-gpu", "marimo-python", "rstudio"}},
		{"filters combine", config{"includeKeywords": []string{"Python"}, "excludeKeywords": []string{"Spark"}, "excludedCharts": []string{"marimo-python"}},
			[]string{"jupyter-python", "jupyter-python-gpu", "vscode-python"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat := config{"id": "f", "location": srv.URL}
			for k, v := range tc.opts {
				cat[k] = v
			}
			p := newPlugin(t, "", cat)
			if got := chartNames(listCharts(t, p, "f")); !slices.Equal(got, tc.want) {
				t.Errorf("charts %q, want %q", got, tc.want)
			}
			if got := catalogInfo(t, p, "f").ChartCount; got != len(tc.want) {
				t.Errorf("ChartCount %d, want %d", got, len(tc.want))
			}
		})
	}
}

func TestLibraryChartsNeverListed(t *testing.T) {
	dir := copyRepo(t, nil)
	lib := chartArchive(t, chartFiles{name: "library-chart", version: "2.1.7", typ: "library"})
	writeFile(t, filepath.Join(dir, "library-chart-2.1.7.tgz"), lib)
	idx := loadIndex(t, dir)
	md := chartMetadata("library-chart", "2.1.7")
	md.Type = "library"
	idx.MustAdd(md, "library-chart-2.1.7.tgz", "", sha(lib))
	// A chart whose index entry hides that its archive is a library is caught at load.
	sneaky := chartArchive(t, chartFiles{name: "sneaky", version: "1.0.0", typ: "library"})
	writeFile(t, filepath.Join(dir, "sneaky-1.0.0.tgz"), sneaky)
	idx.MustAdd(chartMetadata("sneaky", "1.0.0"), "sneaky-1.0.0.tgz", "", sha(sneaky))
	saveIndex(t, dir, idx)

	p := newPlugin(t, "", config{"id": "lib", "location": serveRepo(t, dir).URL, "highlightedCharts": []string{"library-chart"}})
	charts := listCharts(t, p, "lib")
	if slices.Contains(chartNames(charts), "library-chart") {
		t.Errorf("library chart listed: %q", chartNames(charts))
	}
	if s := findChart(t, charts, "sneaky"); len(s.Versions) != 0 || !strings.Contains(s.Error, "library") {
		t.Errorf("sneaky library: %+v", s)
	}
	for _, name := range []string{"library-chart", "sneaky"} {
		_, err := p.GetChart(ctx(t), sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: "lib", Chart: name}})
		if !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("GetChart %s: %v, want not found", name, err)
		}
	}
}

func TestConditionalRefresh(t *testing.T) {
	srv := serveRepo(t, sharedDir(t))
	cache := t.TempDir()
	cat := config{"id": "ide", "location": srv.URL, "multipleServicesMode": "all"}
	p := newPlugin(t, cache, cat)
	if n := srv.archiveDownloads(); n != sharedArchives {
		t.Fatalf("first load downloaded %d archives, want %d", n, sharedArchives)
	}
	first := catalogInfo(t, p, "ide").LastRefresh

	resp, err := p.Refresh(ctx(t), sdk.RefreshCatalogsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Catalogs[0].Error != "" || !resp.Catalogs[0].LastRefresh.After(first) {
		t.Errorf("refresh: %+v", resp.Catalogs[0])
	}
	if n := srv.archiveDownloads(); n != sharedArchives {
		t.Errorf("an unchanged refresh downloaded %d archives", n-sharedArchives)
	}
	if n := srv.indexDownloads(); n != 1 {
		t.Errorf("index.yaml downloaded %d times, want once (then 304)", n)
	}
	if n := srv.requests["/index.yaml"]; n != 2 {
		t.Errorf("index.yaml asked %d times, want 2", n)
	}

	// A restart on the same cache downloads nothing at all.
	restarted := newPlugin(t, cache, cat)
	if n := srv.archiveDownloads(); n != sharedArchives {
		t.Errorf("a restart downloaded %d archives", n-sharedArchives)
	}
	if n := srv.indexDownloads(); n != 1 {
		t.Errorf("a restart downloaded index.yaml again (%d)", n)
	}
	if got := findChart(t, listCharts(t, restarted, "ide"), "jupyter-python"); !slices.Equal(versionsOf(got), jupyterPython) {
		t.Errorf("after restart: %q", versionsOf(got))
	}
	if _, err := restarted.GetChart(ctx(t), sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: "ide", Chart: "rstudio"}}); err != nil {
		t.Errorf("GetChart after restart: %v", err)
	}
}

func TestNewVersionDownloadsOnlyItsArchive(t *testing.T) {
	dir := copyRepo(t, nil)
	srv := serveRepo(t, dir)
	p := newPlugin(t, "", config{"id": "ide", "location": srv.URL, "multipleServicesMode": "all"})
	before := srv.archiveDownloads()

	data := chartArchive(t, chartFiles{name: "rstudio", version: "2.6.0", schema: `{"type":"object"}`})
	writeFile(t, filepath.Join(dir, "rstudio-2.6.0.tgz"), data)
	idx := loadIndex(t, dir)
	idx.MustAdd(chartMetadata("rstudio", "2.6.0"), "rstudio-2.6.0.tgz", "", sha(data))
	saveIndex(t, dir, idx)

	if _, err := p.Refresh(ctx(t), sdk.RefreshCatalogsRequest{CatalogID: "ide"}); err != nil {
		t.Fatal(err)
	}
	if n := srv.archiveDownloads() - before; n != 1 {
		srv.mu.Lock()
		t.Errorf("a new version downloaded %d archives, want 1 (full downloads by path: %v)", n, srv.downloads)
		srv.mu.Unlock()
	}
	if got := versionsOf(findChart(t, listCharts(t, p, "ide"), "rstudio")); !slices.Equal(got, []string{"2.6.0", "2.5.5"}) {
		t.Errorf("rstudio versions %q", got)
	}
}

func TestBrokenSources(t *testing.T) {
	good := serveRepo(t, sharedDir(t))
	for _, tc := range []struct {
		name string
		// breakIt turns a working repository into a broken one.
		breakIt func(t *testing.T, dir string, srv *repoServer)
		// catalogErr is in the catalog's error; chart and chartErr name a failing chart.
		catalogErr, chart, chartErr string
	}{
		{name: "unreachable", catalogErr: "connection refused",
			breakIt: func(t *testing.T, dir string, srv *repoServer) { srv.Close() }},
		{name: "index not found", catalogErr: "404",
			breakIt: func(t *testing.T, dir string, srv *repoServer) { os.Remove(filepath.Join(dir, "index.yaml")) }},
		{name: "malformed index", catalogErr: "malformed index",
			breakIt: func(t *testing.T, dir string, srv *repoServer) {
				writeFile(t, filepath.Join(dir, "index.yaml"), []byte("apiVersion: v1\nentries: [this is: not an index\n"))
			}},
		{name: "index of the wrong shape", catalogErr: "malformed index",
			breakIt: func(t *testing.T, dir string, srv *repoServer) {
				writeFile(t, filepath.Join(dir, "index.yaml"), []byte("entries:\n  rstudio: 3\n"))
			}},
		{name: "digest mismatch", chart: "rstudio", chartErr: "digest mismatch",
			breakIt: func(t *testing.T, dir string, srv *repoServer) {
				// A new version whose archive is not the one the index describes.
				idx := loadIndex(t, dir)
				data := chartArchive(t, chartFiles{name: "rstudio", version: "2.6.0"})
				writeFile(t, filepath.Join(dir, "rstudio-2.6.0.tgz"), data)
				idx.MustAdd(chartMetadata("rstudio", "2.6.0"), "rstudio-2.6.0.tgz", "", sha([]byte("something else")))
				saveIndex(t, dir, idx)
			}},
		{name: "corrupt archive", chart: "rstudio", chartErr: "corrupt archive",
			breakIt: func(t *testing.T, dir string, srv *repoServer) {
				idx := loadIndex(t, dir)
				data := []byte("\x1f\x8b garbage, not a chart")
				writeFile(t, filepath.Join(dir, "rstudio-2.6.0.tgz"), data)
				idx.MustAdd(chartMetadata("rstudio", "2.6.0"), "rstudio-2.6.0.tgz", "", sha(data))
				saveIndex(t, dir, idx)
			}},
		{name: "archive missing", chart: "rstudio", chartErr: "404",
			breakIt: func(t *testing.T, dir string, srv *repoServer) {
				idx := loadIndex(t, dir)
				idx.MustAdd(chartMetadata("rstudio", "2.6.0"), "rstudio-2.6.0.tgz", "", sha([]byte("x")))
				saveIndex(t, dir, idx)
			}},
		{name: "archive of another chart", chart: "rstudio", chartErr: "the archive holds",
			breakIt: func(t *testing.T, dir string, srv *repoServer) {
				idx := loadIndex(t, dir)
				data, _ := os.ReadFile(filepath.Join(dir, "vscode-python-2.6.2.tgz"))
				idx.MustAdd(chartMetadata("rstudio", "2.6.0"), "vscode-python-2.6.2.tgz", "", sha(data))
				saveIndex(t, dir, idx)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyRepo(t, nil)
			srv := serveRepo(t, dir)
			cache := t.TempDir()
			cats := []config{
				{"id": "broken", "location": srv.URL, "multipleServicesMode": "all"},
				{"id": "good", "location": good.URL},
			}
			p := newPlugin(t, cache, cats...)
			c := plugintest.ConnectCatalog(t, p)
			before := listCharts(t, c, "broken")

			tc.breakIt(t, dir, srv)
			resp, err := c.Refresh(ctx(t), sdk.RefreshCatalogsRequest{})
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if len(resp.Catalogs) != 2 {
				t.Fatalf("Refresh: %d catalogs", len(resp.Catalogs))
			}
			checkBroken(t, c, tc.catalogErr, tc.chart, tc.chartErr, before)

			// A fresh start on the broken source, with the cache of the good days: the
			// catalog still lists what it listed.
			restarted := plugintest.ConnectCatalog(t, newPlugin(t, cache, cats...))
			checkBroken(t, restarted, tc.catalogErr, tc.chart, tc.chartErr, before)

			// A fresh start with nothing cached says why it lists nothing (or less).
			fresh := plugintest.ConnectCatalog(t, newPlugin(t, "", cats...))
			info := catalogInfo(t, fresh, "broken")
			if tc.catalogErr != "" {
				if !strings.Contains(info.Error, tc.catalogErr) || info.ChartCount != 0 || len(listCharts(t, fresh, "broken")) != 0 {
					t.Errorf("fresh start: %+v", info)
				}
				_, err := fresh.GetChart(ctx(t), sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: "broken", Chart: "rstudio"}})
				if !errors.Is(err, sdk.ErrUnavailable) {
					t.Errorf("GetChart on a catalog that never loaded: %v, want unavailable", err)
				}
			} else {
				got := findChart(t, listCharts(t, fresh, "broken"), tc.chart)
				if !strings.Contains(got.Error, tc.chartErr) || !slices.Equal(versionsOf(got), []string{"2.5.5"}) {
					t.Errorf("fresh start: %s lists %q with error %q", tc.chart, versionsOf(got), got.Error)
				}
			}
		})
	}
}

// checkBroken checks that a catalog broken after a good load keeps its last good state and
// says why, and that the other catalog is untouched.
func checkBroken(t *testing.T, c sdk.Catalog, catalogErr, chart, chartErr string, before []sdk.ChartSummary) {
	t.Helper()
	info := catalogInfo(t, c, "broken")
	after := listCharts(t, c, "broken")
	if catalogErr != "" && !strings.Contains(info.Error, catalogErr) {
		t.Errorf("catalog error %q, want it to mention %q", info.Error, catalogErr)
	}
	if catalogErr == "" && info.Error != "" {
		t.Errorf("catalog error %q for a failing chart", info.Error)
	}
	if !slices.Equal(chartNames(after), chartNames(before)) || info.ChartCount != len(before) {
		t.Errorf("the last good state is lost: %q, then %q", chartNames(before), chartNames(after))
	}
	for _, s := range after {
		if s.Name == chart {
			if !strings.Contains(s.Error, chartErr) {
				t.Errorf("%s: error %q, want it to mention %q", s.Name, s.Error, chartErr)
			}
			if !slices.Equal(versionsOf(s), []string{"2.5.5"}) {
				t.Errorf("%s: versions %q, want the last good ones", s.Name, versionsOf(s))
			}
		} else if s.Error != "" {
			t.Errorf("%s fails too: %s", s.Name, s.Error)
		}
	}
	for _, ref := range []sdk.ChartRef{{CatalogID: "broken", Chart: "rstudio"}, {CatalogID: "good", Chart: "jupyter-python"}} {
		archive, err := c.GetArchive(ctx(t), sdk.GetArchiveRequest{Chart: ref})
		if err != nil {
			t.Errorf("GetArchive %s/%s: %v", ref.CatalogID, ref.Chart, err)
			continue
		}
		data, err := io.ReadAll(archive.Body)
		archive.Body.Close()
		if err != nil || sha(data) != archive.Digest {
			t.Errorf("GetArchive %s/%s: %v, sha256 %s, digest %s", ref.CatalogID, ref.Chart, err, sha(data), archive.Digest)
		}
	}
	if good := catalogInfo(t, c, "good"); good.Error != "" || good.ChartCount != len(sharedCharts) {
		t.Errorf("the good catalog suffers: %+v", good)
	}
}

func TestBasicAuth(t *testing.T) {
	srv := serveRepo(t, sharedDir(t))
	srv.user, srv.password = "reader", "s3cret"
	p := newPlugin(t, "",
		config{"id": "with", "location": srv.URL, "username": "reader", "password": "s3cret"},
		config{"id": "without", "location": srv.URL},
	)
	if info := catalogInfo(t, p, "with"); info.Error != "" || info.ChartCount != len(sharedCharts) {
		t.Errorf("with credentials: %+v", info)
	}
	if info := catalogInfo(t, p, "without"); !strings.Contains(info.Error, "401") {
		t.Errorf("without credentials: %+v", info)
	}
}

func TestTLS(t *testing.T) {
	files := serveRepo(t, sharedDir(t))
	srv := httptest.NewTLSServer(files)
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	writeFile(t, caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))

	p := newPlugin(t, "",
		config{"id": "ca", "location": srv.URL, "caFile": caFile},
		config{"id": "skip", "location": srv.URL, "skipTlsVerify": true},
		config{"id": "untrusted", "location": srv.URL},
	)
	for _, id := range []string{"ca", "skip"} {
		if info := catalogInfo(t, p, id); info.Error != "" || info.ChartCount != len(sharedCharts) {
			t.Errorf("%s: %+v", id, info)
		}
	}
	if info := catalogInfo(t, p, "untrusted"); !strings.Contains(info.Error, "certificate") {
		t.Errorf("untrusted: %+v", info)
	}
}

func TestConfigSchema(t *testing.T) {
	p := newPlugin(t, "")
	resp, err := p.ConfigSchema(ctx(t), sdk.ConfigSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(resp.Schema))
	if err != nil {
		t.Fatal(err)
	}
	compiler := jsonschema.NewCompiler()
	compiler.DefaultDraft(jsonschema.Draft2020)
	if err := compiler.AddResource("helmrepo.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := compiler.Compile("helmrepo.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	check := func(config string) error {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(config))
		if err != nil {
			t.Fatal(err)
		}
		return schema.Validate(inst)
	}

	// Onyxia's shipped catalog configuration is accepted as it is.
	onyxia, err := os.ReadFile("../../../shared/reference/onyxia-config-examples/catalogs.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := check(string(onyxia)); err != nil {
		t.Errorf("Onyxia's catalogs.json: %v", err)
	}
	valid := `{"cacheDir": "/var/cache/basalt", "refreshInterval": "10m", "catalogs": [
		{"id": "oci", "location": "oci://registry.example/charts", "charts": ["jupyter-python"], "plainHttp": true,
		 "multipleServicesMode": "maxNumber", "maxNumberOfVersions": 3, "timeout": "15m",
		 "includeAnnotations": {"a": "b"}, "excludeKeywords": ["GPU"],
		 "restrictions": [{"userAttribute": {"key": "groups", "matches": "admins"}}]}]}`
	if err := check(valid); err != nil {
		t.Errorf("a full configuration: %v", err)
	}
	for _, bad := range []string{
		`{"catalogs": [], "extra": 1}`,
		`{"catalogs": [{"id": "x"}]}`,
		`{"catalogs": [{"id": "x", "location": "https://a", "status": "BETA"}]}`,
		`{"catalogs": [{"id": "x", "location": "https://a", "multipleServicesMode": "some"}]}`,
		`{"catalogs": [{"id": "x", "location": "https://a", "timeout": "5 minutes"}]}`,
		`{"catalogs": [{"id": "x", "location": "https://a", "visible": {"everyone": true}}]}`,
		`{"catalogs": [{"id": "x", "location": "https://a", "restrictions": [{"userAttribute": {"key": "groups"}}]}]}`,
		`{"catalogs": [{"id": "Bad Id", "location": "https://a"}]}`,
	} {
		if check(bad) == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestConfigureRefusesWhatTheSchemaCannotSay(t *testing.T) {
	for _, tc := range []struct {
		field   string
		catalog config
	}{
		{"catalogs[1].id", config{"id": "a", "location": "https://x"}},
		{"catalogs[1].location", config{"id": "b", "location": "ftp://x"}},
		{"catalogs[1].charts", config{"id": "b", "location": "oci://registry.example/charts"}},
		{"catalogs[1].charts", config{"id": "b", "location": "https://x", "charts": []string{"a"}}},
		{"catalogs[1].restrictions[0].userAttribute.matches", config{"id": "b", "location": "https://x",
			"restrictions": []config{{"userAttribute": config{"key": "groups", "matches": "("}}}}},
		{"catalogs[1].caFile", config{"id": "b", "location": "https://x", "caFile": "/no/such/ca.pem"}},
	} {
		_, err := configure(t, "", config{"id": "a", "location": sharedDir(t)}, tc.catalog)
		if !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("%v: got %v, want invalid argument", tc.catalog, err)
			continue
		}
		if fields := sdk.FieldsOf(err); len(fields) != 1 || fields[0].Field != tc.field {
			t.Errorf("%v: fields %+v, want %s", tc.catalog, fields, tc.field)
		}
	}
}

func TestPeriodicRefresh(t *testing.T) {
	dir := copyRepo(t, nil)
	srv := serveRepo(t, dir)
	raw, _ := json.Marshal(config{"cacheDir": t.TempDir(), "refreshInterval": "50ms", "catalogs": []config{{"id": "ide", "location": srv.URL}}})
	p := newPlugin(t, "")
	if _, err := p.Configure(ctx(t), sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatal(err)
	}
	idx := loadIndex(t, dir)
	delete(idx.Entries, "marimo-python")
	saveIndex(t, dir, idx)
	deadline := time.Now().Add(10 * time.Second)
	for catalogInfo(t, p, "ide").ChartCount != len(sharedCharts)-1 {
		if time.Now().After(deadline) {
			t.Fatal("the periodic refresh did not see the change")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if n := srv.archiveDownloads(); n != len(sharedCharts) {
		t.Errorf("%d archives downloaded over the refreshes, want %d (one per chart)", n, len(sharedCharts))
	}
}

func TestUnknownNames(t *testing.T) {
	p := newPlugin(t, "", config{"id": "ide", "location": sharedDir(t)})
	if _, err := p.Refresh(ctx(t), sdk.RefreshCatalogsRequest{CatalogID: "nope"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Refresh of an unknown catalog: %v", err)
	}
	// latest mode offers only the newest version: an older one is not there to launch.
	_, err := p.GetArchive(ctx(t), sdk.GetArchiveRequest{Chart: sdk.ChartRef{CatalogID: "ide", Chart: "jupyter-python", Version: "2.1.11"}})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("GetArchive of a version the mode does not offer: %v", err)
	}
}

func TestRelativeDirectoryIsFromTheWorkingDirectory(t *testing.T) {
	dir := sharedDir(t)
	t.Chdir(filepath.Dir(dir))
	p, err := configure(t, "", config{"id": "rel", "location": filepath.Base(dir)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.ListCharts(t.Context(), sdk.ListChartsRequest{CatalogID: "rel"})
	if err != nil || len(resp.Charts) == 0 {
		t.Fatalf("a relative directory must load: %v, %d charts", err, len(resp.Charts))
	}
}
