package kubernetes

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/releaseutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/resource"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"k8s.io/utils/ptr"
)

// kubeClient is Helm's client with three changes that leave what Helm checks and writes as it
// was: no reachability probe (a GET /version before every install: the calls that follow fail
// clearly enough when the cluster is away); objects created in as few rounds as their kinds
// allow rather than one round per kind (createRounds); and, for an install, Helm's check for
// objects that exist already answered "not found" at once, a bet the objects' creation
// settles (absenceBet).
type kubeClient struct {
	*kube.Client
	// bet is the install's bet that its objects do not exist yet; nil for other clients.
	// guesses holds the "not found" answers the transport of this client's REST
	// configurations gives Helm's check.
	bet     *absenceBet
	guesses *readMemo
}

func (*kubeClient) IsReachable() error { return nil }

// Create creates the objects round by round, each round's at once: Helm creates them kind by
// kind in its install order, each kind a round trip, although most kinds do not depend on
// each other. An object waits only for the kinds that must exist before it (createRounds).
// As Helm does, a failure does not stop the other creations of its round, and every failure
// is returned. The creation of a manifest an install bet on settles the bet (absenceBet).
func (k *kubeClient) Create(resources kube.ResourceList) (*kube.Result, error) {
	settling := k.bet != nil && k.bet.on(resources)
	var errs []error
	for r, round := range createRounds(resources) {
		found := make([]error, len(round))
		var wg sync.WaitGroup
		for i, ofKind := range round {
			wg.Go(func() { _, found[i] = k.Client.Create(ofKind) })
		}
		wg.Wait()
		errs = append(errs, found...)
		if settling && r == 0 {
			// The pending record was written alongside the first round: refused (a twin
			// launch holds the name) or failed, it loses the bet.
			if err := k.bet.awaitRecord(); err != nil {
				return nil, k.bet.lose(errors.Join(append(errs, err)...))
			}
		}
		if settling && slices.ContainsFunc(found, apierrors.IsAlreadyExists) {
			return nil, k.bet.lose(errors.Join(errs...))
		}
	}
	if settling {
		k.bet.hold()
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

// guessTTL bounds how long a "not found" guess stands for a read of the API server.
const guessTTL = 5 * time.Second

// Build gives, for a client that bets, Helm's check of each object of the manifest (one read at
// a time, to refuse objects that exist already and belong to no release of that name) the
// answer "not found" at once. Manifests of CustomResourceDefinitions are not bet on: Helm waits
// for them to be established, and must see them as they become so.
func (k *kubeClient) Build(r io.Reader, validate bool) (kube.ResourceList, error) {
	resources, err := k.Client.Build(r, validate)
	if err != nil || k.bet == nil || k.bet.placed() {
		return resources, err
	}
	for _, info := range resources {
		if info.Mapping.GroupVersionKind.Kind == "CustomResourceDefinition" {
			return resources, nil
		}
	}
	for _, info := range resources {
		// The request Helm's check makes (resource.Helper.Get).
		path := info.Client.Get().
			NamespaceIfScoped(info.Namespace, info.Mapping.Scope.Name() == meta.RESTScopeNameNamespace).
			Resource(info.Mapping.Resource.Resource).
			Name(info.Name).
			URL().Path
		k.guesses.put(path, notFoundEntry(path))
	}
	k.bet.place(resources)
	return resources, nil
}

// absenceBet is one install's bet that its manifest's objects do not exist yet, as they seldom
// do: Helm's check reads them one at a time before anything is written; here it is answered
// "not found" (Build), and the objects' creation settles the bet, as the API server refuses
// to create an object that exists. The pending record, which Helm writes between its check
// and the creation, is written alongside the creation's first round and kept from the install
// waiting for it until the bet is settled. A lost bet deletes what the creation made and the
// record; a refused record ends the install (the name is taken), else it starts again with
// Helm's own checks (errBetLost), which refuse the objects found or adopt those of the release.
type absenceBet struct {
	guesses *readMemo // the client's answers to Helm's check
	mu      sync.Mutex
	objects kube.ResourceList // the manifest's, once placed
	state   betState
	// record is the pending record once written; tell gives it to the install waiting for
	// it, and takeBack deletes it. written is closed once the record's write, made alongside
	// the first round of creation, is over; writeErr is its failure.
	record   *corev1.Secret
	tell     func(*corev1.Secret)
	takeBack func(*corev1.Secret) error
	written  chan struct{}
	writeErr error
}

type betState int

const (
	betOpen betState = iota
	betHeld
	betLost
)

func (b *absenceBet) place(objects kube.ResourceList) {
	b.mu.Lock()
	b.objects = objects
	b.mu.Unlock()
}

func (b *absenceBet) placed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.objects != nil
}

// on says whether the bet is open and resources are the manifest it was placed on (and not,
// say, a hook's).
func (b *absenceBet) on(resources kube.ResourceList) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == betOpen && len(b.objects) > 0 && len(resources) == len(b.objects) && resources[0] == b.objects[0]
}

// writeRecord writes the pending record alongside the first round of creation, if the bet is
// placed and open, and says whether it does: the creation waits for the write once its first
// round is over (awaitRecord). The record stays the release's lock: a twin launch whose
// record is refused takes back what its first round made.
func (b *absenceBet) writeRecord(write func() (*corev1.Secret, error), tell func(*corev1.Secret), takeBack func(*corev1.Secret) error) bool {
	b.mu.Lock()
	if b.objects == nil || b.state != betOpen {
		b.mu.Unlock()
		return false
	}
	written := make(chan struct{})
	b.tell, b.takeBack, b.written = tell, takeBack, written
	b.mu.Unlock()
	go func() {
		out, err := write()
		b.mu.Lock()
		b.record, b.writeErr = out, err
		b.mu.Unlock()
		close(written)
	}()
	return true
}

// awaitRecord waits for the pending record's write, if one is on its way, and returns its
// failure.
func (b *absenceBet) awaitRecord() error {
	b.mu.Lock()
	written := b.written
	b.mu.Unlock()
	if written == nil {
		return nil
	}
	<-written
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writeErr
}

// hold settles the bet as won, if still open: the install is told of its record.
func (b *absenceBet) hold() {
	_ = b.awaitRecord() // a record not written is not told
	b.mu.Lock()
	if b.state != betOpen {
		b.mu.Unlock()
		return
	}
	b.state = betHeld
	record, tell := b.record, b.tell
	b.mu.Unlock()
	if record != nil {
		tell(record)
	}
}

// lost says whether the bet was lost: the record it wrote is gone.
func (b *absenceBet) lost() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state == betLost
}

// lose settles the bet as lost, if still open: the objects created (those the API server
// gave a UID) are deleted, then the record; failed is the creation's failure. A refused record
// ends the install (the name is another's); else it starts again with Helm's checks
// (errBetLost).
func (b *absenceBet) lose(failed error) error {
	_ = b.awaitRecord() // a record on its way is taken back too
	b.mu.Lock()
	if b.state != betOpen {
		b.mu.Unlock()
		return failed
	}
	b.state = betLost
	objects, record, takeBack, writeErr := b.objects, b.record, b.takeBack, b.writeErr
	b.mu.Unlock()
	errs := make([]error, len(objects)+1)
	var wg sync.WaitGroup
	for i, info := range objects {
		uid := objectUID(info)
		if uid == "" {
			continue
		}
		wg.Go(func() {
			opts := &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
			if _, err := resource.NewHelper(info.Client, info.Mapping).DeleteWithOptions(info.Namespace, info.Name, opts); err != nil && !apierrors.IsNotFound(err) {
				errs[i] = fmt.Errorf("taking back %s %s: %w", info.Mapping.GroupVersionKind.Kind, info.Name, err)
			}
		})
	}
	wg.Wait()
	if record != nil {
		if err := takeBack(record); err != nil {
			errs[len(objects)] = fmt.Errorf("taking back the record: %w", err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("an object of the manifest exists already (%w), and the install could not be taken back: %w", failed, err)
	}
	if writeErr != nil {
		return writeErr
	}
	return fmt.Errorf("%w: %w", errBetLost, failed)
}

// settleByReading settles the bet before anything is written, by reading the objects, all at
// once: one found, or not read, loses it (errBetLost) and Helm's own checks decide.
func (b *absenceBet) settleByReading() error {
	b.mu.Lock()
	objects := b.objects
	if b.state != betOpen || objects == nil {
		b.mu.Unlock()
		return nil
	}
	b.state = betHeld
	b.guesses.clear()
	b.mu.Unlock()
	found := make([]error, len(objects))
	var wg sync.WaitGroup
	for i, info := range objects {
		wg.Go(func() {
			_, err := resource.NewHelper(info.Client, info.Mapping).Get(info.Namespace, info.Name)
			switch {
			case err == nil:
				found[i] = fmt.Errorf("%s %s", info.Mapping.GroupVersionKind.Kind, info.Name)
			case !apierrors.IsNotFound(err):
				found[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(found...); err != nil {
		return fmt.Errorf("%w: %w", errBetLost, err)
	}
	return nil
}

func objectUID(info *resource.Info) types.UID {
	if info.Object == nil {
		return ""
	}
	m, err := meta.Accessor(info.Object)
	if err != nil {
		return ""
	}
	return m.GetUID()
}

// errBetLost tells that an install bet its objects did not exist and lost: what it created
// is taken back and it starts again with Helm's own checks.
var errBetLost = errors.New("an object of the manifest exists already")

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

// bettingOnAbsence returns a copy of a Helm configuration for one install whose client bets
// that the manifest's objects do not exist yet (absenceBet), and whose record store keeps the
// pending record from the install until the bet is settled. Not for upgrades: Helm runs their
// hooks between reading the manifest and the objects, and the hooks may change the objects.
// Nor for charts with pre-install hooks, which run between the record and the creation.
func bettingOnAbsence(cfg *action.Configuration) *action.Configuration {
	getter, ok := cfg.RESTClientGetter.(*restGetter)
	client, ok2 := cfg.KubeClient.(*kubeClient)
	store, ok3 := cfg.Releases.Driver.(*recordStore)
	if !ok || !ok2 || !ok3 {
		return cfg
	}
	guessing := *getter
	guessing.guesses = &readMemo{}
	bet := &absenceBet{guesses: guessing.guesses}
	guessing.factory = cmdutil.NewFactory(&guessing)
	own := *cfg
	own.RESTClientGetter = &guessing
	own.KubeClient = &kubeClient{Client: &kube.Client{Factory: guessing.factory, Namespace: client.Namespace, Log: client.Log}, guesses: guessing.guesses, bet: bet}
	betting := *store
	betting.bet = bet
	releases := *cfg.Releases
	releases.Driver = &betting
	own.Releases = &releases
	return &own
}

var _ kube.Interface = (*kubeClient)(nil)
