package kubernetes

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"io"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/utils/lru"

	"github.com/basalt-dev/basalt/sdk"
)

// A service's page shows its values and manifest, which the caches do not keep: they are read
// from the release's Helm record (releaseDetails) and kept here, compressed, by resource
// version. A person lists their project's services (the portal's services page polls the
// list) before opening one, so a listing reads ahead, in the background, the records of the
// listed services whose details are not kept: the page's first view then reads nothing from
// an API server that may be busy.

const (
	// recordDetailsKept bounds the records whose details are kept: every service the 200
	// users of bench-scale's load open or list (about 2,000), and the launches.
	recordDetailsKept = 4096

	// warmRecordsAtMost bounds the records one warm reads; a listing a minute later reads
	// the next ones.
	warmRecordsAtMost = 64
	// warmNamesPerList and warmListsAtOnce bound one read (a list of that many releases'
	// records, a megabyte or two) and how many run at once.
	warmNamesPerList = 16
	warmListsAtOnce  = 4
	// warmAgainAfter is how long a namespace whose listed records did not change is not
	// warmed again: the portal polls the list every few seconds.
	warmAgainAfter = time.Minute
	warmTimeout    = 30 * time.Second
)

// pageDetails holds the details of the records last read for a service's page, and the
// warms reading a listed project's ahead.
type pageDetails struct {
	kept *lru.Cache // namespace/record name to *packedDetails

	mu       sync.Mutex
	warms    map[string]*namespaceWarm // by namespace
	pruned   time.Time
	atMost   int // records one warm reads
	listSeed maphash.Seed
}

// namespaceWarm is the last warm of a namespace.
type namespaceWarm struct {
	running bool
	listed  uint64 // digest of the listed records' names and resource versions
	at      time.Time
}

func newPageDetails() *pageDetails {
	return &pageDetails{
		kept:     lru.New(recordDetailsKept),
		warms:    map[string]*namespaceWarm{},
		atMost:   warmRecordsAtMost,
		listSeed: maphash.MakeSeed(),
	}
}

// packedDetails are recordDetails gzipped (BestSpeed): a jupyter-python's masked manifest and
// values take a quarter of their 12.5 KB so, 3.3 KB kept in all, and unpacking them costs
// some 50 µs (TestKeptDetailsAreCompact, BenchmarkKeptDetails).
type packedDetails struct {
	resourceVersion string
	size            int // unpacked
	gz              []byte
}

var (
	detailsWriters = sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		return zw
	}}
	detailsReaders sync.Pool // *gzip.Reader
)

// pack lays out the values, the masked values (each after its length) and the manifest, and
// gzips them.
func pack(d recordDetails) (*packedDetails, error) {
	raw := make([]byte, 0, 2*binary.MaxVarintLen64+len(d.values)+len(d.masked)+len(d.manifest))
	raw = binary.AppendUvarint(raw, uint64(len(d.values)))
	raw = append(raw, d.values...)
	raw = binary.AppendUvarint(raw, uint64(len(d.masked)))
	raw = append(raw, d.masked...)
	raw = append(raw, d.manifest...)
	var buf bytes.Buffer
	zw := detailsWriters.Get().(*gzip.Writer)
	defer detailsWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	// A copy of its own size: the buffer grew by doubling, a third more than it holds.
	return &packedDetails{resourceVersion: d.resourceVersion, size: len(raw), gz: bytes.Clone(buf.Bytes())}, nil
}

var errBadPacking = errors.New("kept record details are malformed")

func (p *packedDetails) unpack() (recordDetails, error) {
	zr, _ := detailsReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(p.gz))
	} else {
		err = zr.Reset(bytes.NewReader(p.gz))
	}
	if err != nil {
		return recordDetails{}, err
	}
	defer detailsReaders.Put(zr)
	raw := make([]byte, p.size)
	if _, err := io.ReadFull(zr, raw); err != nil {
		return recordDetails{}, err
	}
	part := func() ([]byte, bool) {
		n, read := binary.Uvarint(raw)
		if read <= 0 || uint64(len(raw)-read) < n {
			return nil, false
		}
		out := raw[read : read+int(n) : read+int(n)]
		raw = raw[read+int(n):]
		return out, true
	}
	values, ok := part()
	masked, ok2 := part()
	if !ok || !ok2 {
		return recordDetails{}, errBadPacking
	}
	return recordDetails{resourceVersion: p.resourceVersion, values: values, masked: masked, manifest: string(raw)}, nil
}

func detailsKey(ns, record string) string { return ns + "/" + record }

// has says whether a record's details are kept at its resource version, without unpacking
// them.
func (pd *pageDetails) has(ns, record, resourceVersion string) bool {
	v, ok := pd.kept.Get(detailsKey(ns, record))
	return ok && v.(*packedDetails).resourceVersion == resourceVersion
}

// get returns a record's details kept at its resource version.
func (pd *pageDetails) get(ns, record, resourceVersion string) (recordDetails, bool) {
	v, ok := pd.kept.Get(detailsKey(ns, record))
	if !ok || v.(*packedDetails).resourceVersion != resourceVersion {
		return recordDetails{}, false
	}
	d, err := v.(*packedDetails).unpack()
	return d, err == nil
}

// keepRecord decodes a Helm record's details and keeps them.
func (pd *pageDetails) keepRecord(rec *corev1.Secret) (recordDetails, error) {
	rel, config, err := readStored(rec.Data["release"])
	if err != nil {
		return recordDetails{}, err
	}
	d, err := detailsOf(rec.ResourceVersion, config, rel.Manifest)
	if err != nil {
		return recordDetails{}, err
	}
	packed, err := pack(d)
	if err != nil {
		return recordDetails{}, err
	}
	pd.kept.Add(detailsKey(rec.Namespace, rec.Name), packed)
	return d, nil
}

// warmPages starts reading ahead the details of the listed releases' records in the
// background, unless a warm of the namespace is running: the listing does not wait for it.
func (p *Plugin) warmPages(c *cluster, sp *space, inf *informersOf, listed []sdk.Release) {
	if len(listed) == 0 || !c.details.begin(sp.name) {
		return
	}
	names := make([]string, len(listed))
	for i, r := range listed {
		names[i] = r.Name
	}
	p.work.Go(func() {
		defer c.details.end(sp.name)
		ctx, cancel := context.WithTimeout(p.base, warmTimeout)
		defer cancel()
		c.readPagesAhead(ctx, sp.name, inf, names)
	})
}

// begin marks a warm of the namespace as running, unless one is.
func (pd *pageDetails) begin(ns string) bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	w := pd.warms[ns]
	if w == nil {
		w = &namespaceWarm{}
		pd.warms[ns] = w
	}
	if w.running {
		return false
	}
	w.running = true
	return true
}

// end marks the namespace's warm as done, and forgets now and then the namespaces whose last
// warm is too old to matter.
func (pd *pageDetails) end(ns string) {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	pd.warms[ns].running = false
	if time.Since(pd.pruned) < warmAgainAfter {
		return
	}
	pd.pruned = time.Now()
	for name, w := range pd.warms {
		if !w.running && time.Since(w.at) > warmAgainAfter {
			delete(pd.warms, name)
		}
	}
}

// due says whether the namespace's listed records, by digest, are to be warmed, and if so
// notes that they are, now.
func (pd *pageDetails) due(ns string, listed uint64) bool {
	pd.mu.Lock()
	defer pd.mu.Unlock()
	w := pd.warms[ns]
	if w.listed == listed && time.Since(w.at) < warmAgainAfter {
		return false
	}
	w.listed, w.at = listed, time.Now()
	return true
}

// readPagesAhead reads the details of the named releases' latest records that are not kept, a
// bounded number of them.
func (c *cluster) readPagesAhead(ctx context.Context, ns string, inf *informersOf, names []string) {
	var (
		digest  maphash.Hash
		missing []string // release names
		wanted  = map[string]bool{}
	)
	digest.SetSeed(c.details.listSeed)
	c.details.mu.Lock()
	atMost := c.details.atMost
	c.details.mu.Unlock()
	for _, name := range names {
		records, _ := inf.releases.GetIndexer().ByIndex(byRelease, releaseKey(ns, name))
		rec := latestRecords(records)[name]
		if rec == nil || rec.rel == nil {
			continue
		}
		digest.WriteString(rec.Name)
		digest.WriteString(rec.ResourceVersion)
		if len(missing) < atMost && !c.details.has(ns, rec.Name, rec.ResourceVersion) {
			missing = append(missing, name)
			wanted[rec.Name] = true
		}
	}
	if !c.details.due(ns, digest.Sum64()) || len(missing) == 0 {
		return
	}
	// A list of the records of several releases, rather than a GET of each: one request's
	// fixed cost (authentication, authorization, audit, the round trip) for up to
	// warmNamesPerList records, and, at resource version "0", answered from the API server's
	// watch cache without reading etcd, where a GET of the latest version reads etcd each
	// time. The superseded revisions are left out by their status label; a record found at
	// another resource version than the caches' is kept at its own, and read again if the
	// page wants another.
	var (
		lists sync.WaitGroup
		slots = make(chan struct{}, warmListsAtOnce)
	)
	for batch := range slices.Chunk(missing, warmNamesPerList) {
		lists.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if err := c.readAhead(ctx, ns, batch, wanted); err != nil {
				c.log.Debug("reading service pages ahead", "namespace", ns, "error", err)
			}
		})
	}
	lists.Wait()
}

// readAhead lists the records of the named releases and keeps the details of the wanted
// ones.
func (c *cluster) readAhead(ctx context.Context, ns string, names []string, wanted map[string]bool) error {
	owner, err := labels.NewRequirement("owner", selection.Equals, []string{"helm"})
	if err != nil {
		return err
	}
	named, err := labels.NewRequirement("name", selection.In, names)
	if err != nil {
		return err
	}
	current, err := labels.NewRequirement("status", selection.NotEquals, []string{"superseded"})
	if err != nil {
		return err
	}
	list, err := c.client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{
		LabelSelector:   labels.NewSelector().Add(*owner, *named, *current).String(),
		ResourceVersion: "0",
	})
	if err != nil {
		return err
	}
	for i := range list.Items {
		rec := &list.Items[i]
		if !wanted[rec.Name] {
			continue
		}
		if _, err := c.details.keepRecord(rec); err != nil {
			c.log.Debug("reading a service page ahead", "namespace", ns, "record", rec.Name, "error", err)
		}
	}
	return nil
}
