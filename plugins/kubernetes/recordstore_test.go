package kubernetes

import (
	"reflect"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	helmtime "helm.sh/helm/v3/pkg/time"
	corev1 "k8s.io/api/core/v1"
)

// A record is Helm's: its labels, type and storage format, read back whole.
func TestRecordSecret(t *testing.T) {
	rel := &release.Release{
		Name: "jupyter", Namespace: "user-alice", Version: 3, Manifest: "kind: Service\n",
		Info:   &release.Info{Status: release.StatusDeployed, Notes: "open it"},
		Chart:  &chart.Chart{Metadata: &chart.Metadata{Name: "jupyter-python", Version: "2.5.2"}, Templates: []*chart.File{{Name: "templates/a.yaml", Data: []byte("a: b")}}},
		Labels: map[string]string{"team": "datalab", "status": "not Helm's"},
	}
	s, err := recordSecret("sh.helm.release.v1.jupyter.v3", rel, "modifiedAt", nil)
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

// The records of one install (pending, then deployed) share the chart's member, kept by the
// chart itself (Helm does not change a chart once rendered, and it is not encoded again); another
// chart has its own, and both read back as their release.
func TestRecordsOfOneChartShareItsMember(t *testing.T) {
	memo := &chartMemo{}
	one := &chart.Chart{Metadata: &chart.Metadata{Name: "one", Version: "1.0.0"}}
	other := &chart.Chart{Metadata: &chart.Metadata{Name: "other", Version: "1.0.0"}}
	first, err := memo.memberOf(one)
	if err != nil {
		t.Fatal(err)
	}
	one.Metadata.Description = "not encoded again"
	again, _ := memo.memberOf(one)
	if &first[0] != &again[0] {
		t.Errorf("the same chart's member was made again")
	}
	one.Metadata.Description = ""
	otherMember, _ := memo.memberOf(other)
	if &otherMember[0] == &first[0] {
		t.Errorf("another chart got the first one's member")
	}
	for _, ch := range []*chart.Chart{one, other, one} {
		rel := &release.Release{Name: "r", Version: 1, Info: &release.Info{Status: release.StatusDeployed}, Chart: ch}
		data, err := encodeRecord(rel, memo)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeRecord(data)
		if err != nil || back.Chart.Metadata.Name != ch.Metadata.Name {
			t.Errorf("record of chart %s read back as %+v, %v", ch.Metadata.Name, back, err)
		}
	}
}

// A record the plugin wrote reads as its decoding would: the release as written, whatever
// Helm changes in it afterwards; a record with other data (changed behind the plugin's back)
// is decoded.
func TestWrittenRecordsReadAsDecoded(t *testing.T) {
	first := helmtime.Now()
	rel := &release.Release{
		Name: "jupyter", Namespace: "user-alice", Version: 1,
		Manifest: "apiVersion: v1\nkind: Service\nmetadata:\n  name: jupyter\nspec:\n  ports:\n  - port: 8888\n",
		Info:     &release.Info{Status: release.StatusPendingInstall, Description: "Initial install underway", FirstDeployed: first, LastDeployed: first},
		Chart:    &chart.Chart{Metadata: &chart.Metadata{Name: "jupyter-python", Version: "2.5.2", AppVersion: "py3.12"}},
		Config:   map[string]any{"global": map[string]any{"suspend": false}, "replicas": 1},
	}
	written := asWritten(rel)
	s, err := recordSecret("sh.helm.release.v1.jupyter.v1", rel, "createdAt", nil)
	if err != nil {
		t.Fatal(err)
	}
	records := newWrittenRecords()
	records.put(s.Data["release"], written)
	rel.SetStatus(release.StatusDeployed, "Install complete") // as Helm does once the objects exist

	var kinds urlKinds
	want, err := readRecord(s.Data["release"], kinds)
	if err != nil {
		t.Fatal(err)
	}
	got, err := records.readSecret(s, kinds)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("as written: %+v\nas decoded: %+v", got, want)
	}
	if got.status != release.StatusPendingInstall || !got.suspendable {
		t.Errorf("as written: status %s, suspendable %v; want pending-install and suspendable", got.status, got.suspendable)
	}

	changed := s.DeepCopy()
	other := *rel
	other.Info = &release.Info{Status: release.StatusFailed, Description: "changed by hand"}
	if changed.Data["release"], err = encodeRecord(&other, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := records.readSecret(changed, kinds); err != nil || got.status != release.StatusFailed {
		t.Errorf("another version of the record: %+v, %v; want it decoded (failed)", got, err)
	}
}

// An install's deployed record, encoded while its objects are created, is the record Helm's
// release makes once deployed; a release changed otherwise (notes, values, hooks) is encoded
// anew.
func TestDeployedRecordEncodedAhead(t *testing.T) {
	pending := func() *release.Release {
		now := helmtime.Now()
		return &release.Release{
			Name: "jupyter", Namespace: "user-alice", Version: 1, Manifest: "kind: Service\n",
			Info:   &release.Info{Status: release.StatusPendingInstall, Description: "Initial install underway", FirstDeployed: now, LastDeployed: now},
			Chart:  &chart.Chart{Metadata: &chart.Metadata{Name: "jupyter-python", Version: "2.5.2"}},
			Config: map[string]any{"replicas": float64(1)},
		}
	}
	const key = "sh.helm.release.v1.jupyter.v1"
	deploy := func(rel *release.Release) { rel.SetStatus(release.StatusDeployed, "Install complete") }
	cases := []struct {
		name   string
		change func(*release.Release)
		ahead  bool
	}{
		{"deployed as Helm deploys", deploy, true},
		{"other notes", func(r *release.Release) { deploy(r); r.Info.Notes = "open it" }, false},
		{"other values", func(r *release.Release) { deploy(r); r.Config = map[string]any{"replicas": float64(1)} }, false},
		{"hooks", func(r *release.Release) { deploy(r); r.Hooks = []*release.Hook{{Name: "test"}} }, false},
		{"failed", func(r *release.Release) { r.SetStatus(release.StatusFailed, "Release failed") }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rel := pending()
			store := &recordStore{charts: &chartMemo{}}
			store.encodeDeployedAhead(key, rel)
			c.change(rel)
			got := store.takeAhead(key, rel)
			if (got != nil) != c.ahead {
				t.Fatalf("encoded ahead: %v, want %v", got != nil, c.ahead)
			}
			if got == nil {
				return
			}
			want, err := recordSecret(key, rel, "modifiedAt", nil)
			if err != nil {
				t.Fatal(err)
			}
			a, errA := decodeRecord(got.Data["release"])
			b, errB := decodeRecord(want.Data["release"])
			if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
				t.Errorf("encoded ahead %+v (%v)\nencoded after %+v (%v)", a, errA, b, errB)
			}
			if got.Labels["status"] != "deployed" || got.Labels["modifiedAt"] == "" {
				t.Errorf("labels %v", got.Labels)
			}
		})
	}
}

// The cache's transform decodes a record only when its data changed: a record at a new
// version with the same data (new labels, a deletion) keeps the release the cache holds, and
// one whose data changed behind the plugin's back is decoded anew.
func TestCachedRecordsDecodeChangedDataOnly(t *testing.T) {
	rel := &release.Release{
		Name: "jupyter", Namespace: "user-alice", Version: 1, Manifest: "kind: Service\n",
		Info:  &release.Info{Status: release.StatusDeployed, Description: "Install complete"},
		Chart: &chart.Chart{Metadata: &chart.Metadata{Name: "jupyter-python", Version: "2.5.2"}},
	}
	s, err := recordSecret("sh.helm.release.v1.jupyter.v1", rel, "createdAt", nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Namespace, s.UID, s.ResourceVersion = "user-alice", "uid-1", "10"
	var kinds urlKinds
	held := map[string]*cachedRecord{}
	prior := func(key string) (*cachedRecord, bool) { r, ok := held[key]; return r, ok }
	transform := func(s *corev1.Secret) *cachedRecord {
		out, err := cacheRecord(s, prior, newWrittenRecords(), kinds)
		if err != nil {
			t.Fatal(err)
		}
		r := out.(*cachedRecord)
		held[s.Namespace+"/"+s.Name] = r
		return r
	}
	first := transform(s)
	if first.rel == nil || first.rel.status != release.StatusDeployed {
		t.Fatalf("first sight: %+v, %v", first.rel, first.err)
	}

	relabelled := s.DeepCopy()
	relabelled.ResourceVersion, relabelled.Labels["team"] = "11", "datalab"
	if got := transform(relabelled); got.rel != first.rel || got.Labels["team"] != "datalab" || got.ResourceVersion != "11" {
		t.Errorf("same data at a new version: release %p (held %p), labels %v, version %s", got.rel, first.rel, got.Labels, got.ResourceVersion)
	}

	changed := relabelled.DeepCopy()
	changed.ResourceVersion = "12"
	other := *rel
	other.Info = &release.Info{Status: release.StatusFailed, Description: "changed by hand"}
	if changed.Data["release"], err = encodeRecord(&other, nil); err != nil {
		t.Fatal(err)
	}
	if got := transform(changed); got.rel == nil || got.rel.status != release.StatusFailed {
		t.Errorf("data changed behind the plugin's back: %+v, %v; want it decoded (failed)", got.rel, got.err)
	}
}
