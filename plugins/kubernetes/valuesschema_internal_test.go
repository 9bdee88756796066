package kubernetes

import (
	"os"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
)

// helmVerdict is what Helm's install says of values: its own processing and check.
func helmVerdict(t *testing.T, ch *chart.Chart, values map[string]any) error {
	t.Helper()
	if err := chartutil.ProcessDependenciesWithMerge(ch, values); err != nil {
		return err
	}
	_, err := chartutil.ToRenderValuesWithSchemaValidation(ch, values, chartutil.ReleaseOptions{Name: "x", IsInstall: true}, nil, false)
	return err
}

// The values check says what Helm's says, word for word, of values that meet or break the
// schemas of jupyter-python and of a chart with a subchart; schemas that refer outside
// themselves are left to Helm.
func TestValuesAreCheckedAsHelmChecksThem(t *testing.T) {
	jupyter, err := os.ReadFile("../../../shared/catalogs/interactive/jupyter-python-2.5.2.tgz")
	if err != nil {
		t.Fatal(err)
	}
	parent := parentArchive(t)
	cases := []struct {
		name       string
		archive    []byte
		schemas    func(ch *chart.Chart)
		values     map[string]any
		broken     bool
		leftToHelm bool
	}{
		{name: "jupyter, defaults", archive: jupyter, values: map[string]any{}},
		{name: "jupyter, a wrong type", archive: jupyter, broken: true,
			values: map[string]any{"resources": map[string]any{"requests": map[string]any{"cpu": 3}}, "service": map[string]any{"image": map[string]any{"pullPolicy": "Sometimes"}}}},
		{name: "subchart, broken", archive: parent, broken: true,
			schemas: func(ch *chart.Chart) {
				ch.Dependencies()[0].Schema = []byte(`{"type":"object","properties":{"exports":{"type":"object"},"enabled":{"type":"string"}}}`)
			},
			values: map[string]any{}},
		{name: "subchart values Helm cannot process", archive: parent, broken: true, leftToHelm: true,
			schemas: func(ch *chart.Chart) { ch.Dependencies()[0].Schema = []byte(`{"type":"object"}`) },
			values:  map[string]any{"sub": "off"}},
		{name: "parent, required value missing", archive: parent, broken: true,
			schemas: func(ch *chart.Chart) { ch.Schema = []byte(`{"type":"object","required":["name"]}`) },
			values:  map[string]any{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			load := func() *chart.Chart {
				ch, err := newChartCache(1).load(digestOf(c.archive), c.archive)
				if err != nil {
					t.Fatal(err)
				}
				if c.schemas != nil {
					c.schemas(ch)
				}
				return ch
			}
			want := helmVerdict(t, load(), c.values)
			if (want != nil) != c.broken {
				t.Fatalf("Helm says %v: the case is not what it says", want)
			}
			checked, got := checkValues(load(), c.values)
			if checked == c.leftToHelm {
				t.Fatalf("checked %v, want %v", checked, !c.leftToHelm)
			}
			if checked && !sameLines(got, want) {
				t.Errorf("checked:\n%v\nHelm:\n%v", got, want)
			}
			// A launch checks the values it prepared to render (beforeHelm); values Helm
			// cannot prepare are checked as above.
			cfg := &action.Configuration{Capabilities: chartutil.DefaultCapabilities}
			prep, err := prepare(cfg, helmRun{name: "x", chart: load(), digest: "x", values: c.values, valuesChecked: true})
			if err != nil {
				if !c.leftToHelm {
					t.Fatalf("prepare: %v", err)
				}
				return
			}
			v := checkCoalesced(prep.chart, prep.values())
			if v.checked != checked || !sameLines(v.err, got) {
				t.Errorf("checked as prepared: %v, %v; checked alone: %v, %v", v.checked, v.err, checked, got)
			}
		})
	}

	external := loadParent(t, parent)
	external.Schema = []byte(`{"type":"object","properties":{"image":{"$ref":"https://schemas.example/image.json"}}}`)
	if checked, err := checkValues(external, map[string]any{}); checked || err != nil {
		t.Errorf("a schema that refers outside itself: checked %v, %v; want it left to Helm", checked, err)
	}
}

func loadParent(t *testing.T, data []byte) *chart.Chart {
	ch, err := newChartCache(1).load(digestOf(data), data)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// sameLines compares two messages line by line, in any order: the library lists a schema's
// breaches in the order it meets them, which follows Go's map order.
func sameLines(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	lines := func(err error) []string {
		out := strings.Split(err.Error(), "\n")
		slices.Sort(out)
		return out
	}
	return slices.Equal(lines(a), lines(b))
}
