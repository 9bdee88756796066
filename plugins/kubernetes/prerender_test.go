package kubernetes_test

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// TestLaunchRecordsWhatHelmRenders: a launch, whose chart is rendered ahead of Helm, records
// the manifest and notes Helm's own render gives (a dry run's, which Helm renders), and the
// chart itself rather than the rendered one Helm installed.
func TestLaunchRecordsWhatHelmRenders(t *testing.T) {
	p, client := newRegion(t, nil)
	user, project := personalProject(t, p, client)
	ctx := t.Context()
	archive := jupyterArchive(t)
	name := "jupyter-" + unique("")
	req := sdk.InstallRequest{
		Caller: user, Project: project, ReleaseName: name, Values: values(name), DryRun: true,
		Metadata: sdk.ReleaseMetadata{Catalog: "interactive", Chart: "jupyter-python", Owner: user.Username},
	}
	req.Archive = bytes.NewReader(archive)
	dry, err := p.Install(ctx, req)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	before := kubernetes.PrerenderedInstalls()
	req.Archive, req.DryRun = bytes.NewReader(archive), false
	if _, err := p.Install(ctx, req); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		rec, err := client.CoreV1().Secrets(project.ID).Get(ctx, "sh.helm.release.v1."+name+".v1", metav1.GetOptions{})
		if err == nil && rec.Labels["status"] == "deployed" {
			raw = rec.Data["release"]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not deployed: %v", name, err)
		}
	}
	if kubernetes.PrerenderedInstalls() == before {
		t.Fatal("the launch was not rendered ahead of Helm")
	}
	rel, err := decodeRelease(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := kubernetes.MaskManifest(rel.Manifest); got != dry.Manifest {
		t.Errorf("recorded manifest differs from Helm's render:\n--- recorded\n%s\n--- Helm's\n%s", got, dry.Manifest)
	}
	if rel.Info.Notes == "" || rel.Info.Description != "Install complete" {
		t.Errorf("recorded notes %q, description %q", rel.Info.Notes, rel.Info.Description)
	}
	loaded, err := loader.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	byName := func(files []*chart.File) map[string]string {
		m := map[string]string{}
		for _, f := range files {
			m[f.Name] = string(f.Data)
		}
		return m
	}
	if got, want := byName(rel.Chart.Templates), byName(loaded.Templates); !maps.Equal(got, want) {
		t.Errorf("recorded templates %v, the chart's %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	if !maps.Equal(byName(rel.Chart.Files), byName(loaded.Files)) || len(rel.Chart.Values) == 0 || len(rel.Chart.Schema) == 0 ||
		len(rel.Chart.Metadata.Dependencies) != len(loaded.Metadata.Dependencies) {
		t.Errorf("the recorded chart is not the one launched: %d files, %d values, schema %d bytes, dependencies %v",
			len(rel.Chart.Files), len(rel.Chart.Values), len(rel.Chart.Schema), rel.Chart.Metadata.Dependencies)
	}
}

// TestLaunchesRefusedBeforeRecording: values that break the chart's schema, and a chart whose
// render fails, are refused in Helm's words, the field named, and nothing is recorded.
func TestLaunchesRefusedBeforeRecording(t *testing.T) {
	p, client := newRegion(t, nil)
	user, project := personalProject(t, p, client)
	ctx := t.Context()
	failing := chartArchive(t, "failing", map[string]string{
		"Chart.yaml":         "apiVersion: v2\nname: failing\nversion: 0.1.0\n",
		"templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \"{{ .Release.Name }}\"}\ndata: {owner: {{ required \"owner is required\" .Values.owner | quote }}}\n",
		"templates/_h.tpl":   `{{ define "unused" }}{{ end }}`,
		"values.schema.json": `{"type":"object"}`,
	})
	for _, c := range []struct {
		archive []byte
		values  string
		says    string
	}{
		{jupyterArchive(t), `{"service":{"image":{"pullPolicy":"Sometimes"}}}`, "don't meet the specifications of the schema"},
		{failing, `{}`, "owner is required"},
	} {
		name := unique("refused-")
		_, err := p.Install(ctx, sdk.InstallRequest{
			Caller: user, Project: project, ReleaseName: name, Archive: bytes.NewReader(c.archive), Values: []byte(c.values),
			Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "refused", Owner: user.Username},
		})
		var inv *sdk.Error
		if !errors.As(err, &inv) || inv.Kind != sdk.ErrInvalidArgument || !strings.Contains(err.Error(), c.says) || len(inv.Fields) == 0 || inv.Fields[0].Field != "values" {
			t.Errorf("install with %s: %v; want the values refused, saying %q", c.values, err, c.says)
		}
		records, err := client.CoreV1().Secrets(project.ID).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + name})
		if err != nil || len(records.Items) != 0 {
			t.Errorf("records of the refused %s: %v, %v", name, records, err)
		}
	}
}
