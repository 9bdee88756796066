package memory

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Region keeps releases in memory. A release is deployed, with its one Deployment ready, as
// soon as it is installed; its logs and events are what happened to it. Following logs or
// events waits for new ones until the call is cancelled or the release is uninstalled. Every
// install, upgrade, suspend, resume and rollback is a revision of its history, as with Helm;
// values under secret-looking keys are masked as the Kubernetes region masks them. Configured
// with simulated, its releases say they run on simulated nodes while they are not paused.
type Region struct {
	mu         sync.Mutex
	namespaces map[string]*namespace
	quota      map[string]string
	simulated  bool
}

type namespace struct {
	project  sdk.Project
	owner    string // the person or group onboarding was for
	releases map[string]*release
	members  []sdk.Member      // added in Basalt
	quota    map[string]string // keys an administrator set, over the region's
	tokens   []sdk.AccessToken // records of a person's API tokens (regionaccesstokens.go)
}

type release struct {
	rel      sdk.Release
	onFakes  bool // its pod lands on a simulated node: Simulated while it runs
	values   map[string]any
	logs     []sdk.LogLine
	events   []sdk.Event
	changed  chan struct{} // closed and replaced whenever logs or events grow
	gone     chan struct{} // closed when the release is uninstalled
	manifest string
	history  []revision // the oldest first
	usage    sdk.Usage
}

// revision is what a release was at one revision: enough to roll back to it.
type revision struct {
	info     sdk.Revision
	chart    chartInfo
	values   map[string]any // a copy, never changed
	manifest string
	notes    string
}

// NewRegion returns a region with no project onboarded.
func NewRegion() *Region {
	return &Region{
		namespaces: map[string]*namespace{},
		quota:      map[string]string{"pods": "20", "requests.cpu": "8", "requests.memory": "16Gi"},
	}
}

func (r *Region) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindRegion, Name: "memory", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

const regionSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "In-memory region",
  "type": "object",
  "properties": {
    "quota": {
      "type": "object",
      "description": "The ResourceQuota every project gets, as Kubernetes resource names and quantities.",
      "additionalProperties": {"type": "string"}
    },
    "simulated": {
      "type": "boolean",
      "description": "Releases installed from now on say that they run on simulated nodes (Simulated), as a Kubernetes region's kwok nodes would, until paused."
    }
  },
  "additionalProperties": false
}`

func (r *Region) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: []byte(regionSchema)}, nil
}

func (r *Region) Configure(_ context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	var cfg struct {
		Quota     map[string]string `json:"quota"`
		Simulated bool              `json:"simulated"`
	}
	if err := decodeConfig(req.Config, &cfg); err != nil {
		return sdk.ConfigureResponse{}, err
	}
	r.mu.Lock()
	r.simulated = cfg.Simulated
	r.mu.Unlock()
	if cfg.Quota != nil {
		r.mu.Lock()
		r.quota = cfg.Quota
		r.mu.Unlock()
	}
	return sdk.ConfigureResponse{}, nil
}

// dnsLabel is what Kubernetes accepts as a namespace and Helm as a release name.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$`)

func (r *Region) Onboard(_ context.Context, req sdk.OnboardRequest) (sdk.OnboardResponse, error) {
	if !dnsLabel.MatchString(req.Project.ID) {
		return sdk.OnboardResponse{}, sdk.InvalidFields("invalid project", sdk.FieldViolation{Field: "project.id", Rule: "must be a DNS label"})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.namespaces[req.Project.ID] != nil {
		return sdk.OnboardResponse{Namespace: req.Project.ID}, nil
	}
	owner := req.Project.Group
	if req.Project.Personal() {
		owner = req.Caller.Username
	}
	r.namespaces[req.Project.ID] = &namespace{project: req.Project, owner: owner, releases: map[string]*release{}}
	return sdk.OnboardResponse{Namespace: req.Project.ID, Created: true}, nil
}

// chartInfo is what the region reads from a chart archive.
type chartInfo struct {
	name, version, appVersion string
	suspendable               bool
}

// MaxArchiveSize bounds a chart archive, as Helm does.
const MaxArchiveSize = 20 << 20

func readChart(archive io.Reader) (chartInfo, error) {
	invalid := func(format string, args ...any) (chartInfo, error) {
		return chartInfo{}, sdk.Errorf(sdk.ErrInvalidArgument, "chart archive: "+format, args...)
	}
	if archive == nil {
		return invalid("missing")
	}
	zr, err := gzip.NewReader(io.LimitReader(archive, MaxArchiveSize))
	if err != nil {
		return invalid("not gzip: %v", err)
	}
	var info chartInfo
	var chartYAML, valuesYAML []byte
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return invalid("not a tar: %v", err)
		}
		dir, file := path.Split(h.Name)
		if strings.Count(dir, "/") != 1 { // only the chart's own top-level files
			continue
		}
		switch file {
		case "Chart.yaml":
			chartYAML, err = io.ReadAll(tr)
		case "values.yaml":
			valuesYAML, err = io.ReadAll(tr)
		}
		if err != nil {
			return invalid("reading %s: %v", h.Name, err)
		}
	}
	if chartYAML == nil {
		return invalid("no Chart.yaml")
	}
	for _, line := range strings.Split(string(chartYAML), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") {
			continue
		}
		value = strings.TrimSpace(value)
		if unquoted, err := strconv.Unquote(value); err == nil {
			value = unquoted
		}
		switch key {
		case "name":
			info.name = strings.Trim(value, "'")
		case "version":
			info.version = strings.Trim(value, "'")
		case "appVersion":
			info.appVersion = strings.Trim(value, "'")
		}
	}
	if info.name == "" || info.version == "" {
		return invalid("Chart.yaml names no chart or version")
	}
	info.suspendable = hasGlobalSuspend(string(valuesYAML))
	return info, nil
}

// hasGlobalSuspend reports whether values.yaml declares global.suspend, Onyxia's convention
// for charts that can be paused.
func hasGlobalSuspend(values string) bool {
	inGlobal := false
	for _, line := range strings.Split(values, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if !strings.HasPrefix(line, " ") {
			inGlobal = strings.HasPrefix(line, "global:")
			continue
		}
		if inGlobal && strings.HasPrefix(strings.TrimSpace(line), "suspend:") {
			return true
		}
	}
	return false
}

func (r *Region) Install(ctx context.Context, req sdk.InstallRequest) (sdk.InstallResponse, error) {
	if !dnsLabel.MatchString(req.ReleaseName) {
		return sdk.InstallResponse{}, sdk.InvalidFields("invalid release", sdk.FieldViolation{Field: "releaseName", Rule: "must be a DNS label of at most 53 characters"})
	}
	chart, err := readChart(req.Archive)
	if err != nil {
		return sdk.InstallResponse{}, err
	}
	values := map[string]any{}
	if len(bytes.TrimSpace(req.Values)) > 0 {
		if err := json.Unmarshal(req.Values, &values); err != nil {
			return sdk.InstallResponse{}, sdk.InvalidFields("invalid values", sdk.FieldViolation{Field: "values", Rule: "must be a JSON object"})
		}
	}
	if err := ctx.Err(); err != nil {
		return sdk.InstallResponse{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.namespaces[req.Project.ID]
	if ns == nil {
		return sdk.InstallResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q is not onboarded", req.Project.ID)
	}
	now := time.Now().UTC()
	rel := ns.releases[req.ReleaseName]
	switch {
	case rel != nil && !req.Upgrade:
		return sdk.InstallResponse{}, sdk.Errorf(sdk.ErrAlreadyExists, "release %q already exists", req.ReleaseName)
	case rel == nil:
		rel = &release{changed: make(chan struct{}), gone: make(chan struct{}), onFakes: r.simulated}
		rel.rel = sdk.Release{Name: req.ReleaseName, Namespace: req.Project.ID, Started: now}
	case req.DryRun:
		// A dry run works on a copy: the release and its history stay as they are.
		dry := *rel
		dry.rel = rel.snapshot()
		rel = &dry
	}
	description := "Install complete"
	if rel.rel.Revision > 0 {
		description = "Upgrade complete"
	}
	rel.values = values
	rel.rel.Chart, rel.rel.ChartVersion, rel.rel.AppVersion = chart.name, chart.version, chart.appVersion
	rel.rel.Revision++
	kept := rel.rel.Metadata.Lifecycle
	rel.rel.Metadata = req.Metadata
	if req.Metadata.Lifecycle == nil {
		rel.rel.Metadata.Lifecycle = kept
	}
	rel.rel.Suspendable = chart.suspendable
	rel.rel.Notes = fmt.Sprintf("%s runs %s %s.", req.ReleaseName, chart.name, chart.version)
	rel.manifest = fmt.Sprintf("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: %s\n  namespace: %s\n", req.ReleaseName, req.Project.ID)
	if len(req.SecretData) > 0 {
		// The secret data's keys show in the manifest, as the object a cluster would hold; its
		// values stay out of it.
		keys := slices.Sorted(maps.Keys(req.SecretData))
		rel.manifest += fmt.Sprintf("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\n# keys: %s\n",
			sdk.ReleaseSecretName(req.ReleaseName), req.Project.ID, strings.Join(keys, ", "))
	}
	rel.setSuspended(suspendOf(values))
	if req.DryRun {
		return sdk.InstallResponse{Release: rel.snapshot(), Manifest: rel.manifest}, nil
	}
	ns.releases[req.ReleaseName] = rel
	rel.commit(now, chart, description)
	rel.record(now, "Normal", "Scheduled", "Pod/"+rel.pod(), fmt.Sprintf("Successfully assigned %s/%s", req.Project.ID, rel.pod()),
		fmt.Sprintf("starting %s %s (revision %d)", chart.name, chart.version, rel.rel.Revision))
	rel.record(now, "Normal", "Started", "Pod/"+rel.pod(), "Started container main", "ready")
	return sdk.InstallResponse{Release: rel.snapshot()}, nil
}

// commit adds the release as it now is to its history, superseding the revision before.
func (rel *release) commit(at time.Time, chart chartInfo, description string) {
	if n := len(rel.history); n > 0 {
		rel.history[n-1].info.Status = "superseded"
	}
	rel.history = append(rel.history, revision{
		info: sdk.Revision{
			Revision: rel.rel.Revision, Chart: chart.name, ChartVersion: chart.version, AppVersion: chart.appVersion,
			Status: "deployed", Updated: at, Description: description,
		},
		chart: chart, values: cloneValues(rel.values), manifest: rel.manifest, notes: rel.rel.Notes,
	})
}

// current is the revision the release runs.
func (rel *release) current() chartInfo { return rel.history[len(rel.history)-1].chart }

// cloneValues deep-copies JSON values.
func cloneValues(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		if m, ok := v.(map[string]any); ok {
			v = cloneValues(m)
		} else if l, ok := v.([]any); ok {
			v = slices.Clone(l)
		}
		out[k] = v
	}
	return out
}

func suspendOf(values map[string]any) bool {
	global, _ := values["global"].(map[string]any)
	suspend, _ := global["suspend"].(bool)
	return suspend
}

func (rel *release) pod() string { return rel.rel.Name + "-0" }

// setSuspended scales the release's workload as Onyxia's global.suspend does.
func (rel *release) setSuspended(suspended bool) {
	global, _ := rel.values["global"].(map[string]any)
	if global == nil {
		global = map[string]any{}
		rel.values["global"] = global
	}
	global["suspend"] = suspended
	replicas := 1
	rel.rel.Status = sdk.StatusDeployed
	if suspended {
		replicas = 0
		rel.rel.Status = sdk.StatusSuspended
	}
	rel.rel.Suspended = suspended
	rel.rel.Simulated = rel.onFakes && !suspended // a paused release has no pod anywhere
	rel.rel.Workloads = []sdk.WorkloadHealth{{Kind: "Deployment", Name: rel.rel.Name, Desired: replicas, Ready: replicas}}
}

// record adds an event and a log line and wakes whoever follows them.
func (rel *release) record(at time.Time, typ, reason, object, message, logLine string) {
	rel.events = append(rel.events, sdk.Event{Time: at, Type: typ, Reason: reason, Object: object, Message: message, Count: 1})
	if logLine != "" {
		rel.logs = append(rel.logs, sdk.LogLine{Pod: rel.pod(), Container: "main", Time: at, Line: logLine})
	}
	close(rel.changed)
	rel.changed = make(chan struct{})
}

func (rel *release) snapshot() sdk.Release {
	out := rel.rel
	out.Workloads = slices.Clone(rel.rel.Workloads)
	out.URLs = slices.Clone(rel.rel.URLs)
	out.Metadata.Lifecycle = maps.Clone(rel.rel.Metadata.Lifecycle)
	out.Metadata.Grants = slices.Clone(rel.rel.Metadata.Grants)
	return out
}

func (r *Region) find(ref sdk.ReleaseRef) (*release, error) {
	ns := r.namespaces[ref.Project.ID]
	if ns == nil || ns.releases[ref.Name] == nil {
		return nil, sdk.Errorf(sdk.ErrNotFound, "release %q not found in project %q", ref.Name, ref.Project.ID)
	}
	return ns.releases[ref.Name], nil
}

func (r *Region) Uninstall(_ context.Context, req sdk.UninstallRequest) (sdk.UninstallResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(req.ReleaseRef)
	if err != nil {
		return sdk.UninstallResponse{}, nil // already gone
	}
	delete(r.namespaces[req.Project.ID].releases, req.Name)
	close(rel.gone)
	return sdk.UninstallResponse{}, nil
}

func (r *Region) setSuspended(ref sdk.ReleaseRef, suspended bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(ref)
	if err != nil {
		return err
	}
	if !rel.rel.Suspendable {
		return sdk.Errorf(sdk.ErrInvalidArgument, "the chart of release %q cannot be suspended", ref.Name)
	}
	if rel.rel.Suspended == suspended {
		return nil
	}
	rel.rel.Revision++
	rel.setSuspended(suspended)
	now := time.Now().UTC()
	rel.commit(now, rel.current(), "Upgrade complete")
	if suspended {
		rel.record(now, "Normal", "Killing", "Pod/"+rel.pod(), "Stopping container main", "suspended")
	} else {
		rel.record(now, "Normal", "Started", "Pod/"+rel.pod(), "Started container main", "resumed")
	}
	return nil
}

func (r *Region) Suspend(_ context.Context, req sdk.SuspendRequest) (sdk.SuspendResponse, error) {
	return sdk.SuspendResponse{}, r.setSuspended(req.ReleaseRef, true)
}

func (r *Region) Resume(_ context.Context, req sdk.ResumeRequest) (sdk.ResumeResponse, error) {
	return sdk.ResumeResponse{}, r.setSuspended(req.ReleaseRef, false)
}

func (r *Region) UpdateRelease(_ context.Context, req sdk.UpdateReleaseRequest) (sdk.UpdateReleaseResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(req.ReleaseRef)
	if err != nil {
		return sdk.UpdateReleaseResponse{}, err
	}
	if req.FriendlyName != nil {
		rel.rel.Metadata.FriendlyName = *req.FriendlyName
	}
	if req.Shared != nil {
		rel.rel.Metadata.Shared = *req.Shared
	}
	if req.Grants != nil {
		if err := sdk.CheckGrants(*req.Grants); err != nil {
			return sdk.UpdateReleaseResponse{}, err
		}
		rel.rel.Metadata.Grants = slices.Clone(*req.Grants)
	}
	if len(req.Lifecycle) > 0 {
		if err := sdk.CheckLifecycle(rel.rel.Metadata.Lifecycle, req.Lifecycle); err != nil {
			return sdk.UpdateReleaseResponse{}, err
		}
		rel.rel.Metadata.Lifecycle = sdk.MergeLifecycle(rel.rel.Metadata.Lifecycle, req.Lifecycle)
	}
	return sdk.UpdateReleaseResponse{Release: rel.snapshot()}, nil
}

// usageNow is what a release uses: what SetUsage gave, else what its values say under
// usage.cpuMillicores (standing for its pods' measure), else nothing measured.
func (rel *release) usageNow() sdk.Usage {
	if !rel.usage.Measured.IsZero() {
		return rel.usage
	}
	u, _ := rel.values["usage"].(map[string]any)
	if cpu, ok := u["cpuMillicores"].(float64); ok && !rel.rel.Suspended {
		return sdk.Usage{CPUMillicores: int64(cpu), Measured: time.Now()}
	}
	return sdk.Usage{}
}

// requestsNow is what a release's values say it asks under requests (cpuMillicores,
// memoryBytes, gpus), standing for its pods' requests; nothing while suspended.
func (rel *release) requestsNow() sdk.Requests {
	q, _ := rel.values["requests"].(map[string]any)
	if rel.rel.Suspended || q == nil {
		return sdk.Requests{}
	}
	n := func(key string) int64 { v, _ := q[key].(float64); return int64(v) }
	return sdk.Requests{CPUMillicores: n("cpuMillicores"), MemoryBytes: n("memoryBytes"), GPUs: n("gpus")}
}

// Fleet lists the releases of every project, with what each uses (usageNow) and asks
// (requestsNow).
func (r *Region) Fleet(context.Context, sdk.FleetRequest) (sdk.FleetResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var resp sdk.FleetResponse
	for _, id := range slices.Sorted(maps.Keys(r.namespaces)) {
		ns := r.namespaces[id]
		for _, name := range slices.Sorted(maps.Keys(ns.releases)) {
			rel := ns.releases[name]
			resp.Releases = append(resp.Releases, sdk.FleetRelease{Group: ns.project.Group, Release: rel.snapshot(), Usage: rel.usageNow(), Requests: rel.requestsNow()})
		}
	}
	return resp, nil
}

// Backends are what a release's values name under ingress: hostname (and path), and
// endpoint, standing for the pod that would serve it: the memory region runs none. A release
// without ingress.endpoint has no backends.
func (r *Region) Backends(_ context.Context, req sdk.BackendsRequest) (sdk.BackendsResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(req.ReleaseRef)
	if err != nil {
		return sdk.BackendsResponse{}, err
	}
	ingress, _ := rel.values["ingress"].(map[string]any)
	endpoint, _ := ingress["endpoint"].(string)
	if endpoint == "" || rel.rel.Suspended {
		return sdk.BackendsResponse{}, nil
	}
	host, _ := ingress["hostname"].(string)
	p, _ := ingress["path"].(string)
	if p == "" {
		p = "/"
	}
	return sdk.BackendsResponse{Backends: []sdk.Backend{{Host: host, Path: p, Service: req.Name, Port: 80, Endpoints: []string{endpoint}}}}, nil
}

// Cluster is the memory region itself: it runs releases in memory, at its own version.
func (r *Region) Cluster(context.Context, sdk.ClusterRequest) (sdk.ClusterResponse, error) {
	return sdk.ClusterResponse{Platform: "memory", Version: Version}, nil
}

// SetUsage sets what a release uses, as a cluster's metrics would report it: the memory region
// has no pods to measure.
func (r *Region) SetUsage(ref sdk.ReleaseRef, u sdk.Usage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(ref)
	if err != nil {
		return err
	}
	rel.usage = u
	return nil
}

func (r *Region) ListReleases(_ context.Context, req sdk.ListReleasesRequest) (sdk.ListReleasesResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var resp sdk.ListReleasesResponse
	if ns := r.namespaces[req.Project.ID]; ns != nil {
		for _, name := range slices.Sorted(maps.Keys(ns.releases)) {
			resp.Releases = append(resp.Releases, ns.releases[name].snapshot())
		}
	}
	return resp, nil
}

func (r *Region) GetRelease(_ context.Context, req sdk.GetReleaseRequest) (sdk.GetReleaseResponse, error) {
	if req.Revision < 0 {
		return sdk.GetReleaseResponse{}, sdk.InvalidFields("invalid revision", sdk.FieldViolation{Field: "revision", Rule: "must be 0 (the current one) or a revision number"})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(req.ReleaseRef)
	if err != nil {
		return sdk.GetReleaseResponse{}, err
	}
	resp := sdk.GetReleaseResponse{Release: rel.snapshot()}
	if !req.IncludeValues && !req.Unmasked && req.Revision == 0 {
		return resp, nil
	}
	rev, err := rel.revision(req.Revision)
	if err != nil {
		return sdk.GetReleaseResponse{}, err
	}
	values := rev.values
	if !req.Unmasked {
		values = sdk.MaskValues(values)
	}
	if resp.Values, err = json.Marshal(values); err != nil {
		return sdk.GetReleaseResponse{}, err
	}
	resp.Manifest = rev.manifest
	return resp, nil
}

// revision returns one revision of the release's history; 0 is the current one.
func (rel *release) revision(n int) (revision, error) {
	if n == 0 {
		return rel.history[len(rel.history)-1], nil
	}
	for _, rev := range rel.history {
		if rev.info.Revision == n {
			return rev, nil
		}
	}
	return revision{}, sdk.Errorf(sdk.ErrNotFound, "release %q has no revision %d", rel.rel.Name, n)
}

func (r *Region) History(_ context.Context, req sdk.HistoryRequest) (sdk.HistoryResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(req.ReleaseRef)
	if err != nil {
		return sdk.HistoryResponse{}, err
	}
	resp := sdk.HistoryResponse{Revisions: make([]sdk.Revision, 0, len(rel.history))}
	for i := len(rel.history) - 1; i >= 0; i-- {
		resp.Revisions = append(resp.Revisions, rel.history[i].info)
	}
	return resp, nil
}

// Rollback brings back an earlier revision's chart, values and manifest as a new revision;
// Basalt's metadata stays as it is.
func (r *Region) Rollback(_ context.Context, req sdk.RollbackRequest) (sdk.RollbackResponse, error) {
	if req.Revision < 0 {
		return sdk.RollbackResponse{}, sdk.InvalidFields("invalid revision", sdk.FieldViolation{Field: "revision", Rule: "must be 0 (the previous one) or a revision number"})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rel, err := r.find(req.ReleaseRef)
	if err != nil {
		return sdk.RollbackResponse{}, err
	}
	target := req.Revision
	if target == 0 {
		target = rel.rel.Revision - 1
	}
	rev, err := rel.revision(target)
	if err != nil || target == 0 {
		return sdk.RollbackResponse{}, sdk.Errorf(sdk.ErrNotFound, "release %q has no revision %d to roll back to", req.Name, target)
	}
	rel.values = cloneValues(rev.values)
	rel.manifest = rev.manifest
	rel.rel.Chart, rel.rel.ChartVersion, rel.rel.AppVersion = rev.chart.name, rev.chart.version, rev.chart.appVersion
	rel.rel.Suspendable, rel.rel.Notes = rev.chart.suspendable, rev.notes
	rel.rel.Revision++
	rel.setSuspended(suspendOf(rel.values))
	now := time.Now().UTC()
	rel.commit(now, rev.chart, fmt.Sprintf("Rollback to %d", target))
	rel.record(now, "Normal", "Started", "Pod/"+rel.pod(), "Started container main",
		fmt.Sprintf("rolled back to revision %d (%s %s)", target, rev.chart.name, rev.chart.version))
	return sdk.RollbackResponse{Release: rel.snapshot()}, nil
}

// follow sends what items returns from index next on, then, when following, waits for more
// until ctx is done or the release is gone.
func follow[T any](ctx context.Context, r *Region, ref sdk.ReleaseRef, follow bool, items func(*release) []T, first func([]T) int, send func(T) error) error {
	r.mu.Lock()
	rel, err := r.find(ref)
	if err != nil {
		r.mu.Unlock()
		return err
	}
	all := items(rel)
	next := first(all)
	for {
		pending := slices.Clone(all[next:])
		next = len(all)
		changed := rel.changed
		r.mu.Unlock()
		for _, item := range pending {
			if err := send(item); err != nil {
				return err
			}
		}
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-rel.gone:
			return nil
		case <-changed:
		}
		r.mu.Lock()
		all = items(rel)
	}
}

func (r *Region) Logs(ctx context.Context, req sdk.LogsRequest, send func(sdk.LogLine) error) error {
	matches := func(l sdk.LogLine) bool {
		return (req.Pod == "" || l.Pod == req.Pod) && (req.Container == "" || l.Container == req.Container)
	}
	return follow(ctx, r, req.ReleaseRef, req.Follow,
		func(rel *release) []sdk.LogLine {
			var out []sdk.LogLine
			for _, l := range rel.logs {
				if matches(l) {
					out = append(out, l)
				}
			}
			return out
		},
		func(lines []sdk.LogLine) int {
			if req.TailLines > 0 && len(lines) > req.TailLines {
				return len(lines) - req.TailLines
			}
			return 0
		}, send)
}

func (r *Region) Events(ctx context.Context, req sdk.EventsRequest, send func(sdk.Event) error) error {
	return follow(ctx, r, req.ReleaseRef, req.Follow,
		func(rel *release) []sdk.Event { return rel.events },
		func([]sdk.Event) int { return 0 }, send)
}

func (r *Region) Quota(_ context.Context, req sdk.QuotaRequest) (sdk.QuotaResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.namespaces[req.Project.ID]
	if ns == nil {
		return sdk.QuotaResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q is not onboarded", req.Project.ID)
	}
	return r.quotaOf(ns), nil
}

// quotaOf is a project's quota: the region's, with the keys an administrator set.
func (r *Region) quotaOf(ns *namespace) sdk.QuotaResponse {
	pods := 0
	for _, rel := range ns.releases {
		for _, w := range rel.rel.Workloads {
			pods += w.Desired
		}
	}
	hard := maps.Clone(r.quota)
	if hard == nil {
		hard = map[string]string{}
	}
	maps.Copy(hard, ns.quota)
	resp := sdk.QuotaResponse{Hard: hard, Used: map[string]string{}}
	for key := range hard {
		resp.Used[key] = "0" // nothing runs for real: only pods are counted
	}
	if _, ok := hard["pods"]; ok {
		resp.Used["pods"] = strconv.Itoa(pods)
	}
	return resp
}

var _ sdk.Region = (*Region)(nil)
