package kubernetes

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
)

// spaces keeps, per namespace, informer caches of what listing a project reads: the Helm
// release records, Basalt's metadata Secrets and the workloads. A namespace's caches start on
// first use and stop after idling, so a listing costs no API call at all once warm.
type spaces struct {
	c  *cluster
	mu sync.Mutex
	m  map[string]*space

	waiters     recordWaiters
	stopJanitor context.CancelFunc
}

// idleAfter is how long a namespace's caches live without being read.
const idleAfter = 15 * time.Minute

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
	}
}

func (s *spaces) close() {
	s.stopJanitor()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.m {
		sp.halt()
	}
}

// space is one namespace's caches.
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

	decoded sync.Map // secret name → *decodedRelease
}

type informersOf struct {
	stop        context.CancelFunc
	synced      chan struct{}
	err         error
	releases    cache.SharedIndexInformer // Helm's release records (owner=helm)
	metas       cache.SharedIndexInformer // Basalt's (Onyxia's) release metadata
	deployments appslisters.DeploymentLister
	statefuls   appslisters.StatefulSetLister
	daemons     appslisters.DaemonSetLister
	// pods are the namespace's pods by release, slimmed to their nodes, and nodes tells the
	// simulated ones; both nil when no annotation marks simulated nodes.
	pods  cache.SharedIndexInformer
	nodes *simulatedNodes
}

const byRelease = "release"

// dropManagedFields keeps the caches small.
func dropManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.ObjectMetaAccessor); ok {
		m.GetObjectMeta().SetManagedFields(nil)
	}
	return obj, nil
}

// ready starts the namespace's caches if needed, waits until they hold the namespace and this
// process's own writes, and returns them.
func (sp *space) ready(ctx context.Context) (*informersOf, error) {
	sp.lastUsed.Store(time.Now().UnixNano())
	sp.mu.Lock()
	inf := sp.running
	if inf == nil {
		inf = sp.start()
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
	sp.awaitWrites(ctx, inf)
	if inf.nodes != nil {
		inf.nodes.ensure(ctx)
	}
	return inf, nil
}

func (sp *space) start() *informersOf {
	ctx, cancel := context.WithCancel(context.Background())
	inf := &informersOf{stop: cancel, synced: make(chan struct{})}
	client := sp.c.client
	// A namespace the plugin may not read fails at once, not after the minute of retries
	// waiting for the caches would take.
	refusable, refuse := context.WithCancelCause(ctx)
	syncCtx, endSync := context.WithTimeout(refusable, time.Minute)
	onError := func(ctx context.Context, r *cache.Reflector, err error) {
		if refused(err) {
			refuse(err)
		}
		cache.DefaultWatchErrorHandler(ctx, r, err)
	}
	secrets := func(tweak func(*metav1.ListOptions)) cache.SharedIndexInformer {
		lw := cache.NewFilteredListWatchFromClient(client.CoreV1().RESTClient(), "secrets", sp.name, tweak)
		i := cache.NewSharedIndexInformer(lw, &corev1.Secret{}, 0, cache.Indexers{byRelease: func(obj any) ([]string, error) {
			s := obj.(*corev1.Secret)
			if s.Type == metadataType {
				return []string{s.Labels[metadataReleaseLabel]}, nil
			}
			return []string{s.Labels["name"]}, nil
		}})
		_ = i.SetTransform(dropManagedFields)
		_ = i.SetWatchErrorHandlerWithContext(onError)
		return i
	}
	inf.releases = secrets(func(o *metav1.ListOptions) { o.LabelSelector = "owner=helm" })
	inf.metas = secrets(func(o *metav1.ListOptions) { o.FieldSelector = "type=" + metadataType })
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(sp.name), informers.WithTransform(dropManagedFields))
	apps := factory.Apps().V1()
	inf.deployments = apps.Deployments().Lister()
	inf.statefuls = apps.StatefulSets().Lister()
	inf.daemons = apps.DaemonSets().Lister()
	watched := []cache.SharedIndexInformer{apps.Deployments().Informer(), apps.StatefulSets().Informer(), apps.DaemonSets().Informer()}
	if sp.c.nodes != nil {
		inf.nodes = sp.c.nodes
		inf.pods = factory.Core().V1().Pods().Informer()
		_ = inf.pods.SetTransform(slimPod)
		_ = inf.pods.AddIndexers(cache.Indexers{byRelease: func(obj any) ([]string, error) {
			return []string{obj.(*corev1.Pod).Labels[instanceLabel]}, nil
		}})
		watched = append(watched, inf.pods)
	}
	for _, i := range watched {
		_ = i.SetWatchErrorHandlerWithContext(onError)
	}
	go inf.releases.Run(ctx.Done())
	go inf.metas.Run(ctx.Done())
	factory.Start(ctx.Done())
	go func() {
		defer close(inf.synced)
		defer func() {
			if endSync(); inf.err != nil {
				cancel() // they stop retrying; the next read starts them again
			}
		}()
		failed := func(what string) error {
			if cause := context.Cause(syncCtx); refused(cause) {
				return kubeError(what+" of namespace "+sp.name, cause)
			}
			return unavailable(what+" of namespace "+sp.name, syncCtx.Err())
		}
		if !cache.WaitForCacheSync(syncCtx.Done(), inf.releases.HasSynced, inf.metas.HasSynced) {
			inf.err = failed("listing the releases")
			return
		}
		for typ, ok := range factory.WaitForCacheSync(syncCtx.Done()) {
			if !ok {
				inf.err = failed("listing the " + typ.String())
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
		sp.decoded.Clear()
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

// awaitWrites waits, a second at most, until the caches show every write noted.
func (sp *space) awaitWrites(ctx context.Context, inf *informersOf) {
	deadline := time.Now().Add(time.Second)
	for {
		sp.writesMu.Lock()
		for name, rv := range sp.writes {
			if inf.shows(sp.name, name, rv) {
				delete(sp.writes, name)
			}
		}
		pending := len(sp.writes)
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
	have := obj.(*corev1.Secret).ResourceVersion
	h, err1 := strconv.ParseUint(have, 10, 64)
	w, err2 := strconv.ParseUint(rv, 10, 64)
	if err1 != nil || err2 != nil {
		return have == rv
	}
	return h >= w
}
