package kubernetes

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/releaseutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
)

// kubeClient is Helm's client with three changes that leave what Helm checks and writes as it
// was: no reachability probe (a GET /version before every install: the calls that follow fail
// clearly enough when the cluster is away); objects created in as few rounds as their kinds
// allow rather than one round per kind (createRounds); and, for an install, the manifest's
// objects read at once while Helm's check for those that exist already is answered "not
// found", a bet settled before anything but the pending record is written (Build).
type kubeClient struct {
	*kube.Client
	// bet is the install's bet that its objects do not exist yet; nil when the client does
	// not read ahead. ahead holds its guesses, which the transport of this client's REST
	// configurations gives Helm's check.
	bet   *absenceBet
	ahead *readMemo
}

func (*kubeClient) IsReachable() error { return nil }

// Create creates the objects round by round, each round's at once: Helm creates them kind by
// kind in its install order, each kind a round trip, although most kinds do not depend on
// each other. An object waits only for the kinds that must exist before it (createRounds).
// As Helm does, a failure does not stop the other creations, and every failure is returned.
func (k *kubeClient) Create(resources kube.ResourceList) (*kube.Result, error) {
	rounds := createRounds(resources)
	if len(rounds) == 1 && len(rounds[0]) == 1 {
		return k.Client.Create(resources)
	}
	var errs []error
	for _, round := range rounds {
		found := make([]error, len(round))
		var wg sync.WaitGroup
		for i, ofKind := range round {
			wg.Go(func() { _, found[i] = k.Client.Create(ofKind) })
		}
		wg.Wait()
		errs = append(errs, found...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &kube.Result{Created: resources}, nil
}

// podMakers are the kinds whose controllers make pods: they come after everything a pod may
// need (its service account, secrets, configuration, volumes, rights, services, network
// policies).
var podMakers = map[string]bool{
	"DaemonSet": true, "Pod": true, "ReplicationController": true, "ReplicaSet": true,
	"Deployment": true, "StatefulSet": true, "Job": true, "CronJob": true,
}

// admissionShaping are the kinds that change how the API server admits what follows them
// (quotas, limits, namespaces, priorities, new APIs): everything after them in Helm's order
// waits for them.
var admissionShaping = map[string]bool{
	"PriorityClass": true, "Namespace": true, "ResourceQuota": true, "LimitRange": true,
	"PodSecurityPolicy": true, "CustomResourceDefinition": true, "APIService": true,
}

// needs are the other kinds an object refers to at creation: a claim its class and volume, a
// binding its role (the API server checks the bound rights against it), an Ingress its class
// (which the API server defaults from) and services.
var needs = map[string][]string{
	"PersistentVolumeClaim":  {"StorageClass", "PersistentVolume"},
	"RoleBinding":            {"Role", "RoleList", "ClusterRole", "ClusterRoleList"},
	"RoleBindingList":        {"Role", "RoleList", "ClusterRole", "ClusterRoleList"},
	"ClusterRoleBinding":     {"ClusterRole", "ClusterRoleList"},
	"ClusterRoleBindingList": {"ClusterRole", "ClusterRoleList"},
	"Ingress":                {"IngressClass", "Service"},
}

// mustFollow says whether objects of kind later, which comes after earlier in Helm's install
// order, must wait until those of kind earlier are created.
func mustFollow(later, earlier string) bool {
	known := func(kind string) bool { return slices.Contains(releaseutil.InstallOrder, kind) }
	switch {
	case admissionShaping[earlier]:
		return true
	case !known(later) || !known(earlier):
		return true // custom resources and kinds Helm does not know keep Helm's order
	case later == "HorizontalPodAutoscaler" || later == "APIService":
		return true
	case podMakers[later]:
		return !podMakers[earlier] && earlier != "HorizontalPodAutoscaler"
	}
	return slices.Contains(needs[later], earlier)
}

// createRounds splits objects, in Helm's install order, into rounds, each round into lists of
// one kind: an object's round is one after the last round of a kind it must follow.
func createRounds(resources kube.ResourceList) [][]kube.ResourceList {
	var kinds []string
	byKind := map[string]kube.ResourceList{}
	for _, info := range resources {
		kind := info.Object.GetObjectKind().GroupVersionKind().Kind
		if _, seen := byKind[kind]; !seen {
			kinds = append(kinds, kind)
		}
		byKind[kind] = append(byKind[kind], info)
	}
	roundOf := map[string]int{}
	var rounds [][]kube.ResourceList
	for i, kind := range kinds {
		round := 0
		for _, earlier := range kinds[:i] {
			if mustFollow(kind, earlier) {
				round = max(round, roundOf[earlier]+1)
			}
		}
		roundOf[kind] = round
		for len(rounds) <= round {
			rounds = append(rounds, nil)
		}
		rounds[round] = append(rounds[round], byKind[kind])
	}
	return rounds
}

// readAheadTTL bounds how long an answer read ahead may stand for a read of the API server.
const readAheadTTL = 5 * time.Second

// Build reads ahead, for a client that does, the objects of the manifest at once, and bets
// that none of them exists: Helm's install reads them one at a time right after, to refuse
// objects that exist already and belong to no release of that name, and is answered "not
// found" at once while the reads are on their way. The bet is settled before anything is
// written but the release's pending record, which is written meanwhile (recordStore.Create):
// an object found, or not read, undoes the record and the install starts again with Helm's own
// checks (errBetLost). Manifests of CustomResourceDefinitions are not read ahead: Helm waits
// for them to be established, and must see them as they become so.
func (k *kubeClient) Build(r io.Reader, validate bool) (kube.ResourceList, error) {
	resources, err := k.Client.Build(r, validate)
	if err != nil || k.bet == nil {
		return resources, err
	}
	for _, info := range resources {
		if info.Mapping.GroupVersionKind.Kind == "CustomResourceDefinition" {
			return resources, nil
		}
	}
	k.bet.place(resources)
	if !k.bet.settledByRecord {
		// Nothing settles the bet later (a dry run): settle it now, and let Helm's check
		// read for itself the objects found.
		_, found := k.bet.settle()
		for _, o := range found {
			k.ahead.take(o.key, readAheadTTL)
		}
	}
	return resources, nil
}

// absenceBet is one install's bet that its manifest's objects do not exist yet: each is read
// once, and Helm's check is answered "not found" until the reads say otherwise.
type absenceBet struct {
	// settledByRecord: the install's record store settles the bet as it writes the pending
	// record (recordStore.createSettling); else Build settles it before Helm's check.
	settledByRecord bool
	answered        sync.WaitGroup
	mu              sync.Mutex
	found           []*betObject // objects that exist, or could not be read
}

// betObject is one object's read: its guess is placed (ready closed) when the transport has
// the "not found" Helm's check will get, under key, or when the read ended without reaching it.
type betObject struct {
	what  string // kind and name
	key   string
	ready chan struct{}
	once  sync.Once
}

func (o *betObject) placed() { o.once.Do(func() { close(o.ready) }) }

// place reads every object at once, and returns when each has its guess in place.
func (b *absenceBet) place(resources kube.ResourceList) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	objects := make([]*betObject, len(resources))
	for i, info := range resources {
		o := &betObject{what: info.Mapping.GroupVersionKind.Kind + " " + info.Name, ready: make(chan struct{})}
		objects[i] = o
		b.answered.Add(1)
		go func() {
			defer b.answered.Done()
			// The request Helm's check makes (resource.Helper.Get).
			err := info.Client.Get().
				NamespaceIfScoped(info.Namespace, info.Mapping.Scope.Name() == meta.RESTScopeNameNamespace).
				Resource(info.Mapping.Resource.Resource).
				Name(info.Name).
				Do(context.WithValue(ctx, aheadRead{}, o)).
				Error()
			o.placed()
			if !apierrors.IsNotFound(err) {
				b.mu.Lock()
				b.found = append(b.found, o)
				b.mu.Unlock()
			}
		}()
	}
	go func() { b.answered.Wait(); cancel() }()
	for _, o := range objects {
		<-o.ready
	}
}

// settle waits for the reads and says whether the bet holds: no object found (nor any read,
// when the bet was not placed).
func (b *absenceBet) settle() (bool, []*betObject) {
	b.answered.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.found) == 0, b.found
}

func betNames(objects []*betObject) []string {
	out := make([]string, len(objects))
	for i, o := range objects {
		out[i] = o.what
	}
	return out
}

// errBetLost tells that an install bet its objects did not exist and lost: its pending record
// is undone and it starts again with Helm's own checks.
var errBetLost = errors.New("an object of the manifest exists already")

// aheadRead marks the context of a read made ahead; its value is the read's *betObject.
type aheadRead struct{}

// forOneInstall returns a copy of a namespace's Helm configuration for one install or upgrade
// whose record store answers Helm's first list of the release's records with the one the
// plugin made just before, under the release's lock (recordedSecrets.List), and whose
// render's lookup lists may be read ahead (readLookupsAhead).
func (c *cluster) forOneInstall(cfg *action.Configuration, namespace string) *action.Configuration {
	getter, ok := cfg.RESTClientGetter.(*restGetter)
	if !ok {
		return cfg
	}
	own := *cfg
	own.Releases = c.releaseStore(getter, namespace, &readMemo{})
	withLookups := *getter
	withLookups.lookups = &readMemo{}
	own.RESTClientGetter = &withLookups
	return &own
}

// readingAhead returns a copy of a Helm configuration for one dry run of an install whose
// client reads the manifest's objects at once (Build), before Helm's check reads them one at a
// time. Not for upgrades: Helm runs their hooks between reading the manifest and the objects,
// and the hooks may change the objects.
func readingAhead(cfg *action.Configuration) *action.Configuration {
	own, _ := withBet(cfg, false)
	return own
}

// bettingOnAbsence returns a copy of a Helm configuration for one install whose client bets
// that the manifest's objects do not exist yet (Build), and whose record store settles the bet
// while it writes the pending record. Not for upgrades, as readingAhead.
func bettingOnAbsence(cfg *action.Configuration) *action.Configuration {
	own, bet := withBet(cfg, true)
	if bet == nil {
		return own
	}
	store, ok := cfg.Releases.Driver.(*recordStore)
	if !ok {
		return cfg
	}
	betting := *store
	betting.bet = bet
	releases := *cfg.Releases
	releases.Driver = &betting
	own.Releases = &releases
	return own
}

func withBet(cfg *action.Configuration, settledByRecord bool) (*action.Configuration, *absenceBet) {
	getter, ok := cfg.RESTClientGetter.(*restGetter)
	client, ok2 := cfg.KubeClient.(*kubeClient)
	if !ok || !ok2 {
		return cfg, nil
	}
	bet := &absenceBet{settledByRecord: settledByRecord}
	ahead := *getter
	ahead.ahead = &readMemo{}
	ahead.factory = cmdutil.NewFactory(&ahead)
	own := *cfg
	own.RESTClientGetter = &ahead
	own.KubeClient = &kubeClient{Client: &kube.Client{Factory: ahead.factory, Namespace: client.Namespace, Log: client.Log}, ahead: ahead.ahead, bet: bet}
	return &own, bet
}

var _ kube.Interface = (*kubeClient)(nil)
