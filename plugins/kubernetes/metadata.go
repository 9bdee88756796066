package kubernetes

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/basalt-dev/basalt/sdk"
)

// Onyxia's release metadata: a Secret beside Helm's records, owned by the first one.
const (
	metadataType         = "onyxia.sh/release.v1"
	metadataPrefix       = "sh.onyxia.release.v1."
	metadataReleaseLabel = "onyxia.sh/release"
)

// groupKey is Basalt's addition to Onyxia's keys: the group whose project the release was
// launched in, absent for a personal project. In a single-namespace region it is what tells
// one project's releases from another's.
const groupKey = "group"

// groupOf returns the group a metadata Secret records, "" for a personal project or none.
func groupOf(s *corev1.Secret) string {
	if s == nil {
		return ""
	}
	return string(s.Data[groupKey])
}

// accessorKey is Basalt's addition to Onyxia's keys: the accessor of the secrets store token
// made for the release, revoked when it is deleted.
const accessorKey = "secretsTokenAccessor"

// lifecyclePrefix is Basalt's addition to Onyxia's keys: the core's lifecycle state of the
// release, one data key per state key (lifecycle.keepUntil), which Onyxia ignores.
const lifecyclePrefix = "lifecycle."

// lifecycleOf returns the lifecycle state a metadata Secret's data holds, nil when none.
func lifecycleOf(data map[string][]byte) map[string]string {
	var state map[string]string
	for k, v := range data {
		if key, ok := strings.CutPrefix(k, lifecyclePrefix); ok {
			if state == nil {
				state = map[string]string{}
			}
			state[key] = string(v)
		}
	}
	return state
}

// setLifecycle replaces the lifecycle state held in a metadata Secret's data.
func setLifecycle(data map[string][]byte, state map[string]string) {
	for k := range data {
		if strings.HasPrefix(k, lifecyclePrefix) {
			delete(data, k)
		}
	}
	for k, v := range state {
		if v != "" {
			data[lifecyclePrefix+k] = []byte(v)
		}
	}
}

func metadataName(release string) string { return metadataPrefix + release }

func metadataData(md sdk.ReleaseMetadata) map[string][]byte {
	share := "false"
	if md.Shared {
		share = "true"
	}
	data := map[string][]byte{
		"catalog": []byte(md.Catalog),
		"owner":   []byte(md.Owner),
		"share":   []byte(share),
	}
	if md.FriendlyName != "" {
		data["friendlyName"] = []byte(md.FriendlyName)
	}
	if md.Chart != "" {
		data["chart"] = []byte(md.Chart) // Basalt's addition; Onyxia reads the chart from Helm
	}
	if md.SecretsTokenAccessor != "" {
		data[accessorKey] = []byte(md.SecretsTokenAccessor)
	}
	if len(md.Grants) > 0 {
		data[grantsKey] = grantsData(md.Grants)
	}
	return data
}

// grantsKey is Basalt's addition to Onyxia's keys: who else may use the release's pages
// through the service gateway, as JSON.
const grantsKey = "grants"

func grantsData(grants []sdk.Grant) []byte {
	b, _ := json.Marshal(grants)
	return b
}

// grantsOf reads the grants a metadata Secret keeps; unreadable ones grant nothing.
func grantsOf(data map[string][]byte) []sdk.Grant {
	var grants []sdk.Grant
	if raw := data[grantsKey]; len(raw) > 0 && json.Unmarshal(raw, &grants) != nil {
		return nil
	}
	return grants
}

func metadataOf(s *corev1.Secret) sdk.ReleaseMetadata {
	if s == nil {
		return sdk.ReleaseMetadata{}
	}
	return sdk.ReleaseMetadata{
		Catalog:      string(s.Data["catalog"]),
		Chart:        string(s.Data["chart"]),
		Owner:        string(s.Data["owner"]),
		FriendlyName: string(s.Data["friendlyName"]),
		Shared:       string(s.Data["share"]) == "true",

		SecretsTokenAccessor: string(s.Data[accessorKey]),
		Lifecycle:            lifecycleOf(s.Data),
		Grants:               grantsOf(s.Data),
	}
}

// digestKey is Basalt's addition to Onyxia's keys: the archive the release was installed from.
const digestKey = "chartDigest"

// writeMetadata creates the release's metadata Secret, owned by its Helm record, or replaces
// its data when it exists, and returns the metadata written. A nil md.Lifecycle keeps the
// lifecycle state the Secret holds: an upgrade does not end what the lifecycle engine knows
// of the release.
func (c *cluster) writeMetadata(ctx context.Context, sp *space, project sdk.Project, release string, owner *corev1.Secret, md sdk.ReleaseMetadata, digest string) (sdk.ReleaseMetadata, error) {
	secrets := c.client.CoreV1().Secrets(sp.name)
	want := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      metadataName(release),
			Namespace: sp.name,
			Labels:    map[string]string{metadataReleaseLabel: release, "app.kubernetes.io/managed-by": "basalt"},
		},
		Type: metadataType,
		Data: metadataData(md),
	}
	if digest != "" {
		want.Data[digestKey] = []byte(digest)
	}
	if !project.Personal() {
		want.Data[groupKey] = []byte(project.Group)
	}
	setLifecycle(want.Data, md.Lifecycle)
	if owner != nil {
		want.OwnerReferences = []metav1.OwnerReference{recordOwner(owner)}
	}
	out, err := secrets.Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		err = c.updateMetadata(ctx, sp, release, func(s *corev1.Secret) error {
			if md.Lifecycle == nil {
				setLifecycle(want.Data, lifecycleOf(s.Data))
			}
			s.Data = want.Data
			if owner != nil && len(s.OwnerReferences) == 0 {
				s.OwnerReferences = want.OwnerReferences
			}
			return nil
		})
		return metadataOf(want), err
	}
	if err != nil {
		return sdk.ReleaseMetadata{}, kubeError("recording the release's metadata", err)
	}
	sp.wrote(out.Name, out.ResourceVersion)
	return metadataOf(out), nil
}

// metadataRetry gives writers of the same metadata Secret at once (the lifecycle engine, the
// owner, a rollback) more tries than client-go's default five, spread by jitter.
var metadataRetry = wait.Backoff{Steps: 10, Duration: 10 * time.Millisecond, Factor: 1.5, Jitter: 1}

// updateMetadata changes the metadata Secret of a release, retrying on conflicts; an error
// from change ends it unchanged.
func (c *cluster) updateMetadata(ctx context.Context, sp *space, release string, change func(*corev1.Secret) error) error {
	secrets := c.client.CoreV1().Secrets(sp.name)
	err := retry.RetryOnConflict(metadataRetry, func() error {
		s, err := secrets.Get(ctx, metadataName(release), metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s.Data == nil {
			s.Data = map[string][]byte{}
		}
		if err := change(s); err != nil {
			return err
		}
		out, err := secrets.Update(ctx, s, metav1.UpdateOptions{})
		if err == nil {
			sp.wrote(out.Name, out.ResourceVersion)
		}
		return err
	})
	return kubeError("updating the release's metadata", err)
}
