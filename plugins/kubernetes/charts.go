package kubernetes

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/mitchellh/copystructure"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"k8s.io/utils/lru"
)

// loadedCharts keeps charts as loaded from their archives, by the archive's digest: loading
// unpacks the archive and parses every chart's metadata and default values, which every launch
// of the same chart would otherwise do again.
var loadedCharts = newChartCache(16)

type chartCache struct{ m *lru.Cache }

func newChartCache(size int) *chartCache { return &chartCache{m: lru.New(size)} }

// load returns a copy of the chart of an archive whose digest is given: Helm changes the
// chart it installs (the dependencies it leaves out, the values they import), so no two
// installs share one. An archive that does not load is not kept.
func (c *chartCache) load(digest string, data []byte) (*chart.Chart, error) {
	if kept, ok := c.m.Get(digest); ok {
		return copyChart(kept.(*chart.Chart))
	}
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out, err := copyChart(ch)
	if err != nil {
		return nil, err
	}
	c.m.Add(digest, ch)
	return out, nil
}

// copyChart copies a chart deeply enough for Helm to change the copy alone: metadata, lock,
// values and the dependency tree are copied; the files' names and bytes, which Helm only
// reads, are shared.
func copyChart(ch *chart.Chart) (*chart.Chart, error) {
	out := &chart.Chart{
		Raw:       slices.Clone(ch.Raw),
		Templates: slices.Clone(ch.Templates),
		Files:     slices.Clone(ch.Files),
		Schema:    ch.Schema,
	}
	var err error
	if out.Metadata, err = deepCopy(ch.Metadata); err != nil {
		return nil, err
	}
	if out.Lock, err = deepCopy(ch.Lock); err != nil {
		return nil, err
	}
	out.Values = copyValues(ch.Values)
	deps := make([]*chart.Chart, 0, len(ch.Dependencies()))
	for _, dep := range ch.Dependencies() {
		copied, err := copyChart(dep)
		if err != nil {
			return nil, err
		}
		deps = append(deps, copied)
	}
	out.SetDependencies(deps...)
	return out, nil
}

// copyValues copies values as they load from YAML or JSON (maps, lists and scalars) by hand:
// copystructure's reflection made most of a launch's copying time. Anything else is copied by
// copystructure.
func copyValues(values map[string]any) map[string]any {
	if values == nil {
		return nil
	}
	out := make(map[string]any, len(values))
	for k, v := range values {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case nil, string, bool, float64, int64, int, json.Number:
		return v
	case map[string]any:
		return copyValues(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	}
	copied, err := copystructure.Copy(v)
	if err != nil {
		return v
	}
	return copied
}

func deepCopy[T any](v T) (T, error) {
	copied, err := copystructure.Copy(v)
	out, _ := copied.(T) // nil stays nil
	return out, err
}
