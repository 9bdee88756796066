package kubernetes

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/basalt-dev/basalt/sdk"
)

// DefaultSimulatedNodeAnnotation marks the nodes where pods turn ready but nothing runs: kwok
// gives its fake nodes this annotation, and manages the nodes that carry it.
const DefaultSimulatedNodeAnnotation = "kwok.x-k8s.io/node=fake"

// allSimulated is the rule of sdk.Release.Simulated: some pod of the release is scheduled,
// and every scheduled one is on a simulated node. nodes are the pods' nodes ("" for a pod not
// scheduled yet); a node simulated does not know counts as a real one.
func allSimulated(nodes []string, simulated func(node string) bool) bool {
	scheduled := false
	for _, n := range nodes {
		if n == "" {
			continue
		}
		if !simulated(n) {
			return false
		}
		scheduled = true
	}
	return scheduled
}

// How long a plugin takes a refusal to list nodes as given, and a failure to list them.
const (
	nodesRecheck = 10 * time.Minute
	nodesRetry   = 10 * time.Second
)

// simulatedNodes tells the cluster's simulated nodes from a cache of the nodes' metadata,
// started on first use. Reading nodes is optional (a cluster-wide right): a plugin that may
// not list them calls no node simulated, says so once, and asks again after nodesRecheck.
type simulatedNodes struct {
	name, value string // the annotation that marks a simulated node
	client      metadata.Interface
	log         *slog.Logger

	mu      sync.Mutex
	running cache.SharedIndexInformer // nil until started, and after a refusal
	stop    context.CancelFunc
	retryAt time.Time // after a refusal or a failure, when to ask again
	said    bool      // whether the log said nodes are refused since they were last read
}

// newSimulatedNodes returns nil when no annotation marks simulated nodes: then no pod or
// node is ever read for it.
func newSimulatedNodes(cfg *rest.Config, annotation string, log *slog.Logger) (*simulatedNodes, error) {
	if annotation == "" {
		return nil, nil
	}
	client, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "kubernetes metadata client: %v", err)
	}
	name, value, _ := strings.Cut(annotation, "=")
	return &simulatedNodes{name: name, value: value, client: client, log: log}, nil
}

var nodesResource = corev1.SchemeGroupVersion.WithResource("nodes")

// ensure starts the cache unless it runs or was refused lately, and waits a few seconds at
// most for its first list, so that a plugin just started does not first call every service
// real.
func (n *simulatedNodes) ensure(ctx context.Context) {
	n.mu.Lock()
	inf := n.running
	if inf == nil && time.Now().After(n.retryAt) {
		inf = n.startLocked(ctx)
	}
	n.mu.Unlock()
	if inf == nil || inf.HasSynced() {
		return
	}
	wait, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cache.WaitForCacheSync(wait.Done(), inf.HasSynced)
}

// startLocked asks once whether nodes may be listed, so that a plugin without the right
// never runs an informer that retries for ever, then starts the cache.
func (n *simulatedNodes) startLocked(ctx context.Context) cache.SharedIndexInformer {
	probe, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err := n.client.Resource(nodesResource).List(probe, metav1.ListOptions{Limit: 1})
	switch {
	case err == nil:
	case refused(err):
		n.retryAt = time.Now().Add(nodesRecheck)
		if !n.said {
			n.said = true
			n.log.Info("the plugin cannot list the cluster's nodes: no service is said to run on simulated nodes (grant list and watch on nodes to tell them)", "error", err)
		}
		return nil
	case ctx.Err() != nil: // the caller left: ask at the next read
		return nil
	default:
		n.retryAt = time.Now().Add(nodesRetry)
		n.log.Debug("listing the cluster's nodes", "error", err)
		return nil
	}
	inf := metadatainformer.NewFilteredMetadataInformer(n.client, nodesResource, "", 0, cache.Indexers{}, nil).Informer()
	// A node's metadata is only its name and the one annotation read here.
	_ = inf.SetTransform(func(obj any) (any, error) {
		m, ok := obj.(*metav1.PartialObjectMetadata)
		if !ok {
			return obj, nil
		}
		slim := &metav1.PartialObjectMetadata{TypeMeta: m.TypeMeta, ObjectMeta: metav1.ObjectMeta{Name: m.Name, ResourceVersion: m.ResourceVersion}}
		if v, ok := m.Annotations[n.name]; ok {
			slim.Annotations = map[string]string{n.name: v}
		}
		return slim, nil
	})
	_ = inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *cache.Reflector, err error) {
		if refused(err) {
			n.halt(inf) // the right was taken away: stop retrying
		}
		cache.DefaultWatchErrorHandler(ctx, r, err)
	})
	run, stop := context.WithCancel(context.Background())
	go inf.Run(run.Done())
	n.running, n.stop, n.said = inf, stop, false
	return inf
}

// halt stops the cache inf if it still runs, after a refusal.
func (n *simulatedNodes) halt(inf cache.SharedIndexInformer) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.running == inf {
		n.stop()
		n.running, n.retryAt = nil, time.Now().Add(nodesRecheck)
	}
}

// simulated says whether a node carries the annotation, as the cache holds it: false for a
// node it does not hold, and for every node while nodes cannot be read.
func (n *simulatedNodes) simulated(node string) bool {
	n.mu.Lock()
	inf := n.running
	n.mu.Unlock()
	if inf == nil {
		return false
	}
	obj, ok, _ := inf.GetStore().GetByKey(node)
	if !ok {
		return false
	}
	v, ok := obj.(*metav1.PartialObjectMetadata).Annotations[n.name]
	return ok && v == n.value
}

func (n *simulatedNodes) close() {
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.running != nil {
		n.stop()
		n.running = nil
	}
}

// slimPod keeps of a pod what telling its release's nodes needs: its name, labels and node.
func slimPod(obj any) (any, error) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return obj, nil // a deletion's tombstone
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.Labels, ResourceVersion: p.ResourceVersion},
		Spec:       corev1.PodSpec{NodeName: p.Spec.NodeName},
	}, nil
}

// simulated says whether the release's pods all run on simulated nodes, from the namespace's
// pod cache (false without one: no annotation configured, or a release being installed).
func (inf *informersOf) simulated(ns, release string) bool {
	if inf == nil || inf.pods == nil {
		return false
	}
	pods, _ := inf.pods.GetIndexer().ByIndex(byRelease, releaseKey(ns, release))
	nodes := make([]string, 0, len(pods))
	for _, p := range pods {
		nodes = append(nodes, p.(*corev1.Pod).Spec.NodeName)
	}
	return allSimulated(nodes, inf.nodes.simulated)
}
