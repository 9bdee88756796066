package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/basalt-dev/basalt/sdk"
)

// A release's revisions are Helm's records, read and changed with Helm's actions as the
// namespace's release identity like every other Helm action (releaseidentity.go).

// helmIn returns the settings, the cluster and the Helm configuration of a namespace for a
// caller.
func (p *Plugin) helmIn(ctx context.Context, ns string, caller sdk.Caller) (*settings, *cluster, *action.Configuration, error) {
	s, c, err := p.configured()
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := c.actions(ctx, ns, caller)
	return s, c, cfg, err
}

// dryRun renders an install or upgrade and checks it against the cluster without recording or
// applying anything: Helm's server-side dry run, so that the chart's lookups read the
// namespace as a real install would.
func (p *Plugin) dryRun(ctx context.Context, cfg *action.Configuration, s *settings, ns string, req sdk.InstallRequest, ch *chart.Chart, values map[string]any, upgrade, valuesChecked bool) (sdk.InstallResponse, error) {
	var (
		rel *release.Release
		err error
	)
	if upgrade {
		up := action.NewUpgrade(cfg)
		up.Namespace, up.MaxHistory = ns, cfg.Releases.MaxHistory
		up.DryRun, up.DryRunOption = true, "server"
		up.DisableOpenAPIValidation = !s.ValidateManifests
		rel, err = up.RunWithContext(ctx, req.ReleaseName, ch, values)
	} else {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace = req.ReleaseName, ns
		in.DryRun, in.DryRunOption = true, "server"
		in.DisableOpenAPIValidation = !s.ValidateManifests
		in.SkipSchemaValidation = valuesChecked
		rel, err = in.RunWithContext(ctx, ch, values)
	}
	if err != nil {
		return sdk.InstallResponse{}, installError(req.ReleaseName, err)
	}
	md := req.Metadata
	if upgrade && md.Lifecycle == nil { // as the upgrade would keep it
		if _, c, err := p.configured(); err == nil {
			if inf, err := c.spaces.get(ns).ready(ctx); err == nil {
				md.Lifecycle = metadataOf(inf.metadataSecret(ns, req.ReleaseName)).Lifecycle
			}
		}
	}
	d := decodedOf(rel, s.urlKinds())
	return sdk.InstallResponse{Release: (*informersOf)(nil).view(ns, d, md), Manifest: maskManifest(rel.Manifest)}, nil
}

// values returns the values and manifest of a release's revision, as GetRelease shows them.
func (p *Plugin) values(ctx context.Context, f *found, req sdk.GetReleaseRequest) (values []byte, manifest string, err error) {
	var d recordDetails
	if req.Revision != 0 && req.Revision != f.d.version {
		_, _, cfg, err := p.helmIn(ctx, f.ns, req.Caller)
		if err != nil {
			return nil, "", err
		}
		get := action.NewGet(cfg)
		get.Version = req.Revision
		rel, err := get.Run(req.Name)
		if err != nil {
			return nil, "", revisionError(req.Name, req.Revision, err)
		}
		if d, err = detailsOf("", rel.Config, rel.Manifest); err != nil {
			return nil, "", err
		}
	} else if d, err = p.releaseDetails(ctx, f); err != nil {
		return nil, "", err
	}
	if req.Unmasked {
		return d.values, d.manifest, nil
	}
	return d.masked, d.manifest, nil
}

// recordDetails are a record's values and manifest at one resource version, which never
// change, as GetRelease gives them: kept so, a page refreshing an unchanged service costs
// neither a read nor the masking. Callers must not modify them.
type recordDetails struct {
	resourceVersion string
	values          []byte // JSON, as installed
	masked          []byte // JSON, secrets masked
	manifest        string // secrets masked
}

func detailsOf(resourceVersion string, config map[string]any, manifest string) (recordDetails, error) {
	if config == nil {
		config = map[string]any{}
	}
	values, err := json.Marshal(config)
	if err != nil {
		return recordDetails{}, err
	}
	masked, err := json.Marshal(sdk.MaskValues(config))
	if err != nil {
		return recordDetails{}, err
	}
	return recordDetails{resourceVersion: resourceVersion, values: values, masked: masked, manifest: maskManifest(manifest)}, nil
}

// releaseDetails reads the values and manifest of the revision the caches hold from its
// record, which the caches do not keep; the last ones read, or read ahead when their project
// was listed (pagewarm.go), are kept by resource version, so that a page refreshing an
// unchanged service reads nothing.
func (p *Plugin) releaseDetails(ctx context.Context, f *found) (recordDetails, error) {
	kept := f.sp.c.details
	if d, ok := kept.get(f.ns, f.rec.Name, f.rec.ResourceVersion); ok {
		return d, nil
	}
	rec, err := f.sp.c.client.CoreV1().Secrets(f.ns).Get(ctx, f.rec.Name, metav1.GetOptions{})
	if isNotFound(err) {
		return recordDetails{}, sdk.Errorf(sdk.ErrNotFound, "no service %q in namespace %q", f.d.name, f.ns)
	}
	if err != nil {
		return recordDetails{}, kubeError("reading release "+f.d.name, err)
	}
	d, err := kept.keepRecord(rec)
	if err != nil {
		return recordDetails{}, kubeError("reading release "+f.d.name, err)
	}
	return d, nil
}

// revisionError says a revision is missing in the contract's words, or else what failed.
func revisionError(name string, revision int, err error) error {
	if errors.Is(err, driver.ErrReleaseNotFound) || isNotFound(err) {
		return sdk.Errorf(sdk.ErrNotFound, "service %q has no revision %d", name, revision)
	}
	return kubeError(fmt.Sprintf("reading revision %d of %s", revision, name), err)
}

var invalidRevision = sdk.FieldViolation{Field: "revision", Rule: "must be 0 or a revision number"}

func (p *Plugin) History(ctx context.Context, req sdk.HistoryRequest) (sdk.HistoryResponse, error) {
	f, err := p.find(ctx, req.ReleaseRef)
	if err != nil {
		return sdk.HistoryResponse{}, err
	}
	_, _, cfg, err := p.helmIn(ctx, f.ns, req.Caller)
	if err != nil {
		return sdk.HistoryResponse{}, err
	}
	records, err := action.NewHistory(cfg).Run(req.Name)
	if err != nil {
		return sdk.HistoryResponse{}, kubeError("reading the history of "+req.Name, err)
	}
	slices.SortFunc(records, func(a, b *release.Release) int { return b.Version - a.Version })
	resp := sdk.HistoryResponse{Revisions: make([]sdk.Revision, 0, len(records))}
	for _, rel := range records {
		rev := sdk.Revision{Revision: rel.Version}
		if rel.Chart != nil && rel.Chart.Metadata != nil {
			rev.Chart, rev.ChartVersion, rev.AppVersion = rel.Chart.Metadata.Name, rel.Chart.Metadata.Version, rel.Chart.Metadata.AppVersion
		}
		if rel.Info != nil {
			rev.Status, rev.Updated, rev.Description = rel.Info.Status.String(), rel.Info.LastDeployed.Time, rel.Info.Description
		}
		resp.Revisions = append(resp.Revisions, rev)
	}
	return resp, nil
}

// Rollback re-applies an earlier revision's manifest as a new revision, with Helm's rollback.
// Basalt's metadata Secret and the release's secret data stay as they are; the chart archive
// the revision was installed from becomes the one pausing re-renders.
func (p *Plugin) Rollback(ctx context.Context, req sdk.RollbackRequest) (sdk.RollbackResponse, error) {
	if req.Revision < 0 {
		return sdk.RollbackResponse{}, sdk.InvalidFields("invalid rollback", invalidRevision)
	}
	f, err := p.find(ctx, req.ReleaseRef)
	if err != nil {
		return sdk.RollbackResponse{}, err
	}
	s, c, cfg, err := p.helmIn(ctx, f.ns, req.Caller)
	if err != nil {
		return sdk.RollbackResponse{}, err
	}
	unlock := p.locks.lock(f.ns, req.Name)
	defer unlock()
	last, err := cfg.Releases.Last(req.Name)
	if err != nil {
		return sdk.RollbackResponse{}, kubeError("reading release "+req.Name, err)
	}
	if last.Info.Status.IsPending() {
		return sdk.RollbackResponse{}, sdk.Errorf(sdk.ErrConflict, "service %q is being changed (%s)", req.Name, last.Info.Status)
	}
	target := req.Revision
	if target == 0 {
		target = last.Version - 1
	}
	if target < 1 {
		return sdk.RollbackResponse{}, sdk.Errorf(sdk.ErrNotFound, "service %q has no earlier revision", req.Name)
	}
	targetRecord, err := c.client.CoreV1().Secrets(f.ns).Get(ctx, helmRecord(req.Name, target), metav1.GetOptions{})
	if err != nil {
		return sdk.RollbackResponse{}, revisionError(req.Name, target, err)
	}
	// The archive is read first: the rollback's new record may prune the target's, and the
	// garbage collector then take the archive only it owned.
	digest, archive, err := c.archiveOf(ctx, f.ns, targetRecord)
	if err != nil {
		return sdk.RollbackResponse{}, err
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = s.timeout
	}
	rb := action.NewRollback(cfg)
	rb.Version, rb.Timeout, rb.MaxHistory = target, timeout, s.HistoryMax
	if err := rb.Run(req.Name); err != nil {
		return sdk.RollbackResponse{}, kubeError(fmt.Sprintf("rolling %s back to revision %d", req.Name, target), err)
	}
	p.log.Info("rolled back", "namespace", f.ns, "release", req.Name, "revision", target, "user", req.Caller.Username)

	// What follows keeps pausing right; the rollback itself is done, so it only warns.
	record, err := c.client.CoreV1().Secrets(f.ns).Get(context.WithoutCancel(ctx), helmRecord(req.Name, last.Version+1), metav1.GetOptions{})
	if err == nil {
		err = c.followArchive(context.WithoutCancel(ctx), f, digest, archive, record)
	}
	if err != nil {
		p.log.Warn("pointing the rolled back release at its chart archive", "namespace", f.ns, "release", req.Name, "error", err)
	}
	if f, err = p.find(ctx, req.ReleaseRef); err != nil {
		return sdk.RollbackResponse{}, err
	}
	return sdk.RollbackResponse{Release: f.inf.view(f.ns, f.d, f.md)}, nil
}

// followArchive makes the chart archive a revision was installed from the release's current
// one after a rollback to it: owned by the new record too (kept again if the garbage collector
// took it meanwhile), and named in the metadata. When no archive is known for it, the metadata
// names none, so that pausing uses Helm's copy of the chart rather than another version's.
func (c *cluster) followArchive(ctx context.Context, f *found, digest string, archive []byte, record *corev1.Secret) error {
	if digest != "" {
		if err := c.keepArchive(ctx, f.ns, digest, archive, record); err != nil {
			return kubeError("handing the chart archive to the new revision", err)
		}
		// A collection decided before the new owner came may still have removed it.
		_, err := c.client.CoreV1().ConfigMaps(f.ns).Get(ctx, archiveName(digest), metav1.GetOptions{})
		if isNotFound(err) {
			err = c.keepArchive(ctx, f.ns, digest, archive, record)
		}
		if err != nil {
			return kubeError("keeping the chart archive", err)
		}
	}
	if !f.has || digest == f.digest {
		return nil
	}
	return c.updateMetadata(ctx, f.sp, f.d.name, func(s *corev1.Secret) error {
		if digest == "" {
			delete(s.Data, digestKey)
		} else {
			s.Data[digestKey] = []byte(digest)
		}
		return nil
	})
}

// archiveOf returns the digest and bytes of the chart archive a revision's record owns: the
// archive that revision was installed, paused or rolled back from, in a ConfigMap or in the
// Secret of an earlier version. "" when none does (a revision an older plugin paused).
func (c *cluster) archiveOf(ctx context.Context, ns string, record *corev1.Secret) (string, []byte, error) {
	ownedBy := func(meta metav1.ObjectMeta) (string, bool) {
		owned := slices.ContainsFunc(meta.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == record.UID })
		digest, ok := strings.CutPrefix(meta.Annotations["basalt.dev/digest"], "sha256:")
		return digest, owned && ok
	}
	configMaps, err := c.client.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: archiveLabel})
	if err != nil {
		return "", nil, kubeError("listing the chart archives", err)
	}
	for _, cm := range configMaps.Items {
		if digest, ok := ownedBy(cm.ObjectMeta); ok {
			return digest, cm.BinaryData[archiveKey], nil
		}
	}
	secrets, err := c.client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("type", archiveType).String(),
	})
	if err != nil {
		return "", nil, kubeError("listing the chart archives", err)
	}
	for _, s := range secrets.Items {
		if digest, ok := ownedBy(s.ObjectMeta); ok {
			return digest, s.Data[archiveKey], nil
		}
	}
	return "", nil, nil
}
