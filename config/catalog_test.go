package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// The default catalog (catalog/) is checked here without Helm: the charts are data that
// the build packages and the catalog plugin loads, and a broken one would only show at
// launch time.

const catalogDir = "catalog"

// defaultCharts are the charts the default catalog must offer.
var defaultCharts = []string{"jupyter", "postgresql", "rstudio", "vscode"}

// semverRE is the regular expression semver.org gives for a version.
var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func TestDefaultCatalogHasItsCharts(t *testing.T) {
	if got := catalogCharts(t); !slices.Equal(got, defaultCharts) {
		t.Errorf("charts in %s/ = %v, want %v", catalogDir, got, defaultCharts)
	}
}

func TestDefaultCatalogCharts(t *testing.T) {
	for _, name := range catalogCharts(t) {
		dir := filepath.Join(catalogDir, name)
		t.Run(name, func(t *testing.T) {
			t.Run("Chart.yaml", func(t *testing.T) { checkChartFile(t, dir, name) })
			t.Run("README.md", func(t *testing.T) {
				if b, err := os.ReadFile(filepath.Join(dir, "README.md")); err != nil || len(bytes.TrimSpace(b)) == 0 {
					t.Errorf("a chart needs a README.md (err: %v)", err)
				}
			})
			t.Run("values match the schema", func(t *testing.T) {
				values := readValues(t, dir)
				schema := compileSchema(t, dir)
				if err := schema.Validate(values); err != nil {
					t.Errorf("values.yaml against values.schema.json: %v", err)
				}
			})
			t.Run("schema conventions", func(t *testing.T) { checkSchemaConventions(t, dir) })
			t.Run("template delimiters", func(t *testing.T) { checkDelimiters(t, dir) })
			t.Run("suspend", func(t *testing.T) { checkSuspend(t, dir) })
			t.Run("labels and notes", func(t *testing.T) { checkLabelsAndNotes(t, dir, name) })
		})
	}
}

// catalogCharts lists the chart folders of the catalog, sorted.
func catalogCharts(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(catalogDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

func checkChartFile(t *testing.T, dir, name string) {
	var chart struct {
		APIVersion  string            `yaml:"apiVersion"`
		Name        string            `yaml:"name"`
		Version     string            `yaml:"version"`
		Type        string            `yaml:"type"`
		Description string            `yaml:"description"`
		Icon        string            `yaml:"icon"`
		Keywords    []string          `yaml:"keywords"`
		Annotations map[string]string `yaml:"annotations"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(false)
	if err := dec.Decode(&chart); err != nil {
		t.Fatalf("Chart.yaml: %v", err)
	}
	if chart.APIVersion != "v2" {
		t.Errorf("apiVersion = %q, want v2", chart.APIVersion)
	}
	if chart.Name != name {
		t.Errorf("name = %q, want the folder's name %q", chart.Name, name)
	}
	if !semverRE.MatchString(chart.Version) {
		t.Errorf("version %q is not a semantic version", chart.Version)
	}
	if chart.Type != "application" {
		t.Errorf("type = %q, want application", chart.Type)
	}
	if chart.Description == "" || !strings.HasPrefix(chart.Icon, "https://") || len(chart.Keywords) == 0 || len(chart.Annotations) == 0 {
		t.Errorf("the catalog shows a description, an https icon, keywords and annotations: got %q, %q, %v, %v",
			chart.Description, chart.Icon, chart.Keywords, chart.Annotations)
	}
}

// readValues returns values.yaml as JSON-shaped data (what the validator expects).
func readValues(t *testing.T, dir string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]any
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatalf("values.yaml: %v", err)
	}
	j, err := json.Marshal(values)
	if err != nil {
		t.Fatalf("values.yaml is not JSON-shaped: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func readSchema(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(b, &schema); err != nil {
		t.Fatalf("values.schema.json: %v", err)
	}
	return schema
}

// compileSchema compiles values.schema.json; Onyxia's keywords (x-onyxia, render,
// listEnum, hidden, slider*) are unknown to the validator, which ignores them.
func compileSchema(t *testing.T, dir string) *jsonschema.Schema {
	t.Helper()
	c, url := schemaCompiler(t, dir)
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("values.schema.json does not compile: %v", err)
	}
	return s
}

func schemaCompiler(t *testing.T, dir string) (*jsonschema.Compiler, string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("values.schema.json: %v", err)
	}
	const url = "file:///values.schema.json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	return c, url
}

// checkSchemaConventions checks what a form generator relies on: the draft, defaults valid
// for their own field, list choices holding their default, range sliders in pairs, and
// global.suspend.
func checkSchemaConventions(t *testing.T, dir string) {
	schema := readSchema(t, dir)
	if got := schema["$schema"]; got != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("$schema = %v, want draft-07", got)
	}
	c, url := schemaCompiler(t, dir)
	ranges := map[string][]string{} // sliderRangeId → extremities
	walkSchema(schema, "", func(pointer string, node map[string]any) {
		if def, ok := node["default"]; ok {
			sub, err := c.Compile(url + "#" + pointer)
			if err != nil {
				t.Errorf("%s: %v", pointer, err)
			} else if err := sub.Validate(def); err != nil {
				t.Errorf("%s: default %v is not valid for its own field: %v", pointer, def, err)
			}
		}
		if list, ok := node["listEnum"].([]any); ok && !slices.Contains(list, node["default"]) {
			t.Errorf("%s: default %v is not one of listEnum %v", pointer, node["default"], list)
		}
		if id, ok := node["sliderRangeId"].(string); ok {
			end, _ := node["sliderExtremity"].(string)
			ranges[id] = append(ranges[id], end)
		}
		if xo, ok := node["x-onyxia"].(map[string]any); ok {
			if name, ok := xo["overwriteSchemaWith"]; ok && !strings.HasSuffix(fmt.Sprint(name), ".json") {
				t.Errorf("%s: overwriteSchemaWith %v is not a registry name", pointer, name)
			}
		}
	})
	for id, ends := range ranges {
		sort.Strings(ends)
		if !slices.Equal(ends, []string{"down", "up"}) {
			t.Errorf("range slider %q has extremities %v, want one down and one up", id, ends)
		}
	}
	suspend := lookupPath(schema, "global", "suspend")
	if suspend == nil || suspend["type"] != "boolean" {
		t.Errorf("the schema needs global.suspend, a boolean: got %v", suspend)
	}
}

// walkSchema calls fn for every property schema, with its JSON pointer.
func walkSchema(node map[string]any, pointer string, fn func(string, map[string]any)) {
	props, _ := node["properties"].(map[string]any)
	for name, p := range props {
		child, ok := p.(map[string]any)
		if !ok {
			continue
		}
		at := pointer + "/properties/" + name
		fn(at, child)
		walkSchema(child, at, fn)
	}
	if items, ok := node["items"].(map[string]any); ok {
		walkSchema(items, pointer+"/items", fn)
	}
}

func lookupPath(schema map[string]any, path ...string) map[string]any {
	node := schema
	for _, name := range path {
		props, _ := node["properties"].(map[string]any)
		next, _ := props[name].(map[string]any)
		if next == nil {
			return nil
		}
		node = next
	}
	return node
}

// checkDelimiters checks that every template's {{ and }} pair up, in order: an unbalanced
// one is the commonest slip in a chart edited by hand, and Helm only finds it at install.
func checkDelimiters(t *testing.T, dir string) {
	files, err := filepath.Glob(filepath.Join(dir, "templates", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates in %s (err: %v)", dir, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := balanced(string(b)); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}

func balanced(text string) error {
	open, openLine, line := false, 0, 1
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '\n':
			line++
		case strings.HasPrefix(text[i:], "{{"):
			if open {
				return fmt.Errorf("line %d: {{ inside the action opened on line %d", line, openLine)
			}
			open, openLine = true, line
			i++
		case strings.HasPrefix(text[i:], "}}"):
			if !open {
				return fmt.Errorf("line %d: }} without {{", line)
			}
			open = false
			i++
		}
	}
	if open {
		return fmt.Errorf("line %d: {{ never closed", openLine)
	}
	return nil
}

func TestDelimiterCheck(t *testing.T) {
	for text, ok := range map[string]bool{
		"a {{ .x }} b {{- if .y }}{{ end -}}": true,
		"{{ .x }":                             false,
		"{{ .x }} }}":                         false,
		"{{ {{ .x }}":                         false,
		"no actions":                          true,
	} {
		if err := balanced(text); (err == nil) != ok {
			t.Errorf("balanced(%q) = %v, want ok=%v", text, err, ok)
		}
	}
}

// checkSuspend checks Basalt's pause convention: values hold global.suspend (false), and
// the workload and the Service read it.
func checkSuspend(t *testing.T, dir string) {
	b, err := os.ReadFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var values struct {
		Global map[string]any `yaml:"global"`
	}
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	if v, ok := values.Global["suspend"]; !ok || v != false {
		t.Errorf("values.yaml: global.suspend = %v (present: %v), want false", v, ok)
	}
	workloads := 0
	for _, file := range []string{"deployment.yaml", "statefulset.yaml", "service.yaml", "ingress.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, "templates", file))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if file == "deployment.yaml" || file == "statefulset.yaml" {
			workloads++
		}
		if !strings.Contains(string(b), ".Values.global.suspend") {
			t.Errorf("templates/%s does not read .Values.global.suspend", file)
		}
	}
	if workloads != 1 {
		t.Errorf("want one workload template (deployment.yaml or statefulset.yaml), found %d", workloads)
	}
}

// checkLabelsAndNotes checks that pods are found by app.kubernetes.io/instance and that
// the notes speak the user's language.
func checkLabelsAndNotes(t *testing.T, dir, name string) {
	helpers, err := os.ReadFile(filepath.Join(dir, "templates", "_helpers.tpl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(helpers), "app.kubernetes.io/instance: {{ .Release.Name }}") {
		t.Error("_helpers.tpl does not label objects app.kubernetes.io/instance: {{ .Release.Name }}")
	}
	if !strings.Contains(string(helpers), fmt.Sprintf(`define "%s.`, name)) {
		t.Errorf("_helpers.tpl should name its defines %s.*, so charts never clash", name)
	}
	notes, err := os.ReadFile(filepath.Join(dir, "templates", "NOTES.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(notes), ".Values.userPreferences.language") {
		t.Error("NOTES.txt is not localized through userPreferences.language")
	}
}
