package kubernetes

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// renderCase is a chart, loaded afresh for each render (a render changes it), and values.
type renderCase struct {
	name   string
	load   func(t testing.TB) *chart.Chart
	values string
}

// renderCases are every chart the repository and the shared catalogs hold, each with a few
// values, and a chart made to use what Helm's engine offers (featureChart).
func renderCases(t *testing.T) []renderCase {
	var cases []renderCase
	archives, _ := filepath.Glob("../../../shared/catalogs/interactive/*.tgz")
	if len(archives) == 0 {
		t.Fatal("the shared catalogs must lie beside the repository")
	}
	for _, a := range archives {
		load := func(t testing.TB) *chart.Chart {
			ch, err := loader.Load(a)
			if err != nil {
				t.Fatal(err)
			}
			return ch
		}
		for _, v := range []string{
			`{}`,
			`{"global":{"suspend":true}}`,
			`{"resources":{"requests":{"cpu":"100m","memory":"256Mi"}},"ingress":{"enabled":true,"hostname":"x.example.test"},"security":{"allowlist":{"enabled":true,"ip":"10.0.0.0/8"}},"persistence":{"enabled":false},"userPreferences":{"language":"fr"}}`,
		} {
			cases = append(cases, renderCase{filepath.Base(a), load, v})
		}
	}
	fromDir := func(dir string) func(t testing.TB) *chart.Chart {
		return func(t testing.TB) *chart.Chart {
			ch, err := loader.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			return ch
		}
	}
	dirs, _ := filepath.Glob("../../config/catalog/*/Chart.yaml")
	for _, d := range dirs {
		// A password given: else the charts make a random one.
		for _, v := range []string{
			`{"security":{"password":"given"}}`,
			`{"security":{"password":"given"},"ingress":{"enabled":true,"hostname":"x.example.test"},"persistence":{"enabled":true}}`,
		} {
			cases = append(cases, renderCase{filepath.Dir(d), fromDir(filepath.Dir(d)), v})
		}
	}
	for _, v := range []string{`{}`, `{"replicaCount":2,"ingress":{"enabled":true},"podDisruptionBudget":{"enabled":true}}`} {
		cases = append(cases, renderCase{"basalt", fromDir("../../deploy/helm/basalt"), v})
	}
	for _, v := range []string{`{}`, `{"off":{"enabled":true},"name":"given","sub":{"x":7}}`} {
		cases = append(cases, renderCase{"feature chart", func(testing.TB) *chart.Chart { return featureChart() }, v})
	}
	return cases
}

// prepared returns a case's chart and its values made ready to render, as Helm's install
// prepares them.
func (c renderCase) prepared(t testing.TB) (*chart.Chart, map[string]any, chartutil.Values) {
	ch := c.load(t)
	var values map[string]any
	if err := json.Unmarshal([]byte(c.values), &values); err != nil {
		t.Fatal(err)
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, values); err != nil {
		t.Fatal(err)
	}
	options := chartutil.ReleaseOptions{Name: "given", Namespace: "user-given", Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValues(ch, values, options, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	return ch, values, vals
}

// TestRenderMatchesHelm: every chart renders as Helm's engine renders it, file by file, byte
// for byte, rendered twice (the second from the parsed templates kept).
func TestRenderMatchesHelm(t *testing.T) {
	for _, c := range renderCases(t) {
		ch, _, vals := c.prepared(t)
		want, err := engine.Render(ch, vals)
		if err != nil {
			t.Fatalf("%s with %s: Helm's engine: %v", c.name, c.values, err)
		}
		for range 2 {
			ch, _, vals := c.prepared(t)
			got, err := renderChart("test:"+c.name, ch, vals, nil)
			if err != nil {
				t.Fatalf("%s with %s: %v", c.name, c.values, err)
			}
			sameFiles(t, c.name+" with "+c.values, got, want)
		}
	}
}

func sameFiles(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("%s: rendered %v, Helm's engine %v", what, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for name, text := range want {
		if got[name] != text {
			t.Errorf("%s: %s differs from Helm's engine's:\n--- got\n%s\n--- Helm's\n%s", what, name, got[name], text)
		}
	}
}

// TestPrerenderedChartRendersTheSame: Helm's install of the chart prerender gives in place of a
// chart renders what Helm's engine renders of the chart itself, "{{" included, and the records
// keep the chart itself, as Helm's install leaves it.
func TestPrerenderedChartRendersTheSame(t *testing.T) {
	cfg := &action.Configuration{Capabilities: chartutil.DefaultCapabilities}
	for _, c := range renderCases(t) {
		ch, values, vals := c.prepared(t)
		want, err := engine.Render(ch, vals)
		if err != nil {
			t.Fatal(err)
		}
		fresh := c.load(t)
		pre, err := prerender(cfg, helmRun{ns: "user-given", name: "given", chart: fresh, digest: "test:" + c.name, values: values})
		if err != nil {
			t.Fatalf("%s with %s: %v", c.name, c.values, err)
		}
		// Helm's install of the flat chart, up to its render.
		if err := chartutil.ProcessDependenciesWithMerge(pre.flat, values); err != nil {
			t.Fatal(err)
		}
		flatVals, err := chartutil.ToRenderValues(pre.flat, values, chartutil.ReleaseOptions{Name: "given", Namespace: "user-given", Revision: 1, IsInstall: true}, chartutil.DefaultCapabilities)
		if err != nil {
			t.Fatal(err)
		}
		got, err := engine.Render(pre.flat, flatVals)
		if err != nil {
			t.Fatalf("%s with %s: Helm's render of the flat chart: %v", c.name, c.values, err)
		}
		// Helm's engine renders partials to nothing and leaves them out: so does the flat
		// chart, which has none.
		sameFiles(t, c.name+" flat, with "+c.values, got, want)
		if pre.chart != fresh || pre.flat.Name() != ch.Name() || len(pre.flat.Dependencies()) != 0 {
			t.Fatalf("%s: prerendered %v from %v", c.name, pre.flat.Metadata, pre.chart.Metadata)
		}
		// The chart recorded is the one rendered, changed as Helm's install changes it.
		gotJSON, _ := json.Marshal(pre.chart)
		wantJSON, _ := json.Marshal(ch)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("%s with %s: the chart to record differs from the one Helm's install records", c.name, c.values)
		}
	}
}

// TestRenderErrorsAsHelm: what fails in Helm's engine fails here too (Helm renders again to
// tell why).
func TestRenderErrorsAsHelm(t *testing.T) {
	for _, text := range []string{
		`{{ required "name is required" .Values.absent }}`,
		`{{ fail "no" }}`,
		`{{ include "nowhere" . }}`,
		`{{ tpl "{{ .Values.x.y.z }}" . }}`,
		`{{ define "loop" }}{{ include "loop" . }}{{ end }}{{ include "loop" . }}`,
		`{{ .Values.list | first | upper }}`,
	} {
		ch := &chart.Chart{Metadata: &chart.Metadata{Name: "broken", Version: "1.0.0", APIVersion: "v2"},
			Templates: []*chart.File{{Name: "templates/t.yaml", Data: []byte(text)}}}
		vals, err := chartutil.ToRenderValues(ch, map[string]any{"x": 1, "list": []any{}}, chartutil.ReleaseOptions{Name: "b", Namespace: "n"}, chartutil.DefaultCapabilities)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := engine.Render(ch, vals); err == nil {
			t.Fatalf("Helm's engine renders %s", text)
		}
		if out, err := renderChart("test:broken:"+text, ch, vals, nil); err == nil {
			t.Errorf("%s rendered: %v", text, out)
		}
	}
}

// TestTemplatesParsedOncePerSet: a chart's templates are parsed at its first render, and again
// only for another set of them (a subchart its values enable).
func TestTemplatesParsedOncePerSet(t *testing.T) {
	parsedTemplates = newTemplateCache(16)
	render := func(values string) {
		c := renderCase{"feature chart", func(testing.TB) *chart.Chart { return featureChart() }, values}
		ch, _, vals := c.prepared(t)
		if _, err := renderChart("test:feature", ch, vals, nil); err != nil {
			t.Fatal(err)
		}
	}
	render(`{}`)
	render(`{"name":"other"}`)
	if parsedTemplates.parses != 1 {
		t.Fatalf("parsed %d times for one set of templates", parsedTemplates.parses)
	}
	render(`{"off":{"enabled":true}}`)
	if parsedTemplates.parses != 2 {
		t.Fatalf("parsed %d times for two sets of templates", parsedTemplates.parses)
	}
}

// featureChart uses what Helm's engine gives templates: subcharts (one a library, one off by
// default, each defining a name the parent defines too), include, tpl with its own
// definitions, values changed by one template and read by a later one, files, conversions,
// missing values, and text with "{{".
func featureChart() *chart.Chart {
	file := func(name, text string) *chart.File { return &chart.File{Name: name, Data: []byte(text)} }
	meta := func(name, typ string) *chart.Metadata {
		return &chart.Metadata{Name: name, Version: "1.0.0", APIVersion: "v2", Type: typ}
	}
	sub := &chart.Chart{Metadata: meta("sub", ""), Values: map[string]any{"x": 1, "list": []any{"a", "b"}},
		Templates: []*chart.File{
			file("templates/_h.tpl", `{{ define "shared" }}sub's{{ end }}{{ define "sub.only" }}only {{ .Chart.Name }}{{ end }}`),
			file("templates/s.yaml", "x: {{ .Values.x }}\nroot: {{ .Chart.IsRoot }}\nname: {{ .Template.Name }}\nbase: {{ .Template.BasePath }}\nshared: {{ include \"shared\" . }}\nlist: {{ .Values.list | toJson }}\nglobal: {{ .Values.global | toJson }}\n"),
		}}
	lib := &chart.Chart{Metadata: meta("lib", "library"), Templates: []*chart.File{
		file("templates/_lib.tpl", `{{ define "lib.labels" }}app: {{ .Chart.Name }}{{ end }}`),
		file("templates/ignored.yaml", `kind: NeverRendered`),
	}}
	off := &chart.Chart{Metadata: meta("off", ""), Values: map[string]any{"enabled": false},
		Templates: []*chart.File{
			file("templates/_off.tpl", `{{ define "shared" }}off's{{ end }}`),
			file("templates/o.yaml", `off: {{ .Values.enabled }}`),
		}}
	root := &chart.Chart{Metadata: meta("app", ""), Values: map[string]any{
		"name": "app", "greeting": "hello {{ .Values.name }}", "nested": map[string]any{"a": map[string]any{"b": 1}},
		"off": map[string]any{"enabled": false}, "global": map[string]any{"region": "eu"},
	}}
	root.Metadata.Dependencies = []*chart.Dependency{
		{Name: "sub", Version: "1.x"}, {Name: "lib", Version: "1.x"}, {Name: "off", Version: "1.x", Condition: "off.enabled"},
	}
	root.Templates = []*chart.File{
		file("templates/_helpers.tpl", `{{ define "shared" }}root's{{ end }}{{- define "app.name" -}}{{ .Values.name | trunc 63 }}{{- end -}}`),
		file("templates/a.yaml", strings.Join([]string{
			`name: {{ include "app.name" . }}`,
			`shared: {{ include "shared" . }}`,
			`{{ include "lib.labels" . }}`,
			`greeting: {{ tpl .Values.greeting . }}`,
			`own: {{ tpl "{{ define \"in.tpl\" }}defined in tpl{{ end }}{{ include \"in.tpl\" . }} and {{ include \"app.name\" . }}" . }}`,
			`missing: {{ .Values.absent }}`,
			`{{- $_ := set .Values "mutated" "by a.yaml" }}`,
			`conf: {{ .Files.Get "files/a.conf" | quote }}`,
			`bytes: {{ .Files.GetBytes "files/a.conf" | len }}`,
			`none: {{ .Files.Get "files/none" | quote }}`,
			`config:`,
			`{{ (.Files.Glob "files/*.conf").AsConfig | indent 2 }}`,
			`secrets:`,
			`{{ (.Files.Glob "files/**").AsSecrets | indent 2 }}`,
			`lines: {{ .Files.Lines "files/a.conf" | toJson }}`,
			`toml: {{ .Values.nested | toToml | quote }}`,
			`yaml: {{ .Values.nested | toYaml | quote }}`,
			`pretty: {{ .Values.nested | toYamlPretty | quote }}`,
			`fromYaml: {{ fromYaml "a: [1, 2]" | toJson }}`,
			`badYaml: {{ fromYaml "a: [" | toJson }}`,
			`fromYamlArray: {{ fromYamlArray "[1, x]" | toJson }}`,
			`fromToml: {{ fromToml "a = 1" | toJson }}`,
			`fromJson: {{ fromJson "{\"a\":[true]}" | toJson }}`,
			`fromJsonArray: {{ fromJsonArray "[1,\"2\"]" | toJson }}`,
			`badJson: {{ fromJson "{" | toJson }}`,
			`required: {{ required "name" .Values.name }}`,
			`host: {{ getHostByName "localhost" | quote }}`,
			`lookup: {{ lookup "v1" "Secret" "ns" "name" | toJson }}`,
			`subcharts: {{ .Subcharts.sub.Values.x }}`,
			`release: {{ .Release.Name }} {{ .Release.Namespace }} {{ .Release.IsInstall }} {{ .Release.Revision }}`,
			`capabilities: {{ .Capabilities.KubeVersion.Major }}`,
			`chart: {{ .Chart.Name }} {{ .Chart.Version }} {{ .Chart.IsRoot }}`,
			`braces: {{ "{{ not a template }}" }} and {{ .Values.name }}{{ "{{" }}`,
			`{{ template "sub.only" . }}`,
		}, "\n")),
		file("templates/b.yaml", `mutated: {{ .Values.mutated }}`),
		file("templates/z.yaml", `mutated: {{ .Values.mutated }}`),
		file("templates/NOTES.txt", `Thanks for {{ .Chart.Name }}; {{ "{{" }} stays.`),
	}
	root.Files = []*chart.File{
		file("files/a.conf", "one\ntwo\n"),
		file("files/b.conf", "three"),
		file("files/deep/c.bin", "\x00\x01"),
	}
	root.SetDependencies(sub, lib, off)
	return root
}

// BenchmarkRender renders jupyter-python with the launch form's values: Helm's engine, which
// parses every template at each render, and renderChart, which parses them once.
func BenchmarkRender(b *testing.B) {
	data, err := os.ReadFile("../../../shared/catalogs/interactive/jupyter-python-2.5.2.tgz")
	if err != nil {
		b.Fatal(err)
	}
	c := renderCase{"jupyter-python", func(t testing.TB) *chart.Chart {
		ch, err := loader.LoadArchive(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}, `{"resources":{"requests":{"cpu":"100m","memory":"256Mi"}},"ingress":{"enabled":true,"hostname":"x.example.test"}}`}
	ch, _, vals := c.prepared(b)
	b.Run("helm", func(b *testing.B) {
		for b.Loop() {
			if _, err := engine.Render(ch, vals); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parsed-once", func(b *testing.B) {
		for b.Loop() {
			if _, err := renderChart("bench:jupyter-python", ch, vals, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
