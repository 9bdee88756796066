package server

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// sharedCatalog holds Onyxia's real charts; CI lays shared/ beside the repository.
const sharedCatalog = "../../../../shared/catalogs/interactive"

// onyxiaChart reads a chart of the shared catalog as the memory catalog's configuration
// takes it: the schema as its raw bytes, so its order reaches the plugin as written.
func onyxiaChart(tb testing.TB, file string) map[string]any {
	tb.Helper()
	f, err := os.Open(filepath.Join(sharedCatalog, file))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if _, name, _ := strings.Cut(h.Name, "/"); name == "values.yaml" || name == "values.schema.json" {
			files[name], _ = io.ReadAll(tr)
		}
	}
	name, version, _ := strings.Cut(strings.TrimSuffix(file, ".tgz"), "-2.")
	return map[string]any{"name": name, "version": "2." + version, "values": string(files["values.yaml"]),
		"schema": json.RawMessage(files["values.schema.json"])}
}

// jupyterServer serves Onyxia's jupyter-python from the memory catalog, with the memory
// storage, secrets and region plugins behind the launch context, as alice, without the
// launch rate limit (the benchmark asks for many forms).
func jupyterServer(tb testing.TB) string {
	tb.Helper()
	mem := testplugin.Memory(tb)
	charts := map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD",
		"charts": []any{onyxiaChart(tb, "jupyter-python-2.5.2.tgz")}}}}
	return startWithPlugins(tb, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: charts},
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username=alice", "server.rate_limit.launch_per_minute=0") + "/api/v1/projects/user-alice/launch/form?catalog=ide&chart=jupyter-python"
}

// TestLaunchFormFollowsSchemaOrder reads the form of Onyxia's jupyter-python over HTTP: its
// groups come in the order of the chart's values.schema.json, as Onyxia shows them.
func TestLaunchFormFollowsSchemaOrder(t *testing.T) {
	var got struct {
		Form struct {
			Version string
			Root    struct{ Fields []struct{ Key string } }
		}
	}
	if code := getJSON(t, jupyterServer(t), &got); code != 200 || got.Form.Version != "2.5.2" {
		t.Fatalf("form: %d %+v", code, got)
	}
	var keys []string
	for _, f := range got.Form.Root.Fields {
		keys = append(keys, f.Key)
	}
	want := []string{"service", "resources", "persistence", "init", "extraEnvVars", "kubernetes", "vault", "s3", "git",
		"ai", "networking", "discovery", "security", "nodeSelector", "openshiftSCC", "ingress", "route", "repository",
		"startupProbe", "tolerations", "userPreferences", "global", "proxy", "certificates", "message", "runtimeClassName"}
	if !slices.Equal(keys, want) {
		t.Errorf("groups %v, want the schema's order %v", keys, want)
	}
}

// TestLaunchFormListsTheLinkChanges asks for the form with a launch link: the answer lists
// what the link changes from the pre-filled values, which the portal shows before launching
// from a link; without a link it lists nothing.
func TestLaunchFormListsTheLinkChanges(t *testing.T) {
	form := jupyterServer(t)
	var got struct {
		Form struct {
			LinkChanges []struct {
				Path    string
				Value   any
				Removed bool
			}
		}
	}
	link := "name=nb&init.personalInit=%C2%ABhttps%3A%2F%2Fevil.example.org%2Fx.sh%C2%BB&persistence.enabled=true"
	if code := getJSON(t, form+"&link="+url.QueryEscape(link), &got); code != 200 {
		t.Fatalf("form with a link: %d", code)
	}
	if c := got.Form.LinkChanges; len(c) != 1 || c[0].Path != "init.personalInit" || c[0].Value != "https://evil.example.org/x.sh" || c[0].Removed {
		t.Errorf("linkChanges = %+v, want init.personalInit alone (persistence.enabled keeps its pre-filled true)", c)
	}
	got.Form.LinkChanges = nil
	if code := getJSON(t, form, &got); code != 200 || got.Form.LinkChanges != nil {
		t.Errorf("form without a link: %d, linkChanges %+v", code, got.Form.LinkChanges)
	}
}

// BenchmarkHTTPLaunchForm measures the launch form request of a cached chart through the
// API, in process, with every plugin a real subprocess (goal: under 5 ms at the median).
func BenchmarkHTTPLaunchForm(b *testing.B) {
	measureGET(b, jupyterServer(b))
}
