package helmcommands

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// ran runs script with bash, helm and curl replaced by functions recording their words, in a
// folder of its own; it returns each call's words and the values file the script wrote.
func ran(t *testing.T, script string, env ...string) ([][]string, map[string]any) {
	t.Helper()
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	record := `record() { printf '%s\0' "$@" >> ` + calls + `; printf '\n' >> ` + calls + `; }
helm() { record helm "$@"; }; curl() { record curl "$@"; }
set -eu
`
	cmd := exec.Command("bash", "-c", record+script)
	cmd.Dir, cmd.Env = dir, append([]string{"PATH=/usr/bin:/bin", "HOME=" + dir}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bash: %v %s\n%s", err, stderr.String(), script)
	}
	data, _ := os.ReadFile(calls)
	var out [][]string
	for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\x00\n"), "\x00\n") {
		if line != "" {
			out = append(out, strings.Split(line, "\x00"))
		}
	}
	var values map[string]any
	if raw, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if err := yaml.Unmarshal(raw, &values); err != nil {
			t.Fatalf("values.yaml: %v\n%s", err, raw)
		}
	}
	return out, values
}

func words(s string) []string { return strings.Fields(s) }

// TestInstallFetchesTheChartWhereHelmReachesIt: a Helm repository is added under the
// catalog's id, an OCI chart is named by its address, and a catalog in a directory is fetched
// from Basalt's archive route (with the caller's bearer token in oidc mode); the script then
// writes the values and installs the release, as bash runs it.
func TestInstallFetchesTheChartWhereHelmReachesIt(t *testing.T) {
	values := map[string]any{"note": "it's $HOME `date`\nEOF", "replicas": 2}
	install := words("helm upgrade --install jupyter-123 ide/jupyter --namespace user-alice --version 1.2.3 -f values.yaml")
	for _, tc := range []struct {
		name    string
		catalog Catalog
		env     []string
		want    [][]string
	}{
		{"repository", Catalog{ID: "ide", Location: "https://charts.example.org/ide", Basalt: "https://basalt.test"}, nil, [][]string{
			words("helm repo add --force-update ide https://charts.example.org/ide"), install}},
		{"oci", Catalog{ID: "ide", Location: "oci://registry.example.org/charts/", Basalt: "https://basalt.test"}, nil, [][]string{
			words("helm upgrade --install jupyter-123 oci://registry.example.org/charts/jupyter --namespace user-alice --version 1.2.3 -f values.yaml")}},
		{"directory", Catalog{ID: "ide", Location: "/srv/catalog", Basalt: "http://127.0.0.1:8080/"}, nil, [][]string{
			words("curl -fsSL -o jupyter-1.2.3.tgz http://127.0.0.1:8080/api/v1/catalogs/ide/charts/jupyter/versions/1.2.3/archive"),
			words("helm upgrade --install jupyter-123 ./jupyter-1.2.3.tgz --namespace user-alice -f values.yaml")}},
		{"directory, oidc", Catalog{ID: "ide", Location: "file:///srv/catalog", Basalt: "https://basalt.test", Token: true},
			[]string{"BASALT_TOKEN=eyJ.token"}, [][]string{
				{"curl", "-fsSL", "-H", "Authorization: Bearer eyJ.token", "-o", "jupyter-1.2.3.tgz", "https://basalt.test/api/v1/catalogs/ide/charts/jupyter/versions/1.2.3/archive"},
				words("helm upgrade --install jupyter-123 ./jupyter-1.2.3.tgz --namespace user-alice -f values.yaml")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Install(Chart{Catalog: tc.catalog, Name: "jupyter", Version: "1.2.3"}, "jupyter-123", "user-alice", values)
			if err != nil {
				t.Fatal(err)
			}
			if s.Revealed != "" {
				t.Errorf("no secret, yet a revealed script:\n%s", s.Revealed)
			}
			calls, written := ran(t, s.Shown, tc.env...)
			if !slices.EqualFunc(calls, tc.want, slices.Equal) {
				t.Errorf("ran %q, want %q\n%s", calls, tc.want, s.Shown)
			}
			if written["note"] != values["note"] || written["replicas"] != 2 {
				t.Errorf("values.yaml holds %v, want %v", written, values)
			}
		})
	}
}

// TestInstallMasksSecrets: strings under secret-looking keys, in maps and lists, are masked in
// the script shown and in clear in the one revealed, which writes the values exactly.
func TestInstallMasksSecrets(t *testing.T) {
	values := map[string]any{
		"security": map[string]any{"password": "pa:ss' #word", "username": "alice"},
		"git":      map[string]any{"token": "ghp_secret", "name": "Alice"},
		"tokens":   []any{"t1", map[string]any{"secretKey": "t2", "id": "k"}},
		"s3":       map[string]any{"accessKeyId": "AKIA", "secretAccessKey": "", "sessionToken": "st"},
	}
	s, err := Install(Chart{Catalog: Catalog{ID: "ide", Location: "https://charts.example.org"}, Name: "jupyter", Version: "1"}, "jupyter-1", "user-alice", values)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"pa:ss", "ghp_secret", "t1", "t2", "st\n"} {
		if strings.Contains(s.Shown, secret) {
			t.Errorf("the script shown holds %q:\n%s", secret, s.Shown)
		}
	}
	_, shown := ran(t, s.Shown)
	if got := shown["security"].(map[string]any); got["password"] != "********" || got["username"] != "alice" {
		t.Errorf("shown security: %v", got)
	}
	if got := shown["s3"].(map[string]any); got["accessKeyId"] != "AKIA" || got["secretAccessKey"] != "" || got["sessionToken"] != "********" {
		t.Errorf("shown s3: %v", got)
	}
	if got := shown["tokens"].([]any); got[0] != "********" || got[1].(map[string]any)["secretKey"] != "********" || got[1].(map[string]any)["id"] != "k" {
		t.Errorf("shown tokens: %v", got)
	}
	_, revealed := ran(t, s.Revealed)
	want, _ := yaml.Marshal(values)
	if got, _ := yaml.Marshal(revealed); !bytes.Equal(got, want) {
		t.Errorf("revealed values:\n%s\nwant:\n%s", got, want)
	}
}

// TestSetSuspendedNamesTheChart: pausing and resuming upgrade the release to its own chart
// version with its values and global.suspend, fetching the chart first where needed.
func TestSetSuspendedNamesTheChart(t *testing.T) {
	dir := Chart{Catalog: Catalog{ID: "ide", Location: "/srv/catalog", Basalt: "https://basalt.test"}, Name: "jupyter", Version: "1.2.3"}
	script := strings.Join(SetSuspended(dir, "jupyter-1", "user-alice", true), "\n")
	calls, _ := ran(t, script)
	want := [][]string{
		words("curl -fsSL -o jupyter-1.2.3.tgz https://basalt.test/api/v1/catalogs/ide/charts/jupyter/versions/1.2.3/archive"),
		words("helm upgrade jupyter-1 ./jupyter-1.2.3.tgz --namespace user-alice --reuse-values --set global.suspend=true"),
	}
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("pause ran %q, want %q", calls, want)
	}
	repo := Chart{Catalog: Catalog{ID: "ide", Location: "https://charts.example.org"}, Name: "jupyter", Version: "1.2.3"}
	calls, _ = ran(t, strings.Join(SetSuspended(repo, "jupyter-1", "user-alice", false), "\n"))
	want = [][]string{
		words("helm repo add --force-update ide https://charts.example.org"),
		words("helm upgrade jupyter-1 ide/jupyter --namespace user-alice --version 1.2.3 --reuse-values --set global.suspend=false"),
	}
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("resume ran %q, want %q", calls, want)
	}
	foreign := Chart{Name: "jupyter", Version: "1.2.3"}
	if got := SetSuspended(foreign, "jupyter-1", "user-alice", true); len(got) != 1 || !strings.HasPrefix(got[0], "helm upgrade jupyter-1 jupyter --namespace user-alice --version 1.2.3 ") {
		t.Errorf("a release of no catalog of Basalt's: %q", got)
	}
}

// TestArchivePathEscapes: names with characters a URL path gives a meaning to stay one segment.
func TestArchivePathEscapes(t *testing.T) {
	if got := ArchivePath("my ide", "a/b", "1.0.0+build?x"); got != "/api/v1/catalogs/my%20ide/charts/a%2Fb/versions/1.0.0+build%3Fx/archive" {
		t.Errorf("ArchivePath = %s", got)
	}
}
