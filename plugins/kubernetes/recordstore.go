package kubernetes

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/lru"
)

// recordType is the type of the Secrets Helm keeps a release's revisions in.
const recordType = "helm.sh/release.v1"

// recordStore is Helm's Secrets driver, writing records compressed at gzip's default level
// rather than its best: a launch writes its record twice, and the best level takes twice the
// time for 1 % less (jupyter-python's 90 KB of JSON: 4.4 ms and 18.9 KB against 2.5 ms and
// 19.1 KB). The records are Helm's in every other way (name, type, labels, base64 of gzipped
// JSON), which Helm, its tool and Onyxia read whatever the level. Reads are Helm's.
type recordStore struct {
	*driver.Secrets
	secrets *recordedSecrets
	// charts keeps the chart member of the last record written (encodeRecord).
	charts *chartMemo
	// bet, for one install, is its bet that its objects do not exist yet (absenceBet), which
	// keeps the pending record from the install until settled.
	bet *absenceBet
	// ahead, for one install, is its deployed record encoded while the objects are created.
	ahead *deployedAhead
	// prerendered, for one install, is its chart rendered ahead of Helm, which the records
	// keep in place of the one Helm installs.
	prerendered *prerendered
}

func (r *recordStore) Create(key string, rls *release.Release) error {
	rls = r.prerendered.recorded(rls)
	s, err := recordSecret(key, rls, "createdAt", r.charts)
	if err != nil {
		return fmt.Errorf("create: failed to encode release %q: %w", rls.Name, err)
	}
	r.secrets.space.c.written.put(s.Data["release"], asWritten(rls))
	if r.bet != nil {
		return r.createBetting(s, rls)
	}
	if _, err := r.secrets.Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		return createError(err)
	}
	return nil
}

func createError(err error) error {
	if apierrors.IsAlreadyExists(err) {
		return driver.ErrReleaseExists
	}
	return fmt.Errorf("create: failed to create: %w", err)
}

// createBetting writes the pending record of an install that bets its objects do not exist
// (absenceBet) alongside the first round of their creation, and keeps it from the install
// until the bet is settled. The record is the release's lock: a twin launch's fails to be
// written, and that launch takes back what its first round made. Pre-install hooks run
// between the record and the objects' creation, and must not run for an install taken back:
// the bet is settled first, by reading the objects, and the record written before the hooks.
func (r *recordStore) createBetting(s *corev1.Secret, rls *release.Release) error {
	if slices.ContainsFunc(rls.Hooks, isPreInstall) {
		if err := r.bet.settleByReading(); err != nil {
			return err
		}
	}
	r.secrets.forgetLists()
	write := func() (*corev1.Secret, error) {
		out, err := r.secrets.SecretInterface.Create(context.Background(), s, metav1.CreateOptions{})
		if err != nil {
			return nil, createError(err)
		}
		return out, nil
	}
	if r.bet.writeRecord(write, r.secrets.created, r.takeBack) {
		r.encodeDeployedAhead(s.Name, rls)
		return nil
	}
	out, err := write()
	if err != nil {
		return err
	}
	r.secrets.created(out)
	return nil
}

func isPreInstall(h *release.Hook) bool { return slices.Contains(h.Events, release.HookPreInstall) }

// takeBack deletes the pending record of an install whose bet was lost, unless something
// else replaced it meanwhile.
func (r *recordStore) takeBack(record *corev1.Secret) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := r.secrets.SecretInterface.Delete(ctx, record.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &record.UID}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (r *recordStore) Update(key string, rls *release.Release) error {
	rls = r.prerendered.recorded(rls)
	if r.bet != nil {
		if r.bet.lost() {
			return nil // the record is taken back, and the install starts again
		}
		r.bet.hold() // the objects were not created (no manifest, or Helm stopped first)
	}
	s := r.takeAhead(key, rls)
	if s == nil {
		var err error
		if s, err = recordSecret(key, rls, "modifiedAt", r.charts); err != nil {
			return fmt.Errorf("update: failed to encode release %q: %w", rls.Name, err)
		}
	}
	r.secrets.space.c.written.put(s.Data["release"], asWritten(rls))
	if _, err := r.secrets.Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update: failed to update: %w", err)
	}
	return nil
}

// deployedAhead is an install's deployed record, encoded while its objects are created: once
// they are, Helm records the release again with nothing changed but its status and
// description, unless hooks ran (their last runs are recorded), so the record is ready when
// Helm asks for it (takeAhead).
type deployedAhead struct {
	key      string
	expected release.Release // the release Helm is to record, its info copied
	done     chan struct{}
	secret   *corev1.Secret
	err      error
}

// helmInstalled is the description Helm's install gives a release it deployed.
const helmInstalled = "Install complete"

// encodeDeployedAhead starts encoding the deployed record of rls, just recorded as pending.
func (r *recordStore) encodeDeployedAhead(key string, rls *release.Release) {
	if len(rls.Hooks) > 0 || rls.Info == nil || rls.Info.Resources != nil {
		return
	}
	info := *rls.Info
	info.Status, info.Description = release.StatusDeployed, helmInstalled
	a := &deployedAhead{key: key, expected: *rls, done: make(chan struct{})}
	a.expected.Info = &info
	r.ahead = a
	go func() {
		defer close(a.done)
		a.secret, a.err = recordSecret(key, &a.expected, "modifiedAt", r.charts)
	}()
}

// takeAhead returns the record encoded ahead if rls is the release it expected, else nil.
func (r *recordStore) takeAhead(key string, rls *release.Release) *corev1.Secret {
	a := r.ahead
	r.ahead = nil
	if a == nil || a.key != key || !sameRecord(&a.expected, rls) {
		return nil
	}
	<-a.done
	if a.err != nil {
		return nil
	}
	return a.secret
}

// sameRecord says whether two releases make the same record: the same parts (the chart, the
// values and the hooks by identity, as Helm does not change them once rendered) and the same
// info.
func sameRecord(a, b *release.Release) bool {
	if a.Name != b.Name || a.Namespace != b.Namespace || a.Version != b.Version || a.Manifest != b.Manifest ||
		a.Chart != b.Chart || len(a.Hooks) > 0 || len(b.Hooks) > 0 || !maps.Equal(a.Labels, b.Labels) ||
		reflect.ValueOf(a.Config).UnsafePointer() != reflect.ValueOf(b.Config).UnsafePointer() {
		return false
	}
	ia, ib := a.Info, b.Info
	return ia != nil && ib != nil && ia.Resources == nil && ib.Resources == nil &&
		ia.FirstDeployed == ib.FirstDeployed && ia.LastDeployed == ib.LastDeployed && ia.Deleted == ib.Deleted &&
		ia.Description == ib.Description && ia.Status == ib.Status && ia.Notes == ib.Notes
}

// recordSecret is the Secret Helm stores a release's revision in: the release's own labels,
// the time written under stamp, and Helm's name, owner, status and version labels.
func recordSecret(key string, rls *release.Release, stamp string, charts *chartMemo) (*corev1.Secret, error) {
	data, err := encodeRecord(rls, charts)
	if err != nil {
		return nil, err
	}
	labels := maps.Clone(rls.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[stamp] = strconv.FormatInt(time.Now().Unix(), 10)
	labels["name"] = rls.Name
	labels["owner"] = "helm"
	labels["status"] = rls.Info.Status.String()
	labels["version"] = strconv.Itoa(rls.Version)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: key, Labels: labels},
		Type:       recordType,
		Data:       map[string][]byte{"release": data},
	}, nil
}

// gzipWriters are reused: a writer's state is some 800 KB, which each record written would
// otherwise allocate and clear (a launch writes its record twice).
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// gzipped compresses parts into one gzip member.
func gzipped(parts ...[]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	for _, p := range parts {
		if _, err := zw.Write(p); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// chartMembers keeps, by the digest of a chart's JSON, that JSON compressed as the first gzip
// member of a record: a chart's templates, files, default values and schema are most of a
// record's bytes, and every launch of a chart writes them twice (pending, then deployed).
var chartMembers = newChartMembers(64)

type chartMemberCache struct{ m *lru.Cache }

func newChartMembers(size int) *chartMemberCache { return &chartMemberCache{m: lru.New(size)} }

// member returns the gzip member holding `{"chart":` and the chart's JSON.
func (c *chartMemberCache) member(chartJSON []byte) ([]byte, error) {
	key := sha256.Sum256(chartJSON)
	if kept, ok := c.m.Get(key); ok {
		return kept.([]byte), nil
	}
	out, err := gzipped([]byte(`{"chart":`), chartJSON)
	if err != nil {
		return nil, err
	}
	c.m.Add(key, out)
	return out, nil
}

// chartMemo keeps the chart member of the last record a store wrote, by chart: an install
// writes its record twice (pending, then deployed) with the same chart, which is the most of
// the record's JSON.
type chartMemo struct {
	mu     sync.Mutex
	chart  *chart.Chart
	member []byte
}

func (m *chartMemo) memberOf(ch *chart.Chart) ([]byte, error) {
	if m != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.chart == ch {
			return m.member, nil
		}
	}
	chartJSON, err := json.Marshal(ch)
	if err != nil {
		return nil, err
	}
	member, err := chartMembers.member(chartJSON)
	if err != nil {
		return nil, err
	}
	if m != nil {
		m.chart, m.member = ch, member
	}
	return member, nil
}

// encodeRecord writes Helm's storage format: base64 of gzipped JSON (decodeRecord reads it).
// The gzip stream is two members, which gzip readers (Go's, hence Helm's and its tool's, zlib's,
// Java's) read as one: the chart's JSON, kept compressed by content, then the rest of the
// release. The JSON is the release's with "chart" as its first field.
func encodeRecord(rls *release.Release, charts *chartMemo) ([]byte, error) {
	var compressed []byte
	if rls.Chart == nil {
		raw, err := json.Marshal(rls)
		if err != nil {
			return nil, err
		}
		if compressed, err = gzipped(raw); err != nil {
			return nil, err
		}
	} else {
		head, err := charts.memberOf(rls.Chart)
		if err != nil {
			return nil, err
		}
		rest := *rls
		rest.Chart = nil
		raw, err := json.Marshal(&rest)
		if err != nil {
			return nil, err
		}
		// raw is `{...}` with at least a name: it follows the chart after a comma.
		tail := []byte("}")
		if len(raw) > 2 {
			tail = append([]byte(","), raw[1:]...)
		}
		tailMember, err := gzipped(tail)
		if err != nil {
			return nil, err
		}
		compressed = append(slices.Clip(head), tailMember...)
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(len(compressed)))
	base64.StdEncoding.Encode(out, compressed)
	return out, nil
}
