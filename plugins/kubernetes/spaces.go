package kubernetes

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	coreinformers "k8s.io/client-go/informers/core/v1"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
)

// spaces keeps informer caches of what listing a project reads: the Helm release records,
// Basalt's metadata Secrets, the workloads and the releases' pods. Where the plugin may list
// and watch them in every namespace, one set of caches holds the whole cluster's (five watches
// in all); where it may not (least privilege: admin in each project's namespace), each
// namespace has caches of its own, five watches each. Caches start on first use and stop
// after idling, so a listing costs no API call at all once warm.
type spaces struct {
	c  *cluster
	mu sync.Mutex
	m  map[string]*space

	wide        wideCaches
	waiters     recordWaiters
	stopJanitor context.CancelFunc
}

// wideCaches are the cluster-wide caches. At ten thousand services, five watches per
// namespace cost the plugin more memory (goroutines, buffers, one HTTP/2 stream each) than
// what they hold.
type wideCaches struct {
	lastUsed atomic.Int64

	mu           sync.Mutex
	running      *informersOf // nil when stopped
	refusedUntil time.Time    // after a refusal, when to ask again
	said         bool         // whether the log said the plugin may not read cluster-wide
}

// idleAfter is how long caches live without being read.
const idleAfter = 15 * time.Minute

// Waiting for caches to hold what they watch: a namespace's are a moment's work; the whole
// cluster's, ten thousand records decoded, take seconds.
const (
	namespaceSyncWithin = time.Minute
	wideSyncWithin      = 5 * time.Minute
)

// wideRecheck is how long a plugin refused cluster-wide reads keeps to per-namespace caches
// before asking again.
const wideRecheck = 10 * time.Minute

func newSpaces(c *cluster) *spaces {
	ctx, cancel := context.WithCancel(context.Background())
	s := &spaces{c: c, m: map[string]*space{}, waiters: recordWaiters{m: map[string]chan *corev1.Secret{}}, stopJanitor: cancel}
	go s.janitor(ctx)
	return s
}

func (s *spaces) get(namespace string) *space {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.m[namespace]
	if sp == nil {
		sp = &space{name: namespace, c: s.c, writes: map[string]string{}}
		s.m[namespace] = sp
	}
	return sp
}

func (s *spaces) janitor(ctx context.Context) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.mu.Lock()
		for _, sp := range s.m {
			if time.Since(time.Unix(0, sp.lastUsed.Load())) > idleAfter {
				sp.halt()
			}
		}
		s.mu.Unlock()
		if time.Since(time.Unix(0, s.wide.lastUsed.Load())) > idleAfter {
			s.wide.halt()
		}
	}
}

func (s *spaces) close() {
	s.stopJanitor()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.m {
		sp.halt()
	}
	s.wide.halt()
}

// clusterWide returns the cluster-wide caches, synced; nil when the plugin may not list every
// namespace (asked again after wideRecheck) or the region has a single namespace.
func (s *spaces) clusterWide(ctx context.Context) (*informersOf, error) {
	if s.c.s.Namespaces.SingleNamespace != "" {
		return nil, nil
	}
	w := &s.wide
	w.lastUsed.Store(time.Now().UnixNano())
	w.mu.Lock()
	inf := w.running
	if inf == nil {
		if time.Now().Before(w.refusedUntil) {
			w.mu.Unlock()
			return nil, nil
		}
		inf = startCaches(s.c, "", wideSyncWithin)
		w.running = inf
	}
	w.mu.Unlock()
	select {
	case <-inf.synced:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if inf.err == nil {
		return inf, nil
	}
	w.mu.Lock()
	if w.running == inf {
		inf.stop()
		w.running = nil
		if inf.refused {
			w.refusedUntil = time.Now().Add(wideRecheck)
			if !w.said {
				w.said = true
				s.c.log.Info("the plugin may not read every namespace: each project's namespace gets caches of its own", "error", inf.err)
			}
		}
	}
	w.mu.Unlock()
	if inf.refused {
		return nil, nil
	}
	return nil, inf.err
}

func (w *wideCaches) halt() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running != nil {
		w.running.stop()
		w.running = nil
	}
}

// space is one namespace: its own caches where the plugin may not read cluster-wide, and the
// writes this process made there.
type space struct {
	name     string
	c        *cluster
	lastUsed atomic.Int64

	mu       sync.Mutex
	running  *informersOf // nil when stopped
	writesMu sync.Mutex
	// writes are the Secrets this process changed that the cache may not show yet: name to
	// the resource version written, "" when deleted. Reads wait for them, so a caller reads
	// its own writes.
	writes map[string]string
}

type informersOf struct {
	stop        context.CancelFunc
	synced      chan struct{}
	err         error
	refused     bool                      // err says the API server will not let the plugin read
	releases    cache.SharedIndexInformer // Helm's release records (owner=helm), as *cachedRecord
	metas       cache.SharedIndexInformer // Basalt's (Onyxia's) release metadata
	deployments appslisters.DeploymentLister
	statefuls   appslisters.StatefulSetLister
	daemons     appslisters.DaemonSetLister
	// pods are the releases' pods (those with an instance label), slimmed to their nodes, and
	// nodes tells the simulated ones; both nil when no annotation marks simulated nodes.
	pods  cache.SharedIndexInformer
	nodes *simulatedNodes
	// events are the cluster's events, slimmed, in the cluster-wide caches alone (nil in a
	// namespace's): a service's events are then read without a list of its namespace's.
	events cache.SharedIndexInformer
}

// byRelease indexes records, metadata and pods by namespace/release.
const byRelease = "release"

func releaseKey(namespace, release string) string { return namespace + "/" + release }

// dropManagedFields keeps the caches small.
func dropManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.ObjectMetaAccessor); ok {
		m.GetObjectMeta().SetManagedFields(nil)
	}
	return obj, nil
}

// ready returns caches that hold the namespace and this process's own writes to it: the
// cluster-wide ones where the plugin may read them, else the namespace's own, started if
// needed.
func (sp *space) ready(ctx context.Context) (*informersOf, error) {
	return sp.readyFor(ctx, nil)
}

// readyOf is ready for reading one release: only that release's writes are waited for (its
// records and its metadata), not those of the namespace's other releases, which the lifecycle
// engine writes every few seconds somewhere and the caches may show late under load.
func (sp *space) readyOf(ctx context.Context, release string) (*informersOf, error) {
	return sp.readyFor(ctx, secretsOf(release))
}

// secretsOf tells the Secrets of a release the plugin writes: its Helm records and its
// metadata (release names are DNS labels, without dots).
func secretsOf(release string) func(name string) bool {
	records, meta := "sh.helm.release.v1."+release+".v", metadataName(release)
	return func(name string) bool { return name == meta || strings.HasPrefix(name, records) }
}

// readyFor returns the caches once they show the writes noted of the Secrets that concern
// says concern the reader (all when nil).
func (sp *space) readyFor(ctx context.Context, concerns func(name string) bool) (*informersOf, error) {
	sp.lastUsed.Store(time.Now().UnixNano())
	inf, err := sp.c.spaces.clusterWide(ctx)
	if err != nil {
		return nil, err
	}
	if inf == nil {
		if inf, err = sp.own(ctx); err != nil {
			return nil, err
		}
	}
	sp.awaitWrites(ctx, inf, concerns)
	if inf.nodes != nil {
		inf.nodes.ensure(ctx)
	}
	return inf, nil
}

// own returns the namespace's own caches, synced.
func (sp *space) own(ctx context.Context) (*informersOf, error) {
	sp.mu.Lock()
	inf := sp.running
	if inf == nil {
		inf = startCaches(sp.c, sp.name, namespaceSyncWithin)
		sp.running = inf
	}
	sp.mu.Unlock()
	select {
	case <-inf.synced:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if inf.err != nil {
		// Dropped, so that the next read tries again rather than repeat this failure until
		// the caches idle.
		sp.mu.Lock()
		if sp.running == inf {
			inf.stop()
			sp.running = nil
		}
		sp.mu.Unlock()
		return nil, inf.err
	}
	return inf, nil
}

// startCaches starts the caches of a namespace, or of every namespace when it is "".
func startCaches(c *cluster, namespace string, syncWithin time.Duration) *informersOf {
	ctx, cancel := context.WithCancel(context.Background())
	inf := &informersOf{stop: cancel, synced: make(chan struct{})}
	client := c.client
	// A namespace the plugin may not read fails at once, not after the minute of retries
	// waiting for the caches would take.
	refusable, refuse := context.WithCancelCause(ctx)
	syncCtx, endSync := context.WithTimeout(refusable, syncWithin)
	onError := func(ctx context.Context, r *cache.Reflector, err error) {
		if refused(err) {
			refuse(err)
		}
		cache.DefaultWatchErrorHandler(ctx, r, err)
	}
	indexers := func(release func(obj any) string) cache.Indexers {
		return cache.Indexers{
			cache.NamespaceIndex: cache.MetaNamespaceIndexFunc,
			byRelease: func(obj any) ([]string, error) {
				m, ok := obj.(metav1.Object)
				if !ok {
					return nil, nil
				}
				return []string{releaseKey(m.GetNamespace(), release(obj))}, nil
			},
		}
	}
	secrets := func(tweak func(*metav1.ListOptions), release func(obj any) string) cache.SharedIndexInformer {
		lw := cache.NewFilteredListWatchFromClient(client.CoreV1().RESTClient(), "secrets", namespace, tweak)
		i := cache.NewSharedIndexInformer(lw, &corev1.Secret{}, 0, indexers(release))
		_ = i.SetWatchErrorHandlerWithContext(onError)
		return i
	}
	inf.releases = secrets(func(o *metav1.ListOptions) { o.LabelSelector = "owner=helm" }, func(obj any) string {
		if r, ok := obj.(*cachedRecord); ok {
			return r.Labels["name"]
		}
		return ""
	})
	kinds := c.s.urlKinds()
	records := inf.releases.GetStore()
	prior := func(key string) (*cachedRecord, bool) {
		have, ok, _ := records.GetByKey(key)
		if !ok {
			return nil, false
		}
		r, ok := have.(*cachedRecord)
		return r, ok
	}
	_ = inf.releases.SetTransform(func(obj any) (any, error) { return cacheRecord(obj, prior, c.written, kinds) })
	inf.metas = secrets(func(o *metav1.ListOptions) { o.FieldSelector = "type=" + metadataType }, func(obj any) string {
		if s, ok := obj.(*corev1.Secret); ok {
			return s.Labels[metadataReleaseLabel]
		}
		return ""
	})
	_ = inf.metas.SetTransform(dropManagedFields)
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(namespace), informers.WithTransform(slimWorkload))
	apps := factory.Apps().V1()
	inf.deployments = apps.Deployments().Lister()
	inf.statefuls = apps.StatefulSets().Lister()
	inf.daemons = apps.DaemonSets().Lister()
	type watch struct {
		what string
		i    cache.SharedIndexInformer
	}
	watched := []watch{{"releases", inf.releases}, {"release metadata", inf.metas}, {"Deployments", apps.Deployments().Informer()},
		{"StatefulSets", apps.StatefulSets().Informer()}, {"DaemonSets", apps.DaemonSets().Informer()}}
	if c.nodes != nil {
		inf.nodes = c.nodes
		inf.pods = coreinformers.NewFilteredPodInformer(client, namespace, 0, indexers(func(obj any) string {
			return obj.(*corev1.Pod).Labels[instanceLabel]
		}), func(o *metav1.ListOptions) { o.LabelSelector = instanceLabel })
		_ = inf.pods.SetTransform(slimPod)
		watched = append(watched, watch{"pods", inf.pods})
	}
	if namespace == "" {
		inf.events = factory.Events().V1().Events().Informer()
		_ = inf.events.SetTransform(slimEvent)
		watched = append(watched, watch{"events", inf.events})
	}
	for _, w := range watched[2:] {
		_ = w.i.SetWatchErrorHandlerWithContext(onError)
	}
	go inf.releases.Run(ctx.Done())
	go inf.metas.Run(ctx.Done())
	if inf.pods != nil {
		go inf.pods.Run(ctx.Done())
	}
	factory.Start(ctx.Done())
	where := "of namespace " + namespace
	if namespace == "" {
		where = "of every namespace"
	}
	go func() {
		defer close(inf.synced)
		defer func() {
			if endSync(); inf.err != nil {
				cancel() // they stop retrying; the next read starts them again
			}
		}()
		failed := func(what string) error {
			if cause := context.Cause(syncCtx); refused(cause) {
				inf.refused = true
				return kubeError(what+" "+where, cause)
			}
			return unavailable(what+" "+where, syncCtx.Err())
		}
		for _, w := range watched {
			if !cache.WaitForCacheSync(syncCtx.Done(), w.i.HasSynced) {
				inf.err = failed("listing the " + w.what)
				return
			}
		}
	}()
	return inf
}

// refused says the API server will not let the plugin read: retrying does not help.
func refused(err error) bool { return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) }

// halt stops the caches; the next read starts them again.
func (sp *space) halt() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.running != nil {
		sp.running.stop()
		sp.running = nil
	}
	sp.writesMu.Lock()
	clear(sp.writes)
	sp.writesMu.Unlock()
}

// wrote notes that this process changed a Secret of the namespace.
func (sp *space) wrote(name, resourceVersion string) {
	sp.writesMu.Lock()
	sp.writes[name] = resourceVersion
	sp.writesMu.Unlock()
}

// awaitWrites waits, a second at most, until the caches show every write noted that concerns
// the reader (all when concerns is nil).
func (sp *space) awaitWrites(ctx context.Context, inf *informersOf, concerns func(name string) bool) {
	deadline := time.Now().Add(time.Second)
	for {
		pending := 0
		sp.writesMu.Lock()
		for name, rv := range sp.writes {
			switch {
			case inf.shows(sp.name, name, rv):
				delete(sp.writes, name)
			case concerns == nil || concerns(name):
				pending++
			}
		}
		sp.writesMu.Unlock()
		if pending == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// shows reports whether the caches hold a Secret at (or past) a resource version, or no
// longer hold it when rv is "".
func (inf *informersOf) shows(namespace, name, rv string) bool {
	key := namespace + "/" + name
	var obj any
	var found bool
	for _, i := range []cache.SharedIndexInformer{inf.releases, inf.metas} {
		if o, ok, _ := i.GetStore().GetByKey(key); ok {
			obj, found = o, true
			break
		}
	}
	if rv == "" {
		return !found
	}
	if !found {
		return false
	}
	have := obj.(metav1.Object).GetResourceVersion()
	h, err1 := strconv.ParseUint(have, 10, 64)
	w, err2 := strconv.ParseUint(rv, 10, 64)
	if err1 != nil || err2 != nil {
		return have == rv
	}
	return h >= w
}
