package kubernetes

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/lru"
)

// cachedRecord is what a namespace's cache keeps of a Helm record, in place of the Secret:
// its name, labels and versions, and the release decoded once per resource version. The
// record itself (tens of kilobytes of gzipped JSON with the chart's templates, files, default
// values and schema) is not kept: at ten thousand services it was most of the plugin's memory.
type cachedRecord struct {
	metav1.TypeMeta
	metav1.ObjectMeta
	rel *decodedRelease // nil when the record cannot be read
	err error
}

func (r *cachedRecord) DeepCopyObject() runtime.Object {
	out := &cachedRecord{TypeMeta: r.TypeMeta, rel: r.rel, err: r.err}
	r.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	return out
}

// owner is the record as the owner of the Secrets that go with the release: name and UID.
func (r *cachedRecord) owner() *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: r.Namespace, UID: r.UID}}
}

// decodedRelease is what listing, a service's page and pausing read of a release's revision.
// The values and the manifest, which only a service's page, its credentials and its changes
// read, are not kept: those read the record (releaseDetails).
type decodedRelease struct {
	name                            string
	version                         int
	chart, chartVersion, appVersion string
	status                          release.Status
	description, notes              string
	firstDeployed                   time.Time
	suspendable, suspended          bool
	sum                             manifestSummary
}

// storedRelease is the part of Helm's stored release the plugin reads; the chart's templates,
// files, values and schema are skipped unread.
type storedRelease struct {
	Name  string        `json:"name"`
	Info  *release.Info `json:"info"`
	Chart *struct {
		Metadata *chart.Metadata `json:"metadata"`
	} `json:"chart"`
	Config   json.RawMessage `json:"config"`
	Manifest string          `json:"manifest"`
	Version  int             `json:"version"`
}

// cacheRecord turns a Helm record into what the cache keeps; the informers' transform, so it
// takes what it made already as it is.
func cacheRecord(obj any, kinds urlKinds) (any, error) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return obj, nil
	}
	out := &cachedRecord{ObjectMeta: metav1.ObjectMeta{
		Name: s.Name, Namespace: s.Namespace, UID: s.UID, ResourceVersion: s.ResourceVersion, Labels: s.Labels,
	}}
	out.rel, out.err = readRecord(s.Data["release"], kinds)
	return out, nil
}

// readStored decodes Helm's storage format, base64 of gzipped JSON, into the parts the plugin
// reads, and the release's values.
func readStored(data []byte) (*storedRelease, map[string]any, error) {
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(raw, data)
	if err != nil {
		return nil, nil, err
	}
	var r io.Reader = bytes.NewReader(raw[:n])
	if bytes.HasPrefix(raw, gzipMagic) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		r = zr
	}
	var rel storedRelease
	if err := json.NewDecoder(r).Decode(&rel); err != nil {
		return nil, nil, err
	}
	if rel.Chart == nil || rel.Chart.Metadata == nil || rel.Info == nil {
		return nil, nil, io.ErrUnexpectedEOF
	}
	var config map[string]any
	if len(rel.Config) > 0 {
		if err := json.Unmarshal(rel.Config, &config); err != nil {
			return nil, nil, fmt.Errorf("the release's values: %w", err)
		}
	}
	return &rel, config, nil
}

// readRecord decodes a Helm record into what the caches keep of it.
func readRecord(data []byte, kinds urlKinds) (*decodedRelease, error) {
	rel, config, err := readStored(data)
	if err != nil {
		return nil, err
	}
	md := rel.Chart.Metadata
	return &decodedRelease{
		name: rel.Name, version: rel.Version,
		chart: md.Name, chartVersion: md.Version, appVersion: md.AppVersion,
		status: rel.Info.Status, description: rel.Info.Description, notes: rel.Info.Notes,
		firstDeployed: rel.Info.FirstDeployed.Time,
		suspendable:   hasSuspend(config), suspended: suspendOf(config),
		sum: summaries.of(rel.Manifest, kinds),
	}, nil
}

// summaries keeps the last manifests' summaries by digest: a launch writes its record twice
// (pending, then deployed) and a pause or resume rewrites it, each time with the same
// manifest, which the caches would otherwise parse again. Summaries are shared, never changed.
var summaries = summaryCache{lru.New(256)}

type summaryCache struct{ m *lru.Cache }

type summaryKey struct {
	digest [sha256.Size]byte
	kinds  urlKinds
}

func (c summaryCache) of(manifest string, kinds urlKinds) manifestSummary {
	key := summaryKey{sha256.Sum256([]byte(manifest)), kinds}
	if kept, ok := c.m.Get(key); ok {
		return kept.(manifestSummary)
	}
	sum := summarize(manifest, kinds)
	c.m.Add(key, sum)
	return sum
}

// decodedOf is what the plugin reads of a release Helm made in memory (a dry run's).
func decodedOf(rel *release.Release, kinds urlKinds) *decodedRelease {
	d := &decodedRelease{
		name: rel.Name, version: rel.Version, suspendable: hasSuspend(rel.Config), suspended: suspendOf(rel.Config),
		sum: summarize(rel.Manifest, kinds),
	}
	if md := rel.Chart.Metadata; md != nil {
		d.chart, d.chartVersion, d.appVersion = md.Name, md.Version, md.AppVersion
	}
	if in := rel.Info; in != nil {
		d.status, d.description, d.notes, d.firstDeployed = in.Status, in.Description, in.Notes, in.FirstDeployed.Time
	}
	return d
}
