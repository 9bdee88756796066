package kubernetes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/basalt-dev/basalt/sdk"
)

// Pausing and resuming re-render a release, and Helm's records keep a chart without its
// subcharts (Onyxia's charts all use a library chart): the plugin keeps each archive it
// installed, in memory and in a Secret of the namespace owned by the releases that use it, so
// that pausing works after a restart and needs no catalog.
const (
	archiveType   = "basalt.dev/chart-archive.v1"
	archivePrefix = "basalt.chart."
	// maxArchive is what a Secret holds, with room for its metadata.
	maxArchive = 900 << 10
)

func archiveName(digest string) string { return archivePrefix + digest[:32] }

type archiveCache struct {
	mu sync.Mutex
	m  map[string][]byte // digest → archive
}

// read reads an archive whole and names it by digest.
func readArchive(r io.Reader) ([]byte, string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxArchive+1))
	if err != nil {
		return nil, "", err
	}
	if len(data) > maxArchive {
		return nil, "", sdk.InvalidFields("invalid chart", sdk.FieldViolation{Field: "archive", Rule: "larger than 900 KiB"})
	}
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:]), nil
}

func (a *archiveCache) put(digest string, data []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string][]byte{}
	}
	a.m[digest] = data
}

func (a *archiveCache) get(digest string) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.m[digest]
}

// keepArchive stores the archive in the namespace, or adds the release's record to the owners
// of the one already there, so that it goes when no release uses it.
func (c *cluster) keepArchive(ctx context.Context, ns, digest string, data []byte, record *corev1.Secret) error {
	secrets := c.client.CoreV1().Secrets(ns)
	owner := recordOwner(record)
	owner.Controller = nil
	_, err := secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: archiveName(digest), Namespace: ns, Labels: managedBy,
			Annotations:     map[string]string{"basalt.dev/digest": "sha256:" + digest},
			OwnerReferences: []metav1.OwnerReference{owner},
		},
		Type: archiveType,
		Data: map[string][]byte{"chart.tgz": data},
	}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		err = c.ownArchive(ctx, ns, digest, record)
	}
	return err
}

// ownArchive adds a record to the owners of the archive its revision runs from: every revision
// owns its archive, so that a rollback finds it and it goes when no revision is left.
func (c *cluster) ownArchive(ctx context.Context, ns, digest string, record *corev1.Secret) error {
	owner := recordOwner(record)
	owner.Controller = nil
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": []metav1.OwnerReference{owner}}})
	_, err := c.client.CoreV1().Secrets(ns).Patch(ctx, archiveName(digest), types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

// chartOf loads the chart a release was installed from.
func (c *cluster) chartOf(ctx context.Context, ns, digest string) (*chart.Chart, error) {
	data := c.archives.get(digest)
	if data == nil && digest != "" {
		s, err := c.client.CoreV1().Secrets(ns).Get(ctx, archiveName(digest), metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, kubeError("reading the chart archive", err)
		}
		if err == nil {
			data = s.Data["chart.tgz"]
			c.archives.put(digest, data)
		}
	}
	if data == nil {
		return nil, nil
	}
	return loader.LoadArchive(bytes.NewReader(data))
}
