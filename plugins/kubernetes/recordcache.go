package kubernetes

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sync"
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
	// digest is the SHA-256 of the record's data: a record whose data did not change is not
	// decoded again.
	digest [sha256.Size]byte
}

func (r *cachedRecord) DeepCopyObject() runtime.Object {
	out := &cachedRecord{TypeMeta: r.TypeMeta, rel: r.rel, err: r.err, digest: r.digest}
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
// takes what it made already as it is. A record whose release the cache holds already (a
// deletion, a change of labels) or the plugin just wrote is not decoded again.
func cacheRecord(obj any, prior func(key string) (*cachedRecord, bool), written writtenRecords, kinds urlKinds) (any, error) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return obj, nil
	}
	have, held := prior(s.Namespace + "/" + s.Name)
	if held && have.ResourceVersion == s.ResourceVersion {
		return have, nil // a relist brings every record again
	}
	out := &cachedRecord{ObjectMeta: metav1.ObjectMeta{
		Name: s.Name, Namespace: s.Namespace, UID: s.UID, ResourceVersion: s.ResourceVersion, Labels: s.Labels,
	}, digest: sha256.Sum256(s.Data["release"])}
	if held && have.UID == s.UID && have.digest == out.digest {
		out.rel, out.err = have.rel, have.err
		return out, nil
	}
	out.rel, out.err = written.read(out.digest, s.Data["release"], kinds)
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
	return decodedStored(rel, config, kinds), nil
}

func decodedStored(rel *storedRelease, config map[string]any, kinds urlKinds) *decodedRelease {
	md := rel.Chart.Metadata
	return &decodedRelease{
		name: rel.Name, version: rel.Version,
		chart: md.Name, chartVersion: md.Version, appVersion: md.AppVersion,
		status: rel.Info.Status, description: rel.Info.Description, notes: rel.Info.Notes,
		firstDeployed: rel.Info.FirstDeployed.Time,
		suspendable:   hasSuspend(config), suspended: suspendOf(config),
		sum: summaries.of(rel.Manifest, kinds),
	}
}

// writtenRecords keeps the releases of the records the plugin wrote lately, by the digest of
// their data, taken before the write: the records' watch events, which may come before the
// write's answer, and the install waiting for its record take the release as written rather
// than decode the record again (the chart's JSON is most of it: 2–3 ms a record). A record
// changed by anyone else has other data, and is decoded.
type writtenRecords struct{ m *lru.Cache }

// writtenRecordsKept bounds the records kept: each event comes within moments of its write.
const writtenRecordsKept = 64

func newWrittenRecords() writtenRecords { return writtenRecords{lru.New(writtenRecordsKept)} }

// writtenRecord is a record's release as written, read as readStored reads it once asked
// (decodedOf, for dry runs, reads a release in memory as it is, without the JSON round trip
// that would make it equal to the record's).
type writtenRecord struct {
	rel    storedRelease
	config map[string]any
	once   sync.Once
	d      *decodedRelease
	err    error
}

// asWritten takes what the record of rls holds, for writtenRecords.put once written. Helm
// changes rls after writing it (its status, its hooks' runs): the parts read are copied now.
func asWritten(rls *release.Release) *writtenRecord {
	if rls.Chart == nil || rls.Chart.Metadata == nil || rls.Info == nil {
		return nil
	}
	info := *rls.Info
	w := &writtenRecord{config: rls.Config}
	w.rel = storedRelease{Name: rls.Name, Info: &info, Manifest: rls.Manifest, Version: rls.Version}
	w.rel.Chart = &struct {
		Metadata *chart.Metadata `json:"metadata"`
	}{rls.Chart.Metadata}
	return w
}

// decoded is what readRecord gives of the record: its info and values go through JSON as
// the record's did (times lose their monotonic reading, numbers become float64).
func (w *writtenRecord) decoded(kinds urlKinds) (*decodedRelease, error) {
	w.once.Do(func() {
		var info release.Info
		var config map[string]any
		raw, err := json.Marshal(w.rel.Info)
		if err == nil {
			err = json.Unmarshal(raw, &info)
		}
		if err == nil && len(w.config) > 0 {
			if raw, err = json.Marshal(w.config); err == nil {
				err = json.Unmarshal(raw, &config)
			}
		}
		if w.err = err; err == nil {
			rel := w.rel
			rel.Info = &info
			w.d = decodedStored(&rel, config, kinds)
		}
	})
	return w.d, w.err
}

// put keeps w as the release of a record about to be written with data.
func (r writtenRecords) put(data []byte, w *writtenRecord) {
	if w != nil {
		r.m.Add(sha256.Sum256(data), w)
	}
}

// read gives the release of a record whose data has digest: as written, if the plugin wrote
// those data, else decoded.
func (r writtenRecords) read(digest [sha256.Size]byte, data []byte, kinds urlKinds) (*decodedRelease, error) {
	if w, ok := r.m.Get(digest); ok {
		return w.(*writtenRecord).decoded(kinds)
	}
	return readRecord(data, kinds)
}

// readSecret gives the release of a record Secret (read).
func (r writtenRecords) readSecret(s *corev1.Secret, kinds urlKinds) (*decodedRelease, error) {
	data := s.Data["release"]
	return r.read(sha256.Sum256(data), data, kinds)
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
