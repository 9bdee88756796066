package config

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// The default catalog (catalog/) is checked here, statically and rendered by the test
// environment's helm: the charts are data that the build packages and the catalog plugin
// loads, and a broken one would only show at launch time.

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

// iconsDir is the catalog's folder of icons, which basalt-catalog package copies beside the
// archives: not a chart.
const iconsDir = "icons"

// catalogCharts lists the chart folders of the catalog, sorted.
func catalogCharts(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(catalogDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != iconsDir {
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
	if chart.Description == "" || len(chart.Keywords) == 0 || len(chart.Annotations) == 0 {
		t.Errorf("the catalog shows a description, keywords and annotations: got %q, %v, %v", chart.Description, chart.Keywords, chart.Annotations)
	}
	// The icon is the catalog's own, by a relative address: the catalog needs no other site.
	if want := iconsDir + "/" + name + ".svg"; chart.Icon != want {
		t.Errorf("icon = %q, want %q", chart.Icon, want)
	} else if svg, err := os.ReadFile(filepath.Join(catalogDir, want)); err != nil || !bytes.Contains(svg, []byte("<svg")) || bytes.Contains(svg, []byte("<script")) {
		t.Errorf("%s: an SVG without scripts (err: %v)", want, err)
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

// secretCharts are the charts that hand their service the secret the user picked, as
// environment variables, whichever way the region injects it.
var secretCharts = []string{"jupyter", "rstudio", "vscode"}

// TestCatalogVaultEnvCopiesAgree: each chart stands alone, so each carries its own copy of
// the script that exports the secret read from Vault; the copies must not drift apart.
func TestCatalogVaultEnvCopiesAgree(t *testing.T) {
	read := func(chart string) []byte {
		b, err := os.ReadFile(filepath.Join(catalogDir, chart, "files", "vault-env.py"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	want := read(secretCharts[0])
	for _, chart := range secretCharts[1:] {
		if !bytes.Equal(read(chart), want) {
			t.Errorf("%s/files/vault-env.py differs from %s's", chart, secretCharts[0])
		}
	}
}

// TestCatalogSecretAsEnvVars renders each chart on the test environment's cluster as Basalt's
// kubernetes-secret injection launches it: extraEnvVars whose values look up a Secret beside
// the release. The values land in the chart's <release>-extraenv Secret, which the container
// takes with envFrom, and nowhere else; vault.secret becomes VAULT_RELATIVE_PATH.
func TestCatalogSecretAsEnvVars(t *testing.T) {
	env := testenv.Require(t)
	cluster := newCatalogCluster(t, env)
	for _, chart := range secretCharts {
		t.Run(chart, func(t *testing.T) {
			ns := cluster.namespace(t, "catalog-"+chart)
			release := chart + "-" + randomHex(t, 4)
			dataSecret := release + "-secret-data" // what Basalt writes beside the release
			apiKey, password := "api-"+randomHex(t, 8), "pw '\"$HOME"+randomHex(t, 8)
			cluster.createSecret(t, ns, dataSecret, map[string]string{"API_KEY": apiKey, "DB_PASSWORD": password})
			lookup := func(key string) string {
				return fmt.Sprintf(`{{ index (lookup "v1" "Secret" %q %q).data %q | b64dec }}`, ns, dataSecret, key)
			}
			out := cluster.render(t, chart, release, ns, map[string]any{
				"extraEnvVars": []any{
					map[string]any{"name": "API_KEY", "value": lookup("API_KEY")},
					map[string]any{"name": "DB_PASSWORD", "value": lookup("DB_PASSWORD")},
					map[string]any{"name": "PLAIN", "value": "release {{ .Release.Name }}"},
				},
				"vault": map[string]any{"enabled": true, "url": "http://vault.test", "token": "t", "mount": "kv", "directory": "users/alice", "secret": "db"},
			})

			extra := out.stringData(t, "Secret", release+"-extraenv")
			want := map[string]string{"API_KEY": apiKey, "DB_PASSWORD": password, "PLAIN": "release " + release}
			if !maps.Equal(extra, want) {
				t.Errorf("Secret %s-extraenv holds %v, want %v", release, extra, want)
			}
			if got := out.envFromSecrets(t); !slices.Equal(got, []string{release, release + "-extraenv"}) {
				t.Errorf("the container takes its environment from the Secrets %v, want [%s %s-extraenv]", got, release, release)
			}
			if got := out.stringData(t, "Secret", release)["VAULT_RELATIVE_PATH"]; got != "db" {
				t.Errorf("VAULT_RELATIVE_PATH = %q, want db", got)
			}
			for _, value := range []string{apiKey, password} {
				if strings.Contains(out.notes, value) {
					t.Errorf("the notes show a value of the secret")
				}
				for id, obj := range out.objects {
					if id != "Secret/"+release+"-extraenv" && strings.Contains(fmt.Sprint(obj), value) {
						t.Errorf("%s holds a value of the secret", id)
					}
				}
			}

			plain := cluster.render(t, chart, release, ns, map[string]any{"vault": map[string]any{"enabled": false, "secret": "db"}})
			if _, ok := plain.objects["Secret/"+release+"-extraenv"]; ok {
				t.Errorf("without extraEnvVars the chart still renders %s-extraenv", release)
			}
			if got := plain.envFromSecrets(t); !slices.Equal(got, []string{release}) {
				t.Errorf("without extraEnvVars the container takes its environment from %v, want [%s]", got, release)
			}
			if _, ok := plain.stringData(t, "Secret", release)["VAULT_RELATIVE_PATH"]; ok {
				t.Errorf("with Vault off the chart still sets VAULT_RELATIVE_PATH")
			}
		})
	}
}

// TestCatalogVaultSecretExported runs the export part of each chart's startup (vault-env.sh
// from the rendered ConfigMap, which startup.sh sources before starting the server) with this
// machine's python3, against the test environment's Vault, with the environment a pod of the
// scoped-token injection gets: a token that may read one secret.
func TestCatalogVaultSecretExported(t *testing.T) {
	env := testenv.Require(t)
	cluster := newCatalogCluster(t, env)
	top := "catalog-tests/" + randomHex(t, 6)
	secret := map[string]any{
		"API_KEY":     "k3y with 'single', \"double\" quotes, $HOME, `ticks` and a\nnewline",
		"PORT":        5432,
		"not-a-name":  "skipped",
		"DB_PASSWORD": "pw-" + randomHex(t, 8),
	}
	writeVaultSecret(t, env, top+"/db", secret)
	writeVaultSecret(t, env, top+"/other", map[string]any{"OTHER": "no"})
	token := scopedVaultToken(t, env, env.VaultKVMount+"/data/"+top+"/db")

	for _, chart := range secretCharts {
		t.Run(chart, func(t *testing.T) {
			ns := cluster.namespace(t, "catalog-vault-"+chart)
			release := chart + "-" + randomHex(t, 4)
			out := cluster.render(t, chart, release, ns, map[string]any{"vault": map[string]any{"enabled": true}})
			startup := out.stringData(t, "ConfigMap", release+"-startup")
			dir := t.TempDir()
			for _, file := range []string{"vault-env.sh", "vault-env.py"} {
				if err := os.WriteFile(filepath.Join(dir, file), []byte(startup[file]), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			source := strings.Index(startup["startup.sh"], ". /opt/basalt/vault-env.sh\n")
			if source < 0 || source > strings.Index(startup["startup.sh"], "\nexec ") {
				t.Errorf("startup.sh does not source vault-env.sh before starting the server:\n%s", startup["startup.sh"])
			}
			pod := map[string]string{"VAULT_ADDR": env.VaultAddr, "VAULT_TOKEN": token, "VAULT_MOUNT": env.VaultKVMount,
				"VAULT_TOP_DIR": top, "VAULT_RELATIVE_PATH": "db"}

			vars, stderr := exportSecret(t, dir, pod)
			for key, want := range map[string]string{"API_KEY": secret["API_KEY"].(string), "PORT": "5432", "DB_PASSWORD": secret["DB_PASSWORD"].(string)} {
				if vars[key] != want {
					t.Errorf("%s = %q, want %q", key, vars[key], want)
				}
			}
			if _, ok := vars["basalt_exports"]; ok {
				t.Error("vault-env.sh leaves its own variable behind")
			}
			if want := `basalt: keys of the secret db that are not environment variable names, not exported: "not-a-name"` + "\n"; stderr != want {
				t.Errorf("stderr = %q, want %q", stderr, want)
			}

			for _, c := range []struct {
				name       string
				path, addr string
				token      string
				noPython   bool
				want       string
			}{
				{name: "another secret", path: "other", token: token,
					want: "basalt: could not read the secret other from Vault: 403 Forbidden"},
				{name: "no such secret", path: "missing", token: env.VaultToken,
					want: "basalt: could not read the secret missing from Vault: 404 Not Found"},
				{name: "no python3", path: "db", token: token, noPython: true,
					want: "basalt: this image has no python3; the secret db is not read from Vault"},
			} {
				t.Run(c.name, func(t *testing.T) {
					pod := maps.Clone(pod)
					pod["VAULT_RELATIVE_PATH"], pod["VAULT_TOKEN"] = c.path, c.token
					if c.noPython {
						pod["PATH"] = t.TempDir()
					}
					vars, stderr := exportSecret(t, dir, pod)
					if stderr != c.want+"\n" {
						t.Errorf("stderr = %q, want the one line %q", stderr, c.want)
					}
					for _, key := range []string{"API_KEY", "OTHER"} {
						if _, ok := vars[key]; ok {
							t.Errorf("%s is exported", key)
						}
					}
				})
			}
		})
	}
}

// exportSecret sources dir/vault-env.sh in bash with exactly the environment pod (and a PATH,
// unless pod sets one) and returns the variables it leaves exported, and its standard error.
// It fails t if the startup would stop: the export never stops a service.
func exportSecret(t *testing.T, dir string, pod map[string]string) (map[string]string, string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	envCmd, err := exec.LookPath("env")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "-c", `. "$1/vault-env.sh" && exec "$2" -0`, "bash", dir, envCmd)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range pod {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sourcing vault-env.sh failed: %v\n%s", err, stderr.String())
	}
	vars := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(stdout.String(), "\x00"), "\x00") {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	return vars, stderr.String()
}

// writeVaultSecret writes data at path (under the KV v2 engine) with the root token, and
// destroys it at the end of the test.
func writeVaultSecret(t *testing.T, env *testenv.Env, path string, data map[string]any) {
	t.Helper()
	if err := env.Vault(t.Context(), "", http.MethodPost, "/v1/"+env.VaultKVMount+"/data/"+path, map[string]any{"data": data}, nil); err != nil {
		t.Fatalf("writing the secret %s: %v", path, err)
	}
	t.Cleanup(func() {
		_ = env.Vault(context.Background(), "", http.MethodDelete, "/v1/"+env.VaultKVMount+"/metadata/"+path, nil, nil)
	})
}

// scopedVaultToken returns a short-lived token that may read apiPath only, as Basalt's
// scoped-token injection gives a service.
func scopedVaultToken(t *testing.T, env *testenv.Env, apiPath string) string {
	t.Helper()
	ctx := t.Context()
	policy := "catalog-test-" + randomHex(t, 6)
	rules := fmt.Sprintf("path %q {\n  capabilities = [\"read\"]\n}\n", apiPath)
	if err := env.Vault(ctx, "", http.MethodPut, "/v1/sys/policies/acl/"+policy, map[string]any{"policy": rules}, nil); err != nil {
		t.Fatalf("the test's Vault policy: %v", err)
	}
	t.Cleanup(func() {
		_ = env.Vault(context.Background(), "", http.MethodDelete, "/v1/sys/policies/acl/"+policy, nil, nil)
	})
	var created struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if err := env.Vault(ctx, "", http.MethodPost, "/v1/auth/token/create",
		map[string]any{"policies": []string{policy}, "no_default_policy": true, "ttl": "10m"}, &created); err != nil {
		t.Fatalf("the test's Vault token: %v", err)
	}
	t.Cleanup(func() {
		_ = env.Vault(context.Background(), created.Auth.ClientToken, http.MethodPost, "/v1/auth/token/revoke-self", nil, nil)
	})
	return created.Auth.ClientToken
}

// catalogCluster renders the catalog's charts with the test environment's helm against its
// Kubernetes API server, where the charts' lookups read.
type catalogCluster struct {
	env    *testenv.Env
	client *http.Client
}

func newCatalogCluster(t *testing.T, env *testenv.Env) *catalogCluster {
	t.Helper()
	if env.KubeServer == "" || env.Helm == "" {
		t.Fatalf("the test environment runs no Kubernetes or has no helm; rerun make testenv-up")
	}
	client, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	return &catalogCluster{env: env, client: client}
}

// kube sends one request to the API server as the admin and fails t on an error answer.
func (c *catalogCluster) kube(t *testing.T, method, path string, body any) {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, c.env.KubeServer+path, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.env.KubeToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 && !(method == http.MethodDelete && resp.StatusCode == http.StatusNotFound) {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, answer)
	}
}

// namespace creates a namespace for one test, deleted at its end.
func (c *catalogCluster) namespace(t *testing.T, prefix string) string {
	t.Helper()
	name := prefix + "-" + randomHex(t, 4)
	c.kube(t, http.MethodPost, "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": name}})
	t.Cleanup(func() { c.kube(t, http.MethodDelete, "/api/v1/namespaces/"+name, nil) })
	return name
}

func (c *catalogCluster) createSecret(t *testing.T, ns, name string, data map[string]string) {
	t.Helper()
	c.kube(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/secrets",
		map[string]any{"metadata": map[string]any{"name": name}, "type": "Opaque", "stringData": data})
}

// renderedChart is what helm would install: its objects by "Kind/name", and its notes.
type renderedChart struct {
	objects map[string]map[string]any
	notes   string
}

// render renders chart as an install of release in ns with values, looking up on the cluster
// (helm install --dry-run=server: nothing is installed).
func (c *catalogCluster) render(t *testing.T, chart, release, ns string, values map[string]any) renderedChart {
	t.Helper()
	dir := t.TempDir()
	valuesFile := filepath.Join(dir, "values.json")
	data, err := json.Marshal(values)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(valuesFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(c.env.Helm, "install", release, filepath.Join(catalogDir, chart), "--namespace", ns,
		"--kubeconfig", c.env.Kubeconfig, "--dry-run=server", "--output", "json", "--values", valuesFile)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(dir, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(dir, "config"), "HELM_DATA_HOME="+filepath.Join(dir, "data"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm install --dry-run=server %s: %v\n%s", chart, err, stderr.String())
	}
	var rel struct {
		Info     struct{ Notes string }
		Manifest string
	}
	if err := json.Unmarshal(out, &rel); err != nil {
		t.Fatalf("helm's answer: %v", err)
	}
	r := renderedChart{objects: map[string]map[string]any{}, notes: rel.Info.Notes}
	dec := yaml.NewDecoder(strings.NewReader(rel.Manifest))
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("the rendered manifest: %v", err)
		}
		if obj == nil {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		r.objects[fmt.Sprintf("%v/%v", obj["kind"], meta["name"])] = obj
	}
	return r
}

// stringData returns a Secret's stringData or a ConfigMap's data.
func (r renderedChart) stringData(t *testing.T, kind, name string) map[string]string {
	t.Helper()
	obj, ok := r.objects[kind+"/"+name]
	if !ok {
		t.Fatalf("no %s %s among %v", kind, name, slices.Sorted(maps.Keys(r.objects)))
	}
	field := map[string]string{"Secret": "stringData", "ConfigMap": "data"}[kind]
	raw, _ := obj[field].(map[string]any)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		out[k] = fmt.Sprint(v)
	}
	return out
}

// envFromSecrets lists the Secrets the workload's container takes its environment from.
func (r renderedChart) envFromSecrets(t *testing.T) []string {
	t.Helper()
	var containers []any
	for id, obj := range r.objects {
		if strings.HasPrefix(id, "Deployment/") || strings.HasPrefix(id, "StatefulSet/") {
			spec, _ := obj["spec"].(map[string]any)
			template, _ := spec["template"].(map[string]any)
			podSpec, _ := template["spec"].(map[string]any)
			containers, _ = podSpec["containers"].([]any)
		}
	}
	if len(containers) != 1 {
		t.Fatalf("want one workload with one container, got containers %v", containers)
	}
	container, _ := containers[0].(map[string]any)
	from, _ := container["envFrom"].([]any)
	var names []string
	for _, f := range from {
		ref, _ := f.(map[string]any)["secretRef"].(map[string]any)
		names = append(names, fmt.Sprint(ref["name"]))
	}
	return names
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
