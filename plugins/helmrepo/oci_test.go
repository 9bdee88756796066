package helmrepo_test

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// TestOCIRegistry pushes two of Onyxia's charts with the helm CLI to the test environment's
// registry (distribution), then reads them through the plugin's OCI source over gRPC: the
// listed charts with their versions, a version's files, and the archive byte for byte.
func TestOCIRegistry(t *testing.T) {
	env := testenv.Require(t)
	if env.Registry == "" || env.Helm == "" {
		t.Skip("the test environment runs no OCI registry or has no helm")
	}
	// A fresh repository per run: the registry outlives tests.
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	repository := env.Registry + "/basalt-test-" + hex.EncodeToString(suffix)
	home := t.TempDir() // helm's own configuration and cache, never the user's
	pushed := map[string][]byte{}
	for _, file := range []string{"jupyter-python-2.3.19.tgz", "jupyter-python-2.5.2.tgz", "rstudio-2.5.5.tgz"} {
		path := filepath.Join(sharedDir(t), file)
		cmd := exec.CommandContext(ctx(t), env.Helm, "push", path, "oci://"+repository, "--plain-http")
		cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home+"/config", "HELM_CACHE_HOME="+home+"/cache",
			"HELM_DATA_HOME="+home+"/data", "HELM_REGISTRY_CONFIG="+home+"/registry.json")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("helm push %s: %v\n%s", file, err, out)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pushed[file] = b
	}

	c := plugintest.ConnectCatalog(t, newPlugin(t, "", config{"id": "oci", "location": "oci://" + repository,
		"charts": []string{"jupyter-python", "rstudio"}, "plainHttp": true, "multipleServicesMode": "all"}))
	cats, err := c.ListCatalogs(ctx(t), sdk.ListCatalogsRequest{})
	if err != nil || len(cats.Catalogs) != 1 || cats.Catalogs[0].Error != "" {
		t.Fatalf("catalogs: %v %+v", err, cats)
	}
	charts, err := c.ListCharts(ctx(t), sdk.ListChartsRequest{CatalogID: "oci"})
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string][]string{}
	for _, ch := range charts.Charts {
		if ch.Error != "" {
			t.Errorf("%s: %s", ch.Name, ch.Error)
		}
		for _, v := range ch.Versions {
			versions[ch.Name] = append(versions[ch.Name], v.Version)
		}
	}
	if strings.Join(versions["jupyter-python"], ",") != "2.5.2,2.3.19" || strings.Join(versions["rstudio"], ",") != "2.5.5" {
		t.Fatalf("versions, newest first: %v", versions)
	}

	got, err := c.GetChart(ctx(t), sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: "oci", Chart: "jupyter-python"}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Chart.Version != "2.5.2" || !strings.Contains(string(got.ChartYAML), "version: 2.5.2") || len(got.ValuesSchema) == 0 || len(got.Readme) == 0 {
		t.Errorf("the newest version's files: %s %.80q schema %d bytes", got.Chart.Version, got.ChartYAML, len(got.ValuesSchema))
	}
	if got.Digest != sha(pushed["jupyter-python-2.5.2.tgz"]) {
		t.Errorf("digest %s, want the pushed archive's", got.Digest)
	}
	arch, err := c.GetArchive(ctx(t), sdk.GetArchiveRequest{Chart: sdk.ChartRef{CatalogID: "oci", Chart: "rstudio", Version: "2.5.5"}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(arch.Body)
	arch.Body.Close()
	if err != nil || sha(body) != sha(pushed["rstudio-2.5.5.tgz"]) || arch.Digest != sha(body) {
		t.Errorf("archive: %v, %d bytes, digest %s: not the pushed one", err, len(body), arch.Digest)
	}

	// A chart listed but never pushed marks the catalog failing, naming it.
	c2 := plugintest.ConnectCatalog(t, newPlugin(t, "", config{"id": "oci", "location": "oci://" + repository,
		"charts": []string{"rstudio", "nothing-here"}, "plainHttp": true}))
	cats, err = c2.ListCatalogs(ctx(t), sdk.ListCatalogsRequest{})
	if err != nil || len(cats.Catalogs) != 1 || !strings.Contains(cats.Catalogs[0].Error, "nothing-here") {
		t.Errorf("a chart missing from the registry must be named in the catalog's error: %v %+v", err, cats)
	}
}
