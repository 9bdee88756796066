package kubernetes

import (
	"context"
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/basalt-dev/basalt/sdk"
)

// A release's secret data (sdk.InstallRequest.SecretData) lives in a Secret of its own,
// written before Helm renders the chart so that the chart's lookup finds it, then owned by the
// release's first Helm record so that the garbage collector removes it with the release.
const envSecretType = "basalt.dev/release-env.v1"

// writeEnvSecret creates or replaces the Secret holding a release's secret data, and says
// whether a record of the release already owns it.
func (c *cluster) writeEnvSecret(ctx context.Context, ns, release string, data map[string]string) (owned bool, err error) {
	want := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: sdk.ReleaseSecretName(release), Namespace: ns,
			Labels: map[string]string{metadataReleaseLabel: release, "app.kubernetes.io/managed-by": "basalt"},
		},
		Type:       envSecretType,
		StringData: data,
	}
	secrets := c.client.CoreV1().Secrets(ns)
	_, err = secrets.Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		var old *corev1.Secret
		if old, err = secrets.Get(ctx, want.Name, metav1.GetOptions{}); err == nil {
			want.ResourceVersion, want.OwnerReferences = old.ResourceVersion, old.OwnerReferences
			_, err = secrets.Update(ctx, want, metav1.UpdateOptions{})
			owned = len(old.OwnerReferences) > 0
		}
	}
	return owned, kubeError("writing the secret data of "+release, err)
}

// ownEnvSecret hands the release's secret data Secret to the release's Helm record.
func (c *cluster) ownEnvSecret(ctx context.Context, ns, release string, record *corev1.Secret) error {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{recordOwner(record)}}})
	_, err := c.client.CoreV1().Secrets(ns).Patch(ctx, sdk.ReleaseSecretName(release), types.MergePatchType, patch, metav1.PatchOptions{})
	return kubeError("handing the secret data of "+release+" to its release", err)
}

// deleteEnvSecret removes the release's secret data Secret, if any.
func (c *cluster) deleteEnvSecret(ctx context.Context, ns, release string) error {
	err := c.client.CoreV1().Secrets(ns).Delete(ctx, sdk.ReleaseSecretName(release), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return kubeError("deleting the secret data of "+release, err)
	}
	return nil
}
