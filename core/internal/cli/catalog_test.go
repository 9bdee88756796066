package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// TestCatalogCheckOnyxiaCharts checks Onyxia's real charts: every version is read, and the
// one genuine problem among them is found: jupyter-python 2.1.11 names "ide/password"
// without its ".json" (fixed in later versions), so its password field keeps the chart's own
// schema.
func TestCatalogCheckOnyxiaCharts(t *testing.T) {
	helmrepo := testplugin.Path(t, "basalt-plugin-helmrepo")
	code, out, errOut := run(t, "catalog", "check", sharedCatalog, "--plugin", helmrepo)
	want := "jupyter-python 2.1.11: error: security.password: x-onyxia.overwriteSchemaWith ide/password names no schema"
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "6 charts, 8 versions: 1 errors, 0 warnings") {
		t.Fatalf("exit %d, want 1 with only %q:\n%s%s", code, want, out, errOut)
	}
}

// TestCatalogCheckFindsProblems packages charts with one problem each into a repository
// and expects each problem reported against its chart, and exit status 1.
func TestCatalogCheckFindsProblems(t *testing.T) {
	helmrepo := testplugin.Path(t, "basalt-plugin-helmrepo")
	packager := testplugin.Path(t, "basalt-catalog")
	src, repo := t.TempDir(), t.TempDir()
	chart := func(name, schema, values string, withDocs bool) {
		dir := filepath.Join(src, name)
		files := map[string]string{
			"Chart.yaml":         "apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n",
			"values.yaml":        values,
			"templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
			"values.schema.json": schema,
		}
		if withDocs {
			files["Chart.yaml"] += "icon: https://example.org/icon.png\n"
			files["README.md"] = "# " + name + "\n"
		}
		for p, body := range files {
			if body == "" {
				continue
			}
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	chart("good", `{"type": "object", "properties": {"cpu": {"type": "integer", "default": 1}}}`, "cpu: 1\n", true)
	chart("bad-schema", `{"type": "object", "properties": {"cpu": {"type": 12}}}`, "", true)
	chart("bad-names", `{"type": "object", "properties": {
		"resources": {"type": "object", "x-onyxia": {"overwriteSchemaWith": "ide/nothing.json"}},
		"owner": {"type": "string", "default": "", "x-onyxia": {"overwriteDefaultWith": "{{user.nickname}}", "hiden": true}},
		"group": {"type": "string", "default": "", "x-onyxia": {"overwriteDefaultWith": "user.decodedIdToken.groups[0]"}},
		"replicas": {"type": "integer", "default": "three"}}}`, "", true)
	chart("no-docs", `{"type": "object", "properties": {"cpu": {"type": "integer", "default": 1}}}`, "", false)
	if out, err := exec.Command(packager, "package", src, repo).CombinedOutput(); err != nil {
		t.Fatalf("packaging: %v\n%s", err, out)
	}

	code, out, errOut := run(t, "catalog", "check", repo, "--plugin", helmrepo)
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"bad-schema 1.0.0: error: values.schema.json is not a valid JSON Schema",
		`bad-names 1.0.0: error: resources: x-onyxia.overwriteSchemaWith ide/nothing.json names no schema`,
		`bad-names 1.0.0: error: owner: x-onyxia.overwriteDefaultWith reads "user.nickname", which the launch context never holds`,
		"bad-names 1.0.0: warning: owner: x-onyxia.hiden is not a keyword",
		`bad-names 1.0.0: error: replicas: the default "three" fails its own schema`,
		"no-docs 1.0.0: warning: Chart.yaml has no icon",
		"no-docs 1.0.0: warning: no README.md",
		"4 charts, 4 versions: 4 errors, 3 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	for _, clean := range []string{"good 1.0.0", "groups[0]"} {
		if strings.Contains(out, clean) {
			t.Errorf("%q is fine and must not be reported:\n%s", clean, out)
		}
	}
}

// TestCatalogCheckReportsSkipped checks Onyxia's real charts under a catalog's filters and
// version selection, with one archive replaced: each chart or version left out on purpose is
// a warning with its reason, the broken one an error.
func TestCatalogCheckReportsSkipped(t *testing.T) {
	helmrepo := testplugin.Path(t, "basalt-plugin-helmrepo")
	repo := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(sharedCatalog, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "rstudio-2.5.5.tgz" { // no longer the archive the index describes
			data, err = os.ReadFile(filepath.Join(sharedCatalog, "vscode-python-2.6.2.tgz"))
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(repo, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	options := filepath.Join(t.TempDir(), "options.yaml")
	if err := os.WriteFile(options, []byte("excludedCharts: [marimo-python]\nexcludeKeywords: [Spark]\n"+
		"multipleServicesMode: maxNumber\nmaxNumberOfVersions: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "catalog", "check", repo, "--plugin", helmrepo, "--options", options)
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"jupyter-pyspark: warning: skipped: keyword 'Spark' excluded by excludeKeywords\n",
		"jupyter-python 2.1.11: warning: skipped: older than the 2 newest (maxNumber)\n",
		"marimo-python: warning: skipped: excluded by excludedCharts\n",
		"rstudio 2.5.5: error: skipped: digest mismatch",
		"4 charts, 4 versions: 1 errors, 3 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// The broken version is reported once, not again as the chart's error.
	if n := strings.Count(out, "rstudio"); n != 1 {
		t.Errorf("rstudio reported %d times:\n%s", n, out)
	}
}
