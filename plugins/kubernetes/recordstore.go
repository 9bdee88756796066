package kubernetes

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// recordType is the type of the Secrets Helm keeps a release's revisions in.
const recordType = "helm.sh/release.v1"

// recordStore is Helm's Secrets driver, writing records compressed at gzip's default level
// rather than its best: a launch writes its record twice, and the best level takes twice the
// time for 1 % less (jupyter-python's 90 KB of JSON: 4.4 ms and 18.9 KB against 2.5 ms and
// 19.1 KB). The records are Helm's in every other way (name, type, labels, base64 of gzipped
// JSON), which Helm, its tool and Onyxia read whatever the level. Reads are Helm's.
type recordStore struct {
	*driver.Secrets
	secrets typedcorev1.SecretInterface
}

func (r *recordStore) Create(key string, rls *release.Release) error {
	s, err := recordSecret(key, rls, "createdAt")
	if err != nil {
		return fmt.Errorf("create: failed to encode release %q: %w", rls.Name, err)
	}
	if _, err := r.secrets.Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return driver.ErrReleaseExists
		}
		return fmt.Errorf("create: failed to create: %w", err)
	}
	return nil
}

func (r *recordStore) Update(key string, rls *release.Release) error {
	s, err := recordSecret(key, rls, "modifiedAt")
	if err != nil {
		return fmt.Errorf("update: failed to encode release %q: %w", rls.Name, err)
	}
	if _, err := r.secrets.Update(context.Background(), s, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update: failed to update: %w", err)
	}
	return nil
}

// recordSecret is the Secret Helm stores a release's revision in: the release's own labels,
// the time written under stamp, and Helm's name, owner, status and version labels.
func recordSecret(key string, rls *release.Release, stamp string) (*corev1.Secret, error) {
	data, err := encodeRecord(rls)
	if err != nil {
		return nil, err
	}
	labels := maps.Clone(rls.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[stamp] = strconv.FormatInt(time.Now().Unix(), 10)
	labels["name"] = rls.Name
	labels["owner"] = "helm"
	labels["status"] = rls.Info.Status.String()
	labels["version"] = strconv.Itoa(rls.Version)
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: key, Labels: labels},
		Type:       recordType,
		Data:       map[string][]byte{"release": data},
	}, nil
}

// gzipWriters are reused: a writer's state is some 800 KB, which each record written would
// otherwise allocate and clear (a launch writes its record twice).
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// encodeRecord writes Helm's storage format: base64 of gzipped JSON (decodeRecord reads it).
func encodeRecord(rls *release.Release) ([]byte, error) {
	raw, err := json.Marshal(rls)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(buf.Len()))
	base64.StdEncoding.Encode(out, buf.Bytes())
	return out, nil
}
