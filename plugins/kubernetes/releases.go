package kubernetes

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/basalt-dev/basalt/sdk"
)

var gzipMagic = []byte{0x1f, 0x8b, 0x08}

// decodeRecord reads Helm's storage format: base64 of gzipped JSON.
func decodeRecord(data []byte) (*release.Release, error) {
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
	n, err := base64.StdEncoding.Decode(raw, data)
	if err != nil {
		return nil, err
	}
	raw = raw[:n]
	if bytes.HasPrefix(raw, gzipMagic) {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	var rel release.Release
	if err := json.Unmarshal(raw, &rel); err != nil {
		return nil, err
	}
	if rel.Chart == nil || rel.Chart.Metadata == nil || rel.Info == nil {
		return nil, io.ErrUnexpectedEOF
	}
	return &rel, nil
}

func revisionOf(s *cachedRecord) int {
	v, _ := strconv.Atoi(s.Labels["version"])
	return v
}

// latestRecords keeps the newest record of each release.
func latestRecords(objs []any) map[string]*cachedRecord {
	latest := map[string]*cachedRecord{}
	for _, o := range objs {
		s := o.(*cachedRecord)
		name := s.Labels["name"]
		if have := latest[name]; have == nil || revisionOf(s) > revisionOf(have) {
			latest[name] = s
		}
	}
	return latest
}

func (s *settings) urlKinds() urlKinds {
	return urlKinds{ingress: s.Expose.Ingress, route: s.Expose.Route, istio: s.Expose.Istio.Enabled, gatewayAPI: s.Expose.GatewayAPI}
}

// visible says whether the caller sees a release of the project, given its metadata Secret
// (nil when it has none). With a namespace per project, Onyxia's sharing rule: in a group
// project, a member sees the services they own and the shared ones, and a release with no
// owner recorded (installed by hand) is everyone's. A single namespace holds every project's
// releases, so there the metadata alone says whose a release is: its owner's, in the project
// of the group it records (none: the owner's personal project), and that group's when
// shared; a release without an owner is no one's.
func (s *settings) visible(caller sdk.Caller, project sdk.Project, meta *corev1.Secret) bool {
	md := metadataOf(meta)
	if s.Namespaces.SingleNamespace == "" {
		return project.Personal() || md.Shared || md.Owner == "" || md.Owner == caller.Username
	}
	if md.Owner == "" || groupOf(meta) != project.Group {
		return false
	}
	return md.Owner == caller.Username || (!project.Personal() && md.Shared)
}

// mayReplace refuses an upgrade of a release the caller does not see, as if its name were
// merely taken: in a single namespace, another user's; in a group, another member's unshared.
func (c *cluster) mayReplace(ctx context.Context, ns string, req sdk.InstallRequest) error {
	meta, err := c.client.CoreV1().Secrets(ns).Get(ctx, metadataName(req.ReleaseName), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		meta = nil
	case err != nil:
		return kubeError("reading the metadata of "+req.ReleaseName, err)
	}
	if !c.s.visible(req.Caller, req.Project, meta) {
		return sdk.Errorf(sdk.ErrAlreadyExists, "release %q already exists in project %q", req.ReleaseName, req.Project.ID)
	}
	return nil
}

// view is a release as the contract describes it, health from the workload caches (none
// ready when inf is nil).
func (inf *informersOf) view(ns string, d *decodedRelease, md sdk.ReleaseMetadata) sdk.Release {
	out := sdk.Release{
		Name:         d.name,
		Namespace:    ns,
		Chart:        d.chart,
		ChartVersion: d.chartVersion,
		AppVersion:   d.appVersion,
		Revision:     d.version,
		Metadata:     md,
		URLs:         slices.Clone(d.sum.urls),
		Notes:        d.notes,
		Started:      d.firstDeployed,
		Suspendable:  d.suspendable,
		Suspended:    d.suspended,
	}
	switch st := d.status; {
	case st == release.StatusDeployed && out.Suspended:
		out.Status = sdk.StatusSuspended
	case st == release.StatusDeployed:
		out.Status = sdk.StatusDeployed
	case st == release.StatusFailed:
		out.Status, out.Reason = sdk.StatusFailed, d.description
	case st.IsPending(), st == release.StatusUninstalling:
		out.Status = sdk.StatusPending
	default:
		out.Status = sdk.StatusUnknown
	}
	for _, w := range d.sum.workloads {
		out.Workloads = append(out.Workloads, inf.health(ns, w))
	}
	out.Simulated = inf.simulated(ns, d.name)
	return out
}

// health reads a workload's desired and ready replicas, as Onyxia does: ready ≥ desired.
func (inf *informersOf) health(ns string, w workloadRef) sdk.WorkloadHealth {
	h := sdk.WorkloadHealth{Kind: w.kind, Name: w.name, Desired: w.replicas}
	if inf == nil {
		return h
	}
	// A controller that has not yet seen a workload's spec (just resumed or changed) still
	// counts the pods of the one before: none of them is ready for the new one yet.
	seen := func(generation, observed int64) bool { return observed >= generation }
	switch w.kind {
	case "Deployment":
		if d, err := inf.deployments.Deployments(ns).Get(w.name); err == nil {
			h.Desired = int(ptrOr(d.Spec.Replicas, 1))
			if seen(d.Generation, d.Status.ObservedGeneration) {
				h.Ready = int(d.Status.ReadyReplicas)
			}
		}
	case "StatefulSet":
		if s, err := inf.statefuls.StatefulSets(ns).Get(w.name); err == nil {
			h.Desired = int(ptrOr(s.Spec.Replicas, 1))
			if seen(s.Generation, s.Status.ObservedGeneration) {
				h.Ready = int(s.Status.ReadyReplicas)
			}
		}
	case "DaemonSet":
		if d, err := inf.daemons.DaemonSets(ns).Get(w.name); err == nil {
			h.Desired = int(d.Status.DesiredNumberScheduled)
			if seen(d.Generation, d.Status.ObservedGeneration) {
				h.Ready = int(d.Status.NumberReady)
			}
		}
	}
	return h
}

func ptrOr[T any](p *T, v T) T {
	if p == nil {
		return v
	}
	return *p
}

// hasSuspend reports whether the user values hold global.suspend: Onyxia's test of whether a
// service can be paused.
func hasSuspend(values map[string]any) bool {
	global, _ := values["global"].(map[string]any)
	_, ok := global["suspend"]
	return ok
}

func suspendOf(values map[string]any) bool {
	global, _ := values["global"].(map[string]any)
	suspend, _ := global["suspend"].(bool)
	return suspend
}

// metadataSecret returns a release's metadata Secret from the cache, nil when it has none.
func (inf *informersOf) metadataSecret(ns, name string) *corev1.Secret {
	o, ok, _ := inf.metas.GetStore().GetByKey(ns + "/" + metadataName(name))
	if !ok {
		return nil
	}
	return o.(*corev1.Secret)
}

func (p *Plugin) ListReleases(ctx context.Context, req sdk.ListReleasesRequest) (sdk.ListReleasesResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.ListReleasesResponse{}, err
	}
	ns, err := s.namespaceOf(req.Caller, req.Project)
	if err != nil {
		return sdk.ListReleasesResponse{}, err
	}
	if err := c.mayRead(ctx, req.Caller, ns); err != nil {
		return sdk.ListReleasesResponse{}, err
	}
	sp := c.spaces.get(ns)
	inf, err := sp.ready(ctx)
	if err != nil {
		return sdk.ListReleasesResponse{}, err
	}
	var resp sdk.ListReleasesResponse
	for _, r := range p.current(sp, inf) {
		if s.visible(req.Caller, req.Project, r.meta) {
			resp.Releases = append(resp.Releases, inf.view(sp.name, r.d, metadataOf(r.meta)))
		}
	}
	if resp.Releases == nil {
		resp.Releases = []sdk.Release{}
	}
	p.warmPages(c, sp, inf, resp.Releases)
	return resp, nil
}

// installed is a release of a namespace as its caches hold it.
type installed struct {
	d    *decodedRelease
	meta *corev1.Secret // Basalt's metadata; nil for a release installed without Basalt
}

// current returns the releases of a namespace that are installed, by name; superseded and
// uninstalled records are history.
func (p *Plugin) current(sp *space, inf *informersOf) []installed {
	records, _ := inf.releases.GetIndexer().ByIndex(cache.NamespaceIndex, sp.name)
	latest := latestRecords(records)
	out := make([]installed, 0, len(latest))
	for _, rec := range latest {
		d := rec.rel
		if d == nil {
			p.log.Warn("unreadable helm record", "namespace", sp.name, "secret", rec.Name, "error", rec.err)
			continue
		}
		if d.status == release.StatusUninstalled || d.status == release.StatusSuperseded {
			continue
		}
		out = append(out, installed{d: d, meta: inf.metadataSecret(sp.name, d.name)})
	}
	slices.SortFunc(out, func(a, b installed) int { return strings.Compare(a.d.name, b.d.name) })
	return out
}

// found is one release, read from the namespace's caches.
type found struct {
	ns     string
	sp     *space
	inf    *informersOf
	rec    *cachedRecord
	d      *decodedRelease
	md     sdk.ReleaseMetadata
	has    bool   // the metadata Secret exists
	digest string // of the chart archive installed
}

// find returns the release a reference names, or ErrNotFound, also when the caller may not see
// it.
func (p *Plugin) find(ctx context.Context, ref sdk.ReleaseRef) (*found, error) {
	s, c, err := p.configured()
	if err != nil {
		return nil, err
	}
	ns, err := s.namespaceOf(ref.Caller, ref.Project)
	if err != nil {
		return nil, err
	}
	notFound := sdk.Errorf(sdk.ErrNotFound, "no service %q in project %q", ref.Name, ref.Project.ID)
	if !releaseName.MatchString(ref.Name) {
		return nil, notFound
	}
	if err := c.mayRead(ctx, ref.Caller, ns); err != nil {
		return nil, err
	}
	sp := c.spaces.get(ns)
	inf, err := sp.readyOf(ctx, ref.Name)
	if err != nil {
		return nil, err
	}
	records, err := inf.releases.GetIndexer().ByIndex(byRelease, releaseKey(ns, ref.Name))
	if err != nil || len(records) == 0 {
		return nil, notFound
	}
	rec := latestRecords(records)[ref.Name]
	d := rec.rel
	if d == nil {
		return nil, kubeError("reading release "+ref.Name, rec.err)
	}
	if d.status == release.StatusUninstalled {
		return nil, notFound
	}
	meta := inf.metadataSecret(ns, ref.Name)
	if !s.visible(ref.Caller, ref.Project, meta) {
		return nil, notFound
	}
	var digest string
	if meta != nil {
		digest = string(meta.Data[digestKey])
	}
	return &found{ns: ns, sp: sp, inf: inf, rec: rec, d: d, md: metadataOf(meta), has: meta != nil, digest: digest}, nil
}

func (p *Plugin) GetRelease(ctx context.Context, req sdk.GetReleaseRequest) (sdk.GetReleaseResponse, error) {
	if req.Revision < 0 {
		return sdk.GetReleaseResponse{}, sdk.InvalidFields("invalid release request", invalidRevision)
	}
	f, err := p.find(ctx, req.ReleaseRef)
	if err != nil {
		return sdk.GetReleaseResponse{}, err
	}
	resp := sdk.GetReleaseResponse{Release: f.inf.view(f.ns, f.d, f.md)}
	if req.IncludeValues || req.Unmasked || req.Revision != 0 {
		if resp.Values, resp.Manifest, err = p.values(ctx, f, req); err != nil {
			return sdk.GetReleaseResponse{}, err
		}
	}
	return resp, nil
}

// isNotFound reports whether err says an object is gone.
func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
