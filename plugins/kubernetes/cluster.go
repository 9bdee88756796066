package kubernetes

import (
	"context"
	"fmt"
	"k8s.io/utils/lru"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	authnv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/basalt-dev/basalt/sdk"
)

// cluster holds what every call shares for the plugin's lifetime: one REST configuration with
// the configured QPS and burst, one clientset, discovery and REST mapping cached in memory, the
// cluster's capabilities computed once (and refreshed now and then, for new CRDs), and one Helm
// configuration per namespace and identity. Helm's command-line tool redoes all of this for
// every operation; that is where its second per install goes.
type cluster struct {
	log    *slog.Logger
	s      *settings
	base   *rest.Config
	client k8s.Interface
	disco  discovery.CachedDiscoveryInterface
	mapper meta.ResettableRESTMapper
	loader clientcmd.ClientConfig

	capsMu  sync.Mutex
	caps    *chartutil.Capabilities
	capsAge time.Time

	// helm holds Helm's configuration of a namespace for an identity (*action.Configuration
	// by helmKey), getters the REST client getter of each identity (*restGetter by
	// identityKey, "" for the plugin's own): the ones in use lately, since a platform has a
	// namespace or more per user. An evicted one is made again when needed; its clients
	// share the base configuration's connections.
	mu      sync.Mutex
	helm    *lru.Cache
	getters *lru.Cache

	spaces          *spaces
	access          accessMemo // impersonated callers' rights to namespaces
	releaseAccounts releaseAccounts
	archives        archiveCache
	// discovery remembers discovery documents for the clients Helm makes.
	discovery readMemo
	// self is who the plugin is in the cluster, to which onboarding gives each project
	// namespace: nothing more than that and namespace creation is needed cluster-wide.
	self *rbacv1.Subject
	// usage reads what pods use, for Fleet.
	usage *podUsage
	// nodes tells the simulated nodes (nil when none are marked).
	nodes *simulatedNodes
	// unreadable holds the namespaces Fleet left out, so that it warns once about each.
	unreadable sync.Map
	// details are the values and manifests of the records last read for a service's page, or
	// read ahead when its project was listed.
	details *pageDetails
	// written are the releases of the records the plugin wrote lately.
	written writtenRecords
}

type helmKey struct{ namespace, identity string }

// helmConfigurationsKept bounds the Helm configurations and REST client getters kept (about
// 30 KB each).
const helmConfigurationsKept = 512

func newCluster(s *settings, log *slog.Logger) (*cluster, error) {
	var (
		cfg    *rest.Config
		loader clientcmd.ClientConfig
		err    error
	)
	if s.InCluster {
		cfg, err = rest.InClusterConfig()
		loader = clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), &clientcmd.ConfigOverrides{})
	} else {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if s.Kubeconfig != "" {
			rules.ExplicitPath = s.Kubeconfig
		}
		loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: s.Context})
		cfg, err = loader.ClientConfig()
	}
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "kubernetes credentials: %v", err)
	}
	cfg.QPS, cfg.Burst = s.QPS, s.Burst
	cfg.UserAgent = "basalt-plugin-kubernetes/" + Version
	client, err := k8s.NewForConfig(withProtobuf(cfg))
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "kubernetes client: %v", err)
	}
	usage, err := newPodUsage(cfg, log)
	if err != nil {
		return nil, err
	}
	nodes, err := newSimulatedNodes(cfg, s.SimulatedNodeAnnotation, log)
	if err != nil {
		return nil, err
	}
	disco := memory.NewMemCacheClient(client.Discovery())
	c := &cluster{
		log: log, s: s, base: cfg, client: client, disco: disco, loader: loader,
		mapper:  restmapper.NewDeferredDiscoveryRESTMapper(disco),
		helm:    lru.New(helmConfigurationsKept),
		getters: lru.New(helmConfigurationsKept),
		usage:   usage,
		nodes:   nodes,
		details: newPageDetails(),
		written: newWrittenRecords(),
	}
	c.spaces = newSpaces(c)
	return c, nil
}

// withProtobuf returns a copy of a configuration whose clients of Kubernetes' own types and
// of discovery speak protobuf: Helm's records and Basalt's chart archives are Secrets of tens
// of kilobytes, which JSON carries as base64 and costs the plugin and the API server several
// times as much to encode and decode, and Helm's lookup reads a discovery document each call.
// The clients of objects as unstructured data (Helm's, the dynamic ones) keep JSON, which
// they ask for themselves.
func withProtobuf(conf *rest.Config) *rest.Config {
	conf = rest.CopyConfig(conf)
	conf.ContentType = "application/vnd.kubernetes.protobuf"
	conf.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	return conf
}

// capabilitiesTTL bounds how long a CRD installed in the cluster stays unseen by charts that
// test .Capabilities.APIVersions.
const capabilitiesTTL = 10 * time.Minute

// capabilities returns the cluster's version and API versions, as Helm renders charts with.
func (c *cluster) capabilities() (*chartutil.Capabilities, error) {
	c.capsMu.Lock()
	defer c.capsMu.Unlock()
	if c.caps != nil && time.Since(c.capsAge) < capabilitiesTTL {
		return c.caps, nil
	}
	if c.caps != nil {
		c.disco.Invalidate()
		c.mapper.Reset()
	}
	version, err := c.disco.ServerVersion()
	if err != nil {
		return nil, unavailable("reading the cluster's version", err)
	}
	versions, err := action.GetVersionSet(c.disco)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, unavailable("discovering the cluster's APIs", err)
	}
	c.caps = &chartutil.Capabilities{
		APIVersions: versions,
		KubeVersion: chartutil.KubeVersion{Version: version.GitVersion, Major: version.Major, Minor: version.Minor},
		HelmVersion: chartutil.DefaultCapabilities.HelmVersion,
	}
	c.capsAge = time.Now()
	return c.caps, nil
}

// identity is who Helm acts as: the plugin itself, or the caller when the region impersonates.
func (c *cluster) identity(caller sdk.Caller) rest.ImpersonationConfig {
	if c.s.Access.AuthenticationMode != ModeImpersonate {
		return rest.ImpersonationConfig{}
	}
	imp := rest.ImpersonationConfig{UserName: c.s.Access.UsernamePrefix + caller.Username}
	for _, g := range caller.Groups {
		imp.Groups = append(imp.Groups, c.s.Access.GroupPrefix+g)
	}
	return imp
}

func identityKey(imp rest.ImpersonationConfig) string {
	if imp.UserName == "" {
		return ""
	}
	return fmt.Sprint(imp.UserName, imp.Groups)
}

// actions returns the Helm configuration of a namespace for a caller, made once; Helm acts as
// the namespace's release identity (releaseidentity.go).
func (c *cluster) actions(ctx context.Context, namespace string, caller sdk.Caller) (*action.Configuration, error) {
	caps, err := c.capabilities()
	if err != nil {
		return nil, err
	}
	if err := c.ensureReleaseAccount(ctx, namespace); err != nil {
		return nil, err
	}
	getter, err := c.getterAs(c.releaseIdentity(namespace, caller))
	if err != nil {
		return nil, err
	}
	key := helmKey{namespace, getter.identity}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.helm.Get(key); ok && v.(*action.Configuration).Capabilities == caps {
		return v.(*action.Configuration), nil
	}
	helmLog := func(format string, args ...any) {
		c.log.Debug(fmt.Sprintf(format, args...), "namespace", namespace)
	}
	cfg := &action.Configuration{
		RESTClientGetter: getter,
		KubeClient:       &kubeClient{Client: &kube.Client{Factory: getter.factory, Namespace: namespace, Log: helmLog}},
		Releases:         c.releaseStore(getter, namespace, nil),
		Capabilities:     caps,
		Log:              helmLog,
	}
	c.helm.Add(key, cfg)
	return cfg, nil
}

// releaseStore is where Helm keeps a namespace's release records: Secrets, through the client
// that tells the namespace's caches what changed (recordedSecrets). With lists, the store
// answers a list of records with the same list made just before, once.
func (c *cluster) releaseStore(getter *restGetter, namespace string, lists *readMemo) *storage.Storage {
	secrets := &recordedSecrets{SecretInterface: getter.client.CoreV1().Secrets(namespace), space: c.spaces.get(namespace), lists: lists}
	d := driver.NewSecrets(secrets)
	d.Log = func(format string, args ...any) {
		c.log.Debug(fmt.Sprintf(format, args...), "namespace", namespace)
	}
	store := storage.Init(&recordStore{Secrets: d, secrets: secrets, charts: &chartMemo{}})
	store.MaxHistory = c.s.HistoryMax
	return store
}

// getter returns the REST client getter that acts as the caller, made once per identity.
func (c *cluster) getter(caller sdk.Caller) (*restGetter, error) {
	return c.getterAs(c.identity(caller))
}

// getterAs returns the REST client getter that acts as imp, made once per identity.
func (c *cluster) getterAs(imp rest.ImpersonationConfig) (*restGetter, error) {
	key := identityKey(imp)
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.getters.Get(key); ok {
		return g.(*restGetter), nil
	}
	conf := withProtobuf(c.base)
	conf.Impersonate = imp
	client, err := k8s.NewForConfig(conf)
	if err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "kubernetes client: %v", err)
	}
	g := &restGetter{identity: key, config: conf, disco: c.disco, mapper: c.mapper, loader: c.loader, client: client, discovery: &c.discovery}
	g.factory = cmdutil.NewFactory(g)
	c.getters.Add(key, g)
	return g, nil
}

// restGetter hands Helm the shared configuration, discovery and REST mapping instead of the
// ones it would build, and forget, for every action.
type restGetter struct {
	identity  string
	discovery *readMemo
	guesses   *readMemo // one install's "not found" answers to Helm's check (kubeClient.Build); nil but in its copy
	lookups   *readMemo // the lookup lists of one install or upgrade; nil but in its copy
	config    *rest.Config
	disco     discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
	loader    clientcmd.ClientConfig
	factory   cmdutil.Factory
	client    k8s.Interface
}

// ToRESTConfig returns a configuration whose clients remember discovery documents, and
// share for a moment the Secret and ConfigMap lists they read (see memoTransport).
func (g *restGetter) ToRESTConfig() (*rest.Config, error) {
	conf := rest.CopyConfig(g.config)
	lists := g.lookups
	if lists == nil {
		lists = &readMemo{}
	}
	conf.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &memoTransport{next: rt, discovery: g.discovery, lists: lists, guesses: g.guesses}
	})
	return conf, nil
}
func (g *restGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.disco, nil
}
func (g *restGetter) ToRESTMapper() (meta.RESTMapper, error)        { return g.mapper, nil }
func (g *restGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig { return g.loader }

// ping checks that the cluster answers, for Configure, and learns who the plugin is there.
func (c *cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.client.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Error(); err != nil {
		return unavailable("the Kubernetes API server does not answer", err)
	}
	review, err := c.client.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		c.log.Warn("the cluster does not say who the plugin is (SelfSubjectReview): onboarding will not grant it project namespaces", "error", err)
		return nil
	}
	name := review.Status.UserInfo.Username
	subject := rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
	if ns, sa, ok := strings.Cut(strings.TrimPrefix(name, "system:serviceaccount:"), ":"); ok && strings.HasPrefix(name, "system:serviceaccount:") {
		subject = rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa}
	}
	c.self = &subject
	return nil
}

var _ genericclioptions.RESTClientGetter = (*restGetter)(nil)
