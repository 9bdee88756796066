package kubernetes_test

import (
	"bytes"
	"maps"
	"slices"
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
