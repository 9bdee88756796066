package server

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/helmcommands"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk"
)

// commandsCatalog has one chart with Onyxia's one-time password and pause conventions.
var commandsCatalog = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "global:\n  suspend: false\nsecurity:\n  password: \"\"\n",
		"schema": map[string]any{
			"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
			"properties": map[string]any{
				"security": map[string]any{"type": "object", "properties": map[string]any{
					"password": map[string]any{"type": "string", "render": "password",
						"x-onyxia": map[string]any{"overwriteDefaultWith": "{{service.oneTimePassword}}"}}}},
				"global": map[string]any{"type": "object", "properties": map[string]any{
					"suspend": map[string]any{"type": "boolean", "default": false}}},
			},
		}},
}}}}

// TestCommandsNameWhatRuns: the launch form fixes the service's name, which the preview's
// commands and the launch use (a second launch of it is refused at the field release); the
// commands fetch the chart of a catalog helm cannot reach from Basalt's archive route, which
// serves the catalog's archive; the password is masked in the commands and in clear in
// commandsWithSecrets; pausing and resuming name the chart instead of a placeholder.
func TestCommandsNameWhatRuns(t *testing.T) {
	mem := testplugin.Memory(t)
	root := startWithPlugins(t, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: commandsCatalog},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username=alice")
	p := root + "/api/v1/projects/user-alice"

	var form LaunchForm
	if code := getJSON(t, p+"/launch/form?catalog=ide&chart=notebook", &form); code != 200 || !strings.HasPrefix(form.Release, "notebook-") {
		t.Fatalf("form: %d, release %q", code, form.Release)
	}
	request := `{"catalog":"ide","chart":"notebook","release":"` + form.Release + `"}`
	code, body := postJSON(t, p+"/launch/plan", request)
	var plan PlanView
	if json.Unmarshal(body, &plan) != nil || code != 200 || plan.Release != form.Release {
		t.Fatalf("plan of the form's release %s: %d %s", form.Release, code, body)
	}
	archive := root + helmcommands.ArchivePath("ide", "notebook", "1.0.0")
	password, _ := plan.Values["security"].(map[string]any)["password"].(string)
	shown, revealed := strings.Join(plan.Commands, "\n"), strings.Join(plan.CommandsWithSecrets, "\n")
	for _, want := range []string{"curl -fsSL -o notebook-1.0.0.tgz " + archive + "\n",
		"helm upgrade --install " + form.Release + " ./notebook-1.0.0.tgz --namespace user-alice -f values.yaml", "password: '********'"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the plan's commands lack %q:\n%s", want, shown)
		}
	}
	if password == "" || strings.Contains(shown, password) || !strings.Contains(revealed, "password: "+password+"\n") ||
		strings.Replace(revealed, password, "'********'", 1) != shown {
		t.Errorf("the password %q must be masked in the commands and in clear in commandsWithSecrets alone:\n%s\n---\n%s", password, shown, revealed)
	}

	resp, tgz := do(t, http.MethodGet, archive, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/gzip" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `filename="notebook-1.0.0.tgz"`) || !hasChartYAML(t, tgz, "notebook") {
		t.Fatalf("archive: %d %v", resp.StatusCode, resp.Header)
	}
	for _, missing := range []string{helmcommands.ArchivePath("ide", "notebook", "9.9.9"), helmcommands.ArchivePath("ide", "nope", "1.0.0"),
		helmcommands.ArchivePath("nope", "notebook", "1.0.0")} {
		if resp, body := do(t, http.MethodGet, root+missing, nil); resp.StatusCode != 404 {
			t.Errorf("%s: %d %s, want 404", missing, resp.StatusCode, body)
		}
	}

	code, body = postJSON(t, p+"/services", request)
	var launched LaunchResult
	if json.Unmarshal(body, &launched) != nil || code != 202 || launched.Service.ID != form.Release {
		t.Fatalf("launch of %s: %d %s", form.Release, code, body)
	}
	if len(launched.CommandsWithSecrets) != 1 || !strings.Contains(launched.Commands[0], "password: '********'") {
		t.Errorf("launch commands %q, with secrets %d", launched.Commands, len(launched.CommandsWithSecrets))
	}
	// The preview ran as shown: the same commands, the password the form showed included.
	if len(launched.CommandsWithSecrets) == 1 && launched.CommandsWithSecrets[0] != plan.CommandsWithSecrets[0] {
		t.Errorf("the launch's commands are not the preview's:\n%s\n---\n%s", launched.Commands[0], plan.Commands[0])
	}
	if got := formValue(form.Form.Root, "security.password"); got != password {
		t.Errorf("the form showed the password %q, the preview and the launch have %q", got, password)
	}
	code, body = postJSON(t, p+"/services", request)
	var e httpapi.ErrorBody
	_ = json.Unmarshal(body, &e)
	if details, _ := json.Marshal(e.Error.Details); code != 409 || !strings.Contains(string(details), `"field":"release"`) ||
		!strings.Contains(string(details), form.Release+" is taken") {
		t.Errorf("a second launch of %s: %d %s, want 409 at the field release", form.Release, code, body)
	}
	code, body = postJSON(t, p+"/services", `{"catalog":"ide","chart":"notebook","release":"jupyter-12"}`)
	if code != 400 || !strings.Contains(string(body), `"field":"release"`) {
		t.Errorf("a release of another chart: %d %s, want 400 at the field release", code, body)
	}

	for action, value := range map[string]string{"suspend": "true", "resume": "false"} {
		code, body := postJSON(t, p+"/services/"+form.Release+"/"+action, "")
		var out struct{ Commands []string }
		want := []string{"curl -fsSL -o notebook-1.0.0.tgz " + archive,
			"helm upgrade " + form.Release + " ./notebook-1.0.0.tgz --namespace user-alice --reuse-values --set global.suspend=" + value}
		if json.Unmarshal(body, &out) != nil || code != 200 || strings.Join(out.Commands, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: %d %s, want the commands %q", action, code, body, want)
		}
	}
}

// formValue is the pre-filled value of the form's field at path.
func formValue(f *form.Field, path string) any {
	if f == nil {
		return nil
	}
	if f.Path == path {
		return f.Value
	}
	for _, child := range f.Fields {
		if v := formValue(child, path); v != nil {
			return v
		}
	}
	return nil
}

// hasChartYAML reports whether a .tgz holds <chart>/Chart.yaml, as helm expects a chart
// archive to.
func hasChartYAML(t *testing.T, tgz []byte, chart string) bool {
	t.Helper()
	gz, err := gzip.NewReader(strings.NewReader(string(tgz)))
	if err != nil {
		return false
	}
	r := tar.NewReader(gz)
	for {
		h, err := r.Next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			return false
		}
		if h.Name == chart+"/Chart.yaml" {
			return true
		}
	}
}

// TestFleetCommandsNameTheChart: an administrator's fleet action on another user's service
// gives the commands that fetch the chart it runs (or the version it is upgraded to) where
// helm reaches it.
func TestFleetCommandsNameTheChart(t *testing.T) {
	m := lifecycle.Member{Release: sdk.Release{Name: "jupyter-7", Namespace: "user-bob", Chart: "jupyter", ChartVersion: "1.0.0",
		Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter"}}}
	dir := helmcommands.Chart{Name: "jupyter", Version: "1.0.0",
		Catalog: helmcommands.Catalog{ID: "ide", Location: "/srv/catalog", Basalt: "https://basalt.test"}}
	fetch := func(version string) string {
		return "curl -fsSL -o jupyter-" + version + ".tgz https://basalt.test" + helmcommands.ArchivePath("ide", "jupyter", version)
	}
	for _, tc := range []struct {
		act  string
		want []string
	}{
		{lifecycle.FleetSuspend, []string{fetch("1.0.0"), "helm upgrade jupyter-7 ./jupyter-1.0.0.tgz --namespace user-bob --reuse-values --set global.suspend=true"}},
		{lifecycle.FleetResume, []string{fetch("1.0.0"), "helm upgrade jupyter-7 ./jupyter-1.0.0.tgz --namespace user-bob --reuse-values --set global.suspend=false"}},
		{lifecycle.FleetUpgrade, []string{fetch("2.0.0"), "helm upgrade jupyter-7 ./jupyter-2.0.0.tgz --namespace user-bob --reuse-values"}},
	} {
		if got := fleetCommands(tc.act, "2.0.0", m, dir); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s: %q, want %q", tc.act, got, tc.want)
		}
	}
	repo := dir
	repo.Catalog.Location = "https://charts.example.org"
	want := []string{"helm repo add --force-update ide https://charts.example.org",
		"helm upgrade jupyter-7 ide/jupyter --namespace user-bob --version 2.0.0 --reuse-values"}
	if got := fleetCommands(lifecycle.FleetUpgrade, "2.0.0", m, repo); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("upgrade from a repository: %q, want %q", got, want)
	}
}
