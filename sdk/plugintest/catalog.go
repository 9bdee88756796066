package plugintest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/semver"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/charticon"
)

// CatalogSetup is what the catalog kit needs from the implementation under test.
type CatalogSetup struct {
	// Catalog is the configured implementation.
	Catalog sdk.Catalog
	// Connected says Catalog already is a client across the plugin wire; the kit then uses
	// it as is.
	Connected bool
	// CatalogID is the catalog the kit reads; it must hold at least one chart with two
	// versions.
	CatalogID string
	// Charts are every chart CatalogID must list, no more and no less.
	Charts []ExpectedChart
	// Hidden names charts the source holds but the catalog must not list (library charts,
	// excluded charts).
	Hidden []string
}

// ExpectedChart is a chart the catalog must list.
type ExpectedChart struct {
	Name string
	// Versions, when set, are the versions the catalog must list, in its order: newest first,
	// pre-releases last.
	Versions []string
	// Schema says the chart versions ship a values.schema.json.
	Schema bool
	// Icon says the plugin must serve the chart's icon (GetIcon).
	Icon bool
}

// TestCatalog runs the catalog conformance kit. setup is called once per subtest.
func TestCatalog(t *testing.T, setup func(t *testing.T) CatalogSetup) {
	run := func(name string, test func(t *testing.T, k *catalogKit)) {
		t.Run(name, func(t *testing.T) { test(t, newCatalogKit(t, setup(t))) })
	}
	run("Info", func(t *testing.T, k *catalogKit) { testBase(t, sdk.KindCatalog, k.c) })
	run("ListCatalogs", testCatalogList)
	run("ListCharts", testCatalogCharts)
	run("ListChartsSkipped", testCatalogSkipped)
	run("VersionOrder", testCatalogVersionOrder)
	run("GetChartLatest", testCatalogGetLatest)
	run("GetChartVersion", testCatalogGetVersion)
	run("GetArchive", testCatalogArchive)
	run("NotFound", testCatalogNotFound)
	run("Refresh", testCatalogRefresh)
	run("Icons", testCatalogIcons)
}

type catalogKit struct {
	c     sdk.Catalog
	setup CatalogSetup
	ctx   context.Context
}

func newCatalogKit(t *testing.T, setup CatalogSetup) *catalogKit {
	t.Helper()
	if setup.Catalog == nil || setup.CatalogID == "" || len(setup.Charts) == 0 {
		t.Fatal("plugintest: CatalogSetup needs Catalog, CatalogID and Charts")
	}
	k := &catalogKit{c: setup.Catalog, setup: setup, ctx: testContext(t)}
	if !setup.Connected {
		k.c = ConnectCatalog(t, setup.Catalog)
	}
	return k
}

func (k *catalogKit) charts(t *testing.T) []sdk.ChartSummary {
	t.Helper()
	resp, err := k.c.ListCharts(k.ctx, sdk.ListChartsRequest{CatalogID: k.setup.CatalogID})
	if err != nil {
		t.Fatalf("ListCharts %s: %v", k.setup.CatalogID, err)
	}
	return resp.Charts
}

// multiVersion returns a listed chart with at least two versions.
func (k *catalogKit) multiVersion(t *testing.T) sdk.ChartSummary {
	t.Helper()
	for _, c := range k.charts(t) {
		if len(c.Versions) >= 2 {
			return c
		}
	}
	t.Fatalf("plugintest: catalog %s has no chart with two versions to test with", k.setup.CatalogID)
	return sdk.ChartSummary{}
}

func (k *catalogKit) expected(name string) (ExpectedChart, bool) {
	for _, c := range k.setup.Charts {
		if c.Name == name {
			return c, true
		}
	}
	return ExpectedChart{}, false
}

func testCatalogList(t *testing.T, k *catalogKit) {
	resp, err := k.c.ListCatalogs(k.ctx, sdk.ListCatalogsRequest{})
	if err != nil {
		t.Fatalf("ListCatalogs: %v", err)
	}
	var ids []string
	for _, c := range resp.Catalogs {
		if slices.Contains(ids, c.ID) {
			t.Errorf("ListCatalogs: %q is listed twice", c.ID)
		}
		ids = append(ids, c.ID)
		if c.ID != k.setup.CatalogID {
			continue
		}
		if c.Error != "" {
			t.Errorf("ListCatalogs: %s is failing: %s", c.ID, c.Error)
		}
		if c.ChartCount != len(k.setup.Charts) {
			t.Errorf("ListCatalogs: %s counts %d charts, want %d", c.ID, c.ChartCount, len(k.setup.Charts))
		}
		if c.LastRefresh.IsZero() {
			t.Errorf("ListCatalogs: %s has never been refreshed", c.ID)
		}
	}
	if !slices.Contains(ids, k.setup.CatalogID) {
		t.Errorf("ListCatalogs: %q not in %q", k.setup.CatalogID, ids)
	}
}

// testCatalogSkipped checks that skipped charts come only on request, and that a chart left
// out whole is not listed.
func testCatalogSkipped(t *testing.T, k *catalogKit) {
	plain, err := k.c.ListCharts(k.ctx, sdk.ListChartsRequest{CatalogID: k.setup.CatalogID})
	if err != nil {
		t.Fatalf("ListCharts: %v", err)
	}
	if len(plain.Skipped) > 0 {
		t.Errorf("ListCharts without WithSkipped reports %d skipped charts", len(plain.Skipped))
	}
	resp, err := k.c.ListCharts(k.ctx, sdk.ListChartsRequest{CatalogID: k.setup.CatalogID, WithSkipped: true})
	if err != nil {
		t.Fatalf("ListCharts WithSkipped: %v", err)
	}
	if len(resp.Charts) != len(plain.Charts) {
		t.Errorf("ListCharts WithSkipped lists %d charts, without %d", len(resp.Charts), len(plain.Charts))
	}
	for _, s := range resp.Skipped {
		if s.Chart == "" || s.Reason == "" {
			t.Errorf("ListCharts: skipped entry %+v lacks its chart or reason", s)
		}
		if s.Version == "" && slices.ContainsFunc(resp.Charts, func(c sdk.ChartSummary) bool { return c.Name == s.Chart }) {
			t.Errorf("ListCharts: %s is both listed and skipped (%s)", s.Chart, s.Reason)
		}
	}
}

func testCatalogCharts(t *testing.T, k *catalogKit) {
	charts := k.charts(t)
	var names, want []string
	for _, c := range charts {
		names = append(names, c.Name)
		if c.Error != "" {
			t.Errorf("ListCharts: %s is failing: %s", c.Name, c.Error)
		}
		if len(c.Versions) == 0 {
			t.Errorf("ListCharts: %s has no version", c.Name)
		}
		if slices.Contains(k.setup.Hidden, c.Name) {
			t.Errorf("ListCharts: %s must not be listed", c.Name)
		}
		if exp, ok := k.expected(c.Name); ok && exp.Versions != nil {
			var got []string
			for _, v := range c.Versions {
				got = append(got, v.Version)
			}
			if !slices.Equal(got, exp.Versions) {
				t.Errorf("ListCharts: %s versions %q, want %q", c.Name, got, exp.Versions)
			}
		}
	}
	for _, c := range k.setup.Charts {
		want = append(want, c.Name)
	}
	wantSet(t, "ListCharts", names, want)
}

// semverOf makes a chart version comparable with x/mod/semver, which wants a leading "v".
func semverOf(v string) string {
	if strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

func testCatalogVersionOrder(t *testing.T, k *catalogKit) {
	for _, c := range k.charts(t) {
		seenPre := false
		for i, v := range c.Versions {
			sv := semverOf(v.Version)
			if !semver.IsValid(sv) {
				t.Errorf("%s: version %q is not semantic", c.Name, v.Version)
				continue
			}
			pre := semver.Prerelease(sv) != ""
			if seenPre && !pre {
				t.Errorf("%s: stable version %s listed after a pre-release", c.Name, v.Version)
			}
			seenPre = seenPre || pre
			if i > 0 {
				prev := semverOf(c.Versions[i-1].Version)
				if (semver.Prerelease(prev) != "") == pre && semver.Compare(prev, sv) <= 0 {
					t.Errorf("%s: %s listed before %s: versions must be newest first", c.Name, c.Versions[i-1].Version, v.Version)
				}
			}
		}
	}
}

// newestStable is the version GetChart resolves an empty version to.
func newestStable(c sdk.ChartSummary) string {
	for _, v := range c.Versions {
		if semver.Prerelease(semverOf(v.Version)) == "" {
			return v.Version
		}
	}
	return c.Versions[0].Version
}

func (k *catalogKit) checkChart(t *testing.T, c sdk.ChartSummary, got sdk.GetChartResponse, version string) {
	t.Helper()
	if got.Chart != (sdk.ChartRef{CatalogID: k.setup.CatalogID, Chart: c.Name, Version: version}) {
		t.Errorf("GetChart: resolved to %+v, want %s %s", got.Chart, c.Name, version)
	}
	if got.Summary.Name != c.Name {
		t.Errorf("GetChart: summary of %q, want %q", got.Summary.Name, c.Name)
	}
	chartYAML := string(got.ChartYAML)
	if !strings.Contains(chartYAML, c.Name) || !strings.Contains(chartYAML, version) {
		t.Errorf("GetChart %s %s: Chart.yaml does not name the chart and version:\n%s", c.Name, version, chartYAML)
	}
	if len(got.ValuesYAML) == 0 {
		t.Errorf("GetChart %s %s: no values.yaml", c.Name, version)
	}
	if exp, _ := k.expected(c.Name); exp.Schema {
		var schema map[string]any
		if err := json.Unmarshal(got.ValuesSchema, &schema); err != nil {
			t.Errorf("GetChart %s %s: values.schema.json is not a JSON object: %v", c.Name, version, err)
		}
	}
	for _, v := range c.Versions {
		if v.Version == version && v.Digest != "" && got.Digest != "" && v.Digest != got.Digest {
			t.Errorf("GetChart %s %s: digest %s, the listing says %s", c.Name, version, got.Digest, v.Digest)
		}
	}
}

func testCatalogGetLatest(t *testing.T, k *catalogKit) {
	for _, c := range k.charts(t) {
		got, err := k.c.GetChart(k.ctx, sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: k.setup.CatalogID, Chart: c.Name}})
		if err != nil {
			t.Errorf("GetChart %s (latest): %v", c.Name, err)
			continue
		}
		k.checkChart(t, c, got, newestStable(c))
	}
}

func testCatalogGetVersion(t *testing.T, k *catalogKit) {
	c := k.multiVersion(t)
	for _, v := range c.Versions {
		got, err := k.c.GetChart(k.ctx, sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: k.setup.CatalogID, Chart: c.Name, Version: v.Version}})
		if err != nil {
			t.Errorf("GetChart %s %s: %v", c.Name, v.Version, err)
			continue
		}
		k.checkChart(t, c, got, v.Version)
	}
}

// digestHex strips an algorithm prefix such as "sha256:" from a digest.
func digestHex(d string) string {
	_, after, found := strings.Cut(d, ":")
	if found {
		return after
	}
	return d
}

func (k *catalogKit) checkArchive(t *testing.T, ref sdk.ChartRef, version string) {
	t.Helper()
	resp, err := k.c.GetArchive(k.ctx, sdk.GetArchiveRequest{Chart: ref})
	if err != nil {
		t.Errorf("GetArchive %s %q: %v", ref.Chart, ref.Version, err)
		return
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Errorf("GetArchive %s %q: body: %v", ref.Chart, ref.Version, err)
		return
	}
	if resp.Chart.Version != version {
		t.Errorf("GetArchive %s %q: resolved to version %q, want %q", ref.Chart, ref.Version, resp.Chart.Version, version)
	}
	if resp.Size > 0 && resp.Size != int64(len(data)) {
		t.Errorf("GetArchive %s %s: size %d, body of %d bytes", ref.Chart, version, resp.Size, len(data))
	}
	if resp.Digest != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, digestHex(resp.Digest)) {
			t.Errorf("GetArchive %s %s: sha256 %s, digest %s", ref.Chart, version, got, resp.Digest)
		}
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Errorf("GetArchive %s %s: not gzip: %v", ref.Chart, version, err)
		return
	}
	tr := tar.NewReader(zr)
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("GetArchive %s %s: not a tar: %v", ref.Chart, version, err)
			return
		}
		found = found || h.Name == ref.Chart+"/Chart.yaml"
	}
	if !found {
		t.Errorf("GetArchive %s %s: no %s/Chart.yaml in the archive", ref.Chart, version, ref.Chart)
	}
}

func testCatalogArchive(t *testing.T, k *catalogKit) {
	c := k.multiVersion(t)
	k.checkArchive(t, sdk.ChartRef{CatalogID: k.setup.CatalogID, Chart: c.Name}, newestStable(c))
	for _, v := range c.Versions {
		k.checkArchive(t, sdk.ChartRef{CatalogID: k.setup.CatalogID, Chart: c.Name, Version: v.Version}, v.Version)
	}
}

func testCatalogNotFound(t *testing.T, k *catalogKit) {
	c := k.multiVersion(t)
	_, err := k.c.ListCharts(k.ctx, sdk.ListChartsRequest{CatalogID: unique("no-such-catalog-")})
	wantKind(t, "ListCharts of an unknown catalog", err, sdk.ErrNotFound)
	for _, ref := range []sdk.ChartRef{
		{CatalogID: unique("no-such-catalog-"), Chart: c.Name},
		{CatalogID: k.setup.CatalogID, Chart: unique("no-such-chart-")},
		{CatalogID: k.setup.CatalogID, Chart: c.Name, Version: "999.0.0"},
	} {
		_, err := k.c.GetChart(k.ctx, sdk.GetChartRequest{Chart: ref})
		wantKind(t, "GetChart "+ref.CatalogID+"/"+ref.Chart+"@"+ref.Version, err, sdk.ErrNotFound)
		resp, err := k.c.GetArchive(k.ctx, sdk.GetArchiveRequest{Chart: ref})
		if err == nil {
			resp.Body.Close()
		}
		wantKind(t, "GetArchive "+ref.CatalogID+"/"+ref.Chart+"@"+ref.Version, err, sdk.ErrNotFound)
	}
	for _, hidden := range k.setup.Hidden {
		_, err := k.c.GetChart(k.ctx, sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: k.setup.CatalogID, Chart: hidden}})
		wantKind(t, "GetChart of the hidden chart "+hidden, err, sdk.ErrNotFound)
	}
}

func testCatalogRefresh(t *testing.T, k *catalogKit) {
	before := k.charts(t)
	var last sdk.CatalogInfo
	list, err := k.c.ListCatalogs(k.ctx, sdk.ListCatalogsRequest{})
	if err != nil {
		t.Fatalf("ListCatalogs: %v", err)
	}
	for _, c := range list.Catalogs {
		if c.ID == k.setup.CatalogID {
			last = c
		}
	}
	resp, err := k.c.Refresh(k.ctx, sdk.RefreshCatalogsRequest{CatalogID: k.setup.CatalogID})
	if err != nil {
		t.Fatalf("Refresh %s: %v", k.setup.CatalogID, err)
	}
	if len(resp.Catalogs) != 1 || resp.Catalogs[0].ID != k.setup.CatalogID {
		t.Fatalf("Refresh %s: returned %d catalogs, want only it", k.setup.CatalogID, len(resp.Catalogs))
	}
	if got := resp.Catalogs[0]; got.Error != "" || got.LastRefresh.Before(last.LastRefresh) || got.LastRefresh.IsZero() {
		t.Errorf("Refresh: error %q, last refresh %v (before: %v)", got.Error, got.LastRefresh, last.LastRefresh)
	}
	after := k.charts(t)
	if len(after) != len(before) {
		t.Errorf("Refresh of an unchanged source: %d charts, then %d", len(before), len(after))
	}
	for i := range min(len(before), len(after)) {
		if before[i].Name != after[i].Name || len(before[i].Versions) != len(after[i].Versions) {
			t.Errorf("Refresh of an unchanged source changed %s", before[i].Name)
			continue
		}
		for j := range before[i].Versions {
			if before[i].Versions[j].Digest != after[i].Versions[j].Digest {
				t.Errorf("Refresh of an unchanged source changed the digest of %s %s", before[i].Name, before[i].Versions[j].Version)
			}
		}
	}
	all, err := k.c.Refresh(k.ctx, sdk.RefreshCatalogsRequest{})
	if err != nil {
		t.Fatalf("Refresh of every catalog: %v", err)
	}
	if len(all.Catalogs) != len(list.Catalogs) {
		t.Errorf("Refresh of every catalog: %d catalogs, ListCatalogs has %d", len(all.Catalogs), len(list.Catalogs))
	}
	_, err = k.c.Refresh(k.ctx, sdk.RefreshCatalogsRequest{CatalogID: unique("no-such-catalog-")})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Refresh of an unknown catalog: got %v, want ErrNotFound", err)
	}
}

// testCatalogIcons checks that every icon a listing announces is served, is what its digest
// says and is one charticon accepts, and that a chart without one answers not found.
func testCatalogIcons(t *testing.T, k *catalogKit) {
	for _, c := range k.charts(t) {
		if exp, _ := k.expected(c.Name); exp.Icon && c.IconDigest == "" {
			t.Errorf("ListCharts: %s has no icon digest: its icon was not fetched", c.Name)
		}
		got, err := k.c.GetIcon(k.ctx, sdk.GetIconRequest{CatalogID: k.setup.CatalogID, Chart: c.Name})
		if c.IconDigest == "" {
			wantKind(t, "GetIcon of "+c.Name+", which has no icon digest", err, sdk.ErrNotFound)
			continue
		}
		if err != nil {
			t.Errorf("GetIcon %s: %v", c.Name, err)
			continue
		}
		if got.Digest != c.IconDigest || charticon.Digest(got.Data) != c.IconDigest {
			t.Errorf("GetIcon %s: digest %s, sha256 of the data %s, the listing says %s", c.Name, got.Digest, charticon.Digest(got.Data), c.IconDigest)
		}
		if kind, err := charticon.Check(got.Data, got.ContentType); err != nil || kind != got.ContentType {
			t.Errorf("GetIcon %s: a %s icon that charticon reads as %q: %v", c.Name, got.ContentType, kind, err)
		}
		chart, err := k.c.GetChart(k.ctx, sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: k.setup.CatalogID, Chart: c.Name}})
		if err == nil && chart.Summary.IconDigest != c.IconDigest {
			t.Errorf("GetChart %s: icon digest %q, the listing says %q", c.Name, chart.Summary.IconDigest, c.IconDigest)
		}
	}
	for _, req := range []sdk.GetIconRequest{
		{CatalogID: unique("no-such-catalog-"), Chart: k.setup.Charts[0].Name},
		{CatalogID: k.setup.CatalogID, Chart: unique("no-such-chart-")},
	} {
		_, err := k.c.GetIcon(k.ctx, req)
		wantKind(t, "GetIcon "+req.CatalogID+"/"+req.Chart, err, sdk.ErrNotFound)
	}
}
