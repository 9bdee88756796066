package kubernetes

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// recordedSecrets is the Secrets client Helm stores releases with. It tells the namespace's
// caches what changed, so that the next read waits for it, and tells an install in progress
// the moment its release is recorded, which is when Install returns.
type recordedSecrets struct {
	typedcorev1.SecretInterface
	space *space
	// lists, for one install, answers a list of records with the one made just before, once:
	// the plugin reads the release's records under its lock, and Helm reads them again right
	// after. Every write through this client forgets them.
	lists *readMemo
}

// listTwiceWithin bounds how long a list of records may answer the next one.
const listTwiceWithin = 2 * time.Second

// List lists records; Helm begins every action so. A refusal tells that the namespace's
// release identity lost its rights (releaseidentity.go).
func (r *recordedSecrets) List(ctx context.Context, opts metav1.ListOptions) (*corev1.SecretList, error) {
	key := opts.LabelSelector + "\x00" + opts.FieldSelector
	if r.lists != nil {
		if e, ok := r.lists.take(key, listTwiceWithin); ok {
			return e.list.DeepCopy(), nil
		}
	}
	out, err := r.SecretInterface.List(ctx, opts)
	switch {
	case refused(err):
		r.space.c.forgetReleaseAccount(r.space.name)
	case err == nil && r.lists != nil:
		r.lists.put(key, memoEntry{at: time.Now(), list: out.DeepCopy()})
	}
	return out, err
}

func (r *recordedSecrets) Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Secret, error) {
	out, err := r.SecretInterface.Get(ctx, name, opts)
	if refused(err) {
		r.space.c.forgetReleaseAccount(r.space.name)
	}
	return out, err
}

func (r *recordedSecrets) forgetLists() {
	if r.lists != nil {
		r.lists.clear()
	}
}

func (r *recordedSecrets) Create(ctx context.Context, s *corev1.Secret, opts metav1.CreateOptions) (*corev1.Secret, error) {
	r.forgetLists()
	out, err := r.SecretInterface.Create(ctx, s, opts)
	if err == nil {
		r.created(out)
	}
	return out, err
}

// created tells the namespace's caches, and an install waiting for it, of a record written.
func (r *recordedSecrets) created(out *corev1.Secret) {
	r.space.wrote(out.Name, out.ResourceVersion)
	r.space.recorded(out)
}

func (r *recordedSecrets) Update(ctx context.Context, s *corev1.Secret, opts metav1.UpdateOptions) (*corev1.Secret, error) {
	r.forgetLists()
	out, err := r.SecretInterface.Update(ctx, s, opts)
	if err == nil {
		r.space.wrote(out.Name, out.ResourceVersion)
	}
	return out, err
}

func (r *recordedSecrets) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	if r.space.c.s.HistoryMax > 0 {
		r.space.reanchor(ctx, name)
	}
	r.forgetLists()
	err := r.SecretInterface.Delete(ctx, name, opts)
	if err == nil {
		r.space.wrote(name, "")
	}
	return err
}

// helmRecord names Helm's Secret of a release's revision.
func helmRecord(release string, revision int) string {
	return "sh.helm.release.v1." + release + ".v" + strconv.Itoa(revision)
}

// recordWaiters lets one install per release name wait for its record. They are the
// cluster's, not the process's: a plugin instance must not take another's record (of the same
// name, created by a twin launch) for its own.
type recordWaiters struct {
	mu sync.Mutex
	m  map[string]chan *corev1.Secret
}

func waiterKey(namespace, release string, revision int) string {
	return namespace + "/" + helmRecord(release, revision)
}

// expect returns a channel that receives the record of that revision when it is created, and
// a function to stop waiting. Callers hold the release's lock, so there is one at a time.
func (sp *space) expect(release string, revision int) (<-chan *corev1.Secret, func()) {
	key := waiterKey(sp.name, release, revision)
	ch := make(chan *corev1.Secret, 1)
	waiters := &sp.c.spaces.waiters
	waiters.mu.Lock()
	waiters.m[key] = ch
	waiters.mu.Unlock()
	return ch, func() {
		waiters.mu.Lock()
		if waiters.m[key] == ch {
			delete(waiters.m, key)
		}
		waiters.mu.Unlock()
	}
}

func (sp *space) recorded(s *corev1.Secret) {
	if s.Labels["owner"] != "helm" {
		return
	}
	waiters := &sp.c.spaces.waiters
	waiters.mu.Lock()
	ch := waiters.m[sp.name+"/"+s.Name]
	waiters.mu.Unlock()
	if ch != nil {
		select {
		case ch <- s:
		default:
		}
	}
}

// reanchor moves the owner of the metadata Secret and of the secret data Secret from a
// revision record Helm is about to prune to the release's latest record, so that a capped
// history does not take them with it (Onyxia keeps every revision for that reason). When the
// release itself is going, nothing newer is left and they go with the last record.
func (sp *space) reanchor(ctx context.Context, record string) {
	release, _, ok := parseRecordName(record)
	if !ok {
		return
	}
	secrets := sp.c.client.CoreV1().Secrets(sp.name)
	var owned []*corev1.Secret
	for _, name := range []string{metadataName(release), sdk.ReleaseSecretName(release)} {
		s, err := secrets.Get(ctx, name, metav1.GetOptions{})
		if err == nil && len(s.OwnerReferences) > 0 && s.OwnerReferences[0].Name == record {
			owned = append(owned, s)
		}
	}
	if len(owned) == 0 {
		return
	}
	records, err := secrets.List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + release})
	if err != nil {
		return
	}
	var latest *corev1.Secret
	best := 0
	for i := range records.Items {
		s := &records.Items[i]
		if _, v, ok := parseRecordName(s.Name); ok && s.Name != record && v > best {
			latest, best = s, v
		}
	}
	if latest == nil {
		return
	}
	for _, s := range owned {
		s.OwnerReferences = []metav1.OwnerReference{recordOwner(latest)}
		if out, err := secrets.Update(ctx, s, metav1.UpdateOptions{}); err == nil && out.Type == metadataType {
			sp.wrote(out.Name, out.ResourceVersion) // the caches hold the metadata, not the secret data
		}
	}
}

func parseRecordName(name string) (release string, revision int, ok bool) {
	rest, found := strings.CutPrefix(name, "sh.helm.release.v1.")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndex(rest, ".v")
	if i < 0 {
		return "", 0, false
	}
	v, err := strconv.Atoi(rest[i+2:])
	if err != nil {
		return "", 0, false
	}
	return rest[:i], v, true
}

// recordOwner makes a Helm record the controller owner of the metadata Secret, so that the
// garbage collector deletes the metadata with the release, whoever uninstalls it.
func recordOwner(record *corev1.Secret) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: "v1", Kind: "Secret", Name: record.Name, UID: record.UID, Controller: &yes}
}
