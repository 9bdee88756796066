package kubernetes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"maps"
	"sync"

	"helm.sh/helm/v3/pkg/chart"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/basalt-dev/basalt/sdk"
)

// Pausing and resuming re-render a release, and Helm's records keep a chart without its
// subcharts (Onyxia's charts all use a library chart): the plugin keeps each archive it
// installed, in memory and in a ConfigMap of the namespace owned by the releases that use it,
// so that pausing works after a restart and needs no catalog. Not in a Secret, as before: the
// library chart lists the namespace's Secrets a dozen times per render (lookup), and each
// archive there made every launch in the namespace decode tens of kilobytes more each time.
// Archives kept in Secrets by earlier versions are still read (archiveType).
const (
	archiveLabel  = "basalt.dev/chart-archive"
	archiveType   = "basalt.dev/chart-archive.v1" // the Secrets of earlier versions
	archivePrefix = "basalt.chart."
	archiveKey    = "chart.tgz"
	// maxArchive is what a ConfigMap holds, with room for its metadata.
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
	owner := recordOwner(record)
	owner.Controller = nil
	labels := maps.Clone(managedBy)
	labels[archiveLabel] = "v1"
	_, err := c.client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name: archiveName(digest), Namespace: ns, Labels: labels,
			Annotations:     map[string]string{"basalt.dev/digest": "sha256:" + digest},
			OwnerReferences: []metav1.OwnerReference{owner},
		},
		BinaryData: map[string][]byte{archiveKey: data},
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
	_, err := c.client.CoreV1().ConfigMaps(ns).Patch(ctx, archiveName(digest), types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		// Kept as a Secret by an earlier version: moved to a ConfigMap when the plugin holds
		// the archive, else owned where it is.
		if data := c.archives.get(digest); data != nil {
			return c.keepArchive(ctx, ns, digest, data, record)
		}
		_, err = c.client.CoreV1().Secrets(ns).Patch(ctx, archiveName(digest), types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	}
	return err
}

// storedArchive reads an archive from the namespace: its ConfigMap, else the Secret an earlier
// version kept it in. nil when neither exists.
func (c *cluster) storedArchive(ctx context.Context, ns, digest string) ([]byte, error) {
	cm, err := c.client.CoreV1().ConfigMaps(ns).Get(ctx, archiveName(digest), metav1.GetOptions{})
	if err == nil {
		return cm.BinaryData[archiveKey], nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	s, err := c.client.CoreV1().Secrets(ns).Get(ctx, archiveName(digest), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.Data[archiveKey], nil
}

// chartOf loads the chart a release was installed from.
func (c *cluster) chartOf(ctx context.Context, ns, digest string) (*chart.Chart, error) {
	data := c.archives.get(digest)
	if data == nil && digest != "" {
		stored, err := c.storedArchive(ctx, ns, digest)
		if err != nil {
			return nil, kubeError("reading the chart archive", err)
		}
		if stored != nil {
			data = stored
			c.archives.put(digest, data)
		}
	}
	if data == nil {
		return nil, nil
	}
	return loadedCharts.load(digest, data)
}
