package kubernetes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"reflect"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
)

// parentArchive packages a chart with one subchart that a value turns off and whose values the
// parent imports: what Helm changes in a chart as it installs it.
func parentArchive(t *testing.T) []byte {
	t.Helper()
	sub := &chart.Chart{
		Metadata:  &chart.Metadata{APIVersion: "v2", Name: "sub", Version: "0.1.0"},
		Raw:       []*chart.File{{Name: "values.yaml", Data: []byte("enabled: true\nexports:\n  data:\n    port: 8080\n")}},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte("kind: ConfigMap\n")}},
	}
	parent := &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "parent", Version: "1.0.0", Dependencies: []*chart.Dependency{
			{Name: "sub", Version: "0.1.0", Condition: "sub.enabled", ImportValues: []any{"data"}},
		}},
		Raw:       []*chart.File{{Name: "values.yaml", Data: []byte("image:\n  tag: \"1\"\n")}},
		Schema:    []byte(`{"type":"object"}`),
		Templates: []*chart.File{{Name: "templates/svc.yaml", Data: []byte("kind: Service\n")}},
	}
	parent.AddDependency(sub)
	dir := t.TempDir()
	path, err := chartutil.Save(parent, dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// What Helm changes in the chart of one install is not in the chart the next install of the same
// archive gets: that one is as the archive loads.
func TestKeptChartsAreCopiedForEachInstall(t *testing.T) {
	data := parentArchive(t)
	cache := newChartCache(4)
	first, err := cache.load(digestOf(data), data)
	if err != nil {
		t.Fatal(err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(first, map[string]any{"sub": map[string]any{"enabled": false}}); err != nil {
		t.Fatal(err)
	}
	if len(first.Dependencies()) != 0 || len(first.Metadata.Dependencies) != 0 {
		t.Fatalf("Helm did not leave the subchart out: the test changes nothing")
	}
	first.Values["image"] = "changed"
	first.Templates = append(first.Templates, &chart.File{Name: "templates/extra.yaml"})

	second, err := cache.load(digestOf(data), data)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(second, loaded) {
		t.Errorf("the second install's chart is not as the archive loads:\n got %+v\nwant %+v", second.Metadata, loaded.Metadata)
	}
	if len(second.Dependencies()) != 1 || second.Dependencies()[0].Parent() != second {
		t.Errorf("the copy's subchart is not its own: %v", second.Dependencies())
	}
}

// An archive that does not load is refused as the loader refuses it, and is not kept.
func TestChartsThatDoNotLoadAreNotKept(t *testing.T) {
	cache := newChartCache(4)
	bad := []byte("not a chart")
	_, want := loader.LoadArchive(bytes.NewReader(bad))
	if _, err := cache.load(digestOf(bad), bad); err == nil || err.Error() != want.Error() {
		t.Errorf("load of a bad archive: %v, want %v", err, want)
	}
	if cache.m.Len() != 0 {
		t.Errorf("a bad archive was kept")
	}
	good := parentArchive(t)
	if _, err := cache.load(digestOf(good), good); err != nil || cache.m.Len() != 1 {
		t.Errorf("a good archive: %v, %d kept", err, cache.m.Len())
	}
}
