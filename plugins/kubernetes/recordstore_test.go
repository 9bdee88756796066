package kubernetes

import (
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
)

// A record is Helm's: its labels, type and storage format, read back whole.
func TestRecordSecret(t *testing.T) {
	rel := &release.Release{
		Name: "jupyter", Namespace: "user-alice", Version: 3, Manifest: "kind: Service\n",
		Info:   &release.Info{Status: release.StatusDeployed, Notes: "open it"},
		Chart:  &chart.Chart{Metadata: &chart.Metadata{Name: "jupyter-python", Version: "2.5.2"}, Templates: []*chart.File{{Name: "templates/a.yaml", Data: []byte("a: b")}}},
		Labels: map[string]string{"team": "datalab", "status": "not Helm's"},
	}
	s, err := recordSecret("sh.helm.release.v1.jupyter.v3", rel, "modifiedAt")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "sh.helm.release.v1.jupyter.v3" || s.Type != "helm.sh/release.v1" {
		t.Errorf("record %s of type %s", s.Name, s.Type)
	}
	for k, want := range map[string]string{"name": "jupyter", "owner": "helm", "status": "deployed", "version": "3", "team": "datalab"} {
		if s.Labels[k] != want {
			t.Errorf("label %s = %q, want %q", k, s.Labels[k], want)
		}
	}
	if s.Labels["modifiedAt"] == "" || s.Labels["createdAt"] != "" {
		t.Errorf("labels %v: want modifiedAt alone stamped", s.Labels)
	}
	if rel.Labels["status"] != "not Helm's" {
		t.Errorf("the release's own labels changed: %v", rel.Labels)
	}
	back, err := decodeRecord(s.Data["release"])
	if err != nil {
		t.Fatal(err)
	}
	if back.Name != rel.Name || back.Version != 3 || back.Manifest != rel.Manifest || back.Info.Notes != "open it" ||
		len(back.Chart.Templates) != 1 || string(back.Chart.Templates[0].Data) != "a: b" {
		t.Errorf("read back %+v", back)
	}
}
