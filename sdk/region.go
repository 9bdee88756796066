package sdk

import (
	"context"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"time"
)

// Region is the contract of where services run (Kubernetes through Helm). Calls name the
// project; the plugin maps it to its namespace.
type Region interface {
	Plugin

	// Onboard creates or updates the project's namespace, access and quota. It is idempotent.
	Onboard(ctx context.Context, req OnboardRequest) (OnboardResponse, error)
	// Install installs or upgrades a release from a chart archive. It returns once the release
	// is recorded; progress is observed through Events and GetRelease.
	Install(ctx context.Context, req InstallRequest) (InstallResponse, error)
	Uninstall(ctx context.Context, req UninstallRequest) (UninstallResponse, error)
	// Suspend and Resume pause a release and bring it back, keeping its values.
	Suspend(ctx context.Context, req SuspendRequest) (SuspendResponse, error)
	Resume(ctx context.Context, req ResumeRequest) (ResumeResponse, error)
	// UpdateRelease changes Basalt's metadata of a release (friendly name, sharing).
	UpdateRelease(ctx context.Context, req UpdateReleaseRequest) (UpdateReleaseResponse, error)
	ListReleases(ctx context.Context, req ListReleasesRequest) (ListReleasesResponse, error)
	GetRelease(ctx context.Context, req GetReleaseRequest) (GetReleaseResponse, error)
	// Logs sends log lines of a release's pods to send until the logs end, ctx is cancelled,
	// or send fails (whose error it then returns).
	Logs(ctx context.Context, req LogsRequest, send func(LogLine) error) error
	// Events sends the events of a release's objects, the same way as Logs.
	Events(ctx context.Context, req EventsRequest, send func(Event) error) error
	Quota(ctx context.Context, req QuotaRequest) (QuotaResponse, error)
	// History lists a release's revisions, the newest first.
	History(ctx context.Context, req HistoryRequest) (HistoryResponse, error)
	// Rollback makes an earlier revision's chart and values the release's new revision. It
	// returns once that revision is recorded and applied; readiness shows through GetRelease.
	// A revision that does not exist is ErrNotFound, a release being changed ErrConflict.
	Rollback(ctx context.Context, req RollbackRequest) (RollbackResponse, error)
	// Fleet lists every release Basalt manages in the region, in every project, with its
	// owner's group and the resources it uses now. It is the core's own call (the lifecycle
	// engine's and administrators'), never made on a user's behalf: its request has no Caller.
	Fleet(ctx context.Context, req FleetRequest) (FleetResponse, error)
	// Backends lists where a release serves HTTP inside the cluster: for each host and path
	// its Ingresses route, the Service and its ready endpoints. The lifecycle engine probes
	// them; a release without Ingress has none.
	Backends(ctx context.Context, req BackendsRequest) (BackendsResponse, error)
	// Cluster says what the region runs services on (its platform and version), for
	// administrators. Like Fleet, it is the core's own call: its request has no Caller. A
	// region that cannot tell answers ErrUnimplemented.
	Cluster(ctx context.Context, req ClusterRequest) (ClusterResponse, error)
	// Projects lists the region's projects (what onboarding made) with the members added in
	// Basalt, their quota and how many services each runs. Like Fleet, it is the core's own
	// call: its request has no Caller. A region without projects of its own (a single shared
	// namespace) answers ErrUnimplemented.
	Projects(ctx context.Context, req ProjectsRequest) (ProjectsResponse, error)
	// SetMembers adds people to a group's project, or removes those added before, besides the
	// group's members, who come from the identity provider. The region lets an added member
	// act in the project as a group member does. The core decides who may change them; the
	// Caller is who does, kept with each addition. A personal project has none.
	SetMembers(ctx context.Context, req SetMembersRequest) (SetMembersResponse, error)
	// SetQuota sets keys of a project's quota, as an administrator would by hand: a key so
	// set stays as set when onboarding applies the region's quota again. It is the core's own
	// call, for administrators.
	SetQuota(ctx context.Context, req SetQuotaRequest) (SetQuotaResponse, error)

	// ClusterAccess gives the caller a credential of their own to the project's namespace, for
	// their own tools (kubectl): where the cluster answers, its CA, the namespace and a token
	// that acts there with no more than the caller's rights (regionclusteraccess.go). A region
	// that gives none answers ErrUnimplemented.
	ClusterAccess(ctx context.Context, req ClusterAccessRequest) (ClusterAccessResponse, error)

	// AccessTokens lists the records of the API tokens a person made (never their secrets),
	// kept with their own project (accesstokens.go). It is the core's own call, made to check a
	// token a script presents: its request has no Caller. A region that keeps none answers
	// ErrUnimplemented.
	AccessTokens(ctx context.Context, req AccessTokensRequest) (AccessTokensResponse, error)
	// SetAccessTokens adds records of API tokens to a person's own project and removes others
	// by id, atomically. The core's own call: it decides who may.
	SetAccessTokens(ctx context.Context, req SetAccessTokensRequest) (SetAccessTokensResponse, error)
}

type OnboardRequest struct {
	Caller  Caller
	Project Project
}

type OnboardResponse struct {
	Namespace string
	Created   bool
}

// ReleaseMetadata is what Basalt keeps with a release and deletes with it.
type ReleaseMetadata struct {
	Catalog      string
	Chart        string
	Owner        string
	FriendlyName string
	Shared       bool
	// SecretsTokenAccessor names the secrets store token made for the release (not the token):
	// the core revokes it when the release is deleted.
	SecretsTokenAccessor string
	// Lifecycle is the core's lifecycle state of the release (when it was last used, what
	// its owner asked to keep, which notice is pending), kept by the region as it is given:
	// keys match LifecycleKey, values are at most MaxLifecycleValue bytes.
	Lifecycle map[string]string
	// Grants let others than the owner use the release's pages through the service gateway.
	Grants []Grant
}

// Grant lets someone other than a release's owner use its pages through the service gateway.
type Grant struct {
	Kind    string    // GrantUser, GrantGroup, GrantProject or GrantLink
	Name    string    // the user's or group's name, the project's id, or the link's id
	Expires time.Time // zero: until revoked
	By      string    // who granted it
	Created time.Time
}

// Grant kinds.
const (
	GrantUser    = "user"
	GrantGroup   = "group"
	GrantProject = "project"
	// GrantLink lets in whoever presents the link (signed in to Basalt): its Name is the
	// link's id, which the core makes at random and regions keep as given.
	GrantLink = "link"
)

// LinkID is the rule for a link grant's id: at least 128 bits, in URL-safe base64.
var LinkID = regexp.MustCompile(`^[A-Za-z0-9_-]{22,128}$`)

// MaxGrants bounds a release's grants, which regions keep beside it.
const MaxGrants = 32

// CheckGrants checks grants against the contract's rules: what a region calls before storing
// them.
func CheckGrants(grants []Grant) error {
	if len(grants) > MaxGrants {
		return InvalidFields("invalid grants", FieldViolation{Field: "grants", Rule: "at most 32"})
	}
	for i, g := range grants {
		field := fmt.Sprintf("grants[%d]", i)
		if g.Kind != GrantUser && g.Kind != GrantGroup && g.Kind != GrantProject && g.Kind != GrantLink {
			return InvalidFields("invalid grants", FieldViolation{Field: field + ".kind", Rule: "one of user, group, project, link"})
		}
		if g.Kind == GrantLink && !LinkID.MatchString(g.Name) {
			return InvalidFields("invalid grants", FieldViolation{Field: field + ".name", Rule: "a link's id: 22 to 128 letters, digits, - or _"})
		}
		if g.Name == "" || len(g.Name) > 256 {
			return InvalidFields("invalid grants", FieldViolation{Field: field + ".name", Rule: "1 to 256 characters"})
		}
	}
	return nil
}

// Limits on ReleaseMetadata.Lifecycle, which regions keep beside the release.
const (
	MaxLifecycleKeys  = 16
	MaxLifecycleValue = 256
)

// LifecycleKey is the rule for the keys of ReleaseMetadata.Lifecycle: a region may store each
// under a prefix of its own (e.g. as a Secret's data key).
var LifecycleKey = regexp.MustCompile(`^[a-z][a-zA-Z0-9]{0,31}$`)

// CheckLifecycle checks a change of lifecycle keys against the limits, given the keys the
// release holds: what a region calls before storing it.
func CheckLifecycle(have, change map[string]string) error {
	n := len(have)
	for k, v := range change {
		if !LifecycleKey.MatchString(k) {
			return InvalidFields("invalid lifecycle state", FieldViolation{Field: "lifecycle." + k, Rule: "a key is a letter and at most 31 letters or digits"})
		}
		if len(v) > MaxLifecycleValue {
			return InvalidFields("invalid lifecycle state", FieldViolation{Field: "lifecycle." + k, Rule: "at most 256 bytes"})
		}
		_, had := have[k]
		switch {
		case v == "" && had:
			n--
		case v != "" && !had:
			n++
		}
	}
	if n > MaxLifecycleKeys {
		return InvalidFields("invalid lifecycle state", FieldViolation{Field: "lifecycle", Rule: "at most 16 keys"})
	}
	return nil
}

// MergeLifecycle applies a change to lifecycle keys: an empty value removes its key.
func MergeLifecycle(have, change map[string]string) map[string]string {
	out := make(map[string]string, len(have)+len(change))
	for k, v := range have {
		out[k] = v
	}
	for k, v := range change {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

type InstallRequest struct {
	Caller      Caller
	Project     Project
	ReleaseName string // a DNS label
	// Archive is the chart's .tgz as the catalog returned it: nothing is fetched at launch.
	Archive io.Reader
	Values  []byte // JSON object
	// Metadata replaces the release's; on an upgrade, a nil Metadata.Lifecycle keeps the
	// release's lifecycle state.
	Metadata ReleaseMetadata
	Timeout  time.Duration
	Upgrade  bool // allow replacing an existing release
	// DryRun renders the chart and checks it against the cluster, changing nothing: the
	// response's Manifest is what the install would apply, and its Release what it would
	// record. SecretData is not written: the chart renders against the secret object as it
	// is.
	DryRun bool
	// SecretData, when set, is kept by the region as a secret object named
	// ReleaseSecretName(ReleaseName) in the project's namespace, written before the chart
	// renders (so that the chart can read it) and deleted with the release. It carries a secret
	// of the user's to a service without a token for the secrets store. An upgrade rewrites it,
	// and deletes it when it gives none.
	SecretData map[string]string
}

// ReleaseSecretName names the secret object that holds a release's InstallRequest.SecretData.
func ReleaseSecretName(release string) string { return "basalt.env." + release }

// Masked stands for a secret value where a region shows values or manifests.
const Masked = "********"

// secretName is the regions' rule for what a user would not want shown over their shoulder.
var secretName = regexp.MustCompile(`(?i)(password|secret|token|privatekey)`)

// SecretName reports whether a value's key, or an environment variable's name, looks secret:
// regions mask what it names unless asked for the values unmasked.
func SecretName(name string) bool { return secretName.MatchString(name) }

// MaskValues copies a release's values with the strings under secret-looking keys replaced
// by Masked, as GetRelease shows them.
func MaskValues(values map[string]any) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		switch v := v.(type) {
		case map[string]any:
			out[k] = MaskValues(v)
		case string:
			if v != "" && SecretName(k) {
				out[k] = Masked
			} else {
				out[k] = v
			}
		default:
			out[k] = v
		}
	}
	return out
}

type InstallResponse struct {
	Release Release
	// Manifest is the rendered manifest of a dry run ("" otherwise), secrets masked as
	// GetRelease masks them.
	Manifest string
}

type ReleaseRef struct {
	Caller  Caller
	Project Project
	Name    string
}

type UninstallRequest struct{ ReleaseRef }
type UninstallResponse struct{}
type SuspendRequest struct{ ReleaseRef }
type SuspendResponse struct{}
type ResumeRequest struct{ ReleaseRef }
type ResumeResponse struct{}

type UpdateReleaseRequest struct {
	ReleaseRef
	FriendlyName *string
	Shared       *bool
	// Lifecycle sets these keys of the release's lifecycle state and leaves the others; an
	// empty value removes its key. The change is atomic: keys set by two callers at once are
	// both kept.
	Lifecycle map[string]string
	// Grants, when not nil, replace the release's grants (an empty list: no one else).
	Grants *[]Grant
}

type UpdateReleaseResponse struct {
	Release Release
}

type ListReleasesRequest struct {
	Caller  Caller
	Project Project
}

type ListReleasesResponse struct {
	Releases []Release
}

type GetReleaseRequest struct {
	ReleaseRef
	// IncludeValues adds the release's values (secrets masked) and manifest.
	IncludeValues bool
	// Unmasked gives the values as installed, secrets included: what the core needs to
	// change a running release (reconfigure, upgrade), never what it shows. It implies
	// IncludeValues; the manifest stays masked.
	Unmasked bool
	// Revision asks for an earlier revision's values and manifest (it implies IncludeValues);
	// 0 is the current one. The response's Release stays the current one; a revision that
	// does not exist, or no longer does, is ErrNotFound.
	Revision int
}

type GetReleaseResponse struct {
	Release  Release
	Values   []byte // JSON
	Manifest string
}

// Release status values.
const (
	StatusPending   = "pending"
	StatusDeployed  = "deployed"
	StatusFailed    = "failed"
	StatusSuspended = "suspended"
	StatusUnknown   = "unknown"
)

type Release struct {
	Name         string
	Namespace    string
	Chart        string
	ChartVersion string
	AppVersion   string
	Revision     int
	Status       string // one of the Status* constants
	Reason       string // why it failed, when it did
	Metadata     ReleaseMetadata
	Workloads    []WorkloadHealth
	URLs         []string
	Notes        string
	Started      time.Time
	Suspendable  bool
	Suspended    bool
	// Simulated says that every pod of the release that is scheduled runs on a simulated
	// node (a kwok node of a test cluster), where pods turn ready but nothing runs: there is
	// nothing to open. False while no pod is scheduled (a paused release) and where the
	// region cannot tell.
	Simulated bool
}

// Ready reports whether every workload of the release has all its replicas ready.
func (r Release) Ready() bool {
	for _, w := range r.Workloads {
		if w.Ready < w.Desired {
			return false
		}
	}
	return r.Status == StatusDeployed
}

type WorkloadHealth struct {
	Kind    string // Deployment, StatefulSet, DaemonSet
	Name    string
	Desired int
	Ready   int
}

type LogsRequest struct {
	ReleaseRef
	Pod       string // "" for every pod of the release
	Container string
	TailLines int
	Follow    bool
}

type LogLine struct {
	Pod       string
	Container string
	Time      time.Time
	Line      string
}

type EventsRequest struct {
	ReleaseRef
	Follow bool
}

type Event struct {
	Time    time.Time
	Type    string // Normal, Warning
	Reason  string
	Object  string // Kind/name
	Message string
	Count   int
}

type HistoryRequest struct{ ReleaseRef }

type HistoryResponse struct {
	Revisions []Revision // the newest first
}

// Revision is one installed version of a release: each install, upgrade, suspend, resume or
// rollback makes one.
type Revision struct {
	Revision     int
	Chart        string
	ChartVersion string
	AppVersion   string
	Status       string // Helm's: deployed, superseded, failed, pending-upgrade...
	Updated      time.Time
	Description  string // what made it: "Install complete", "Upgrade complete", "Rollback to 2"...
}

// A rollback keeps Basalt's metadata (owner, friendly name, sharing) and the secret data as
// they are: only Helm's chart, values and manifest come back.
type RollbackRequest struct {
	ReleaseRef
	Revision int // the revision whose chart and values come back; 0: the previous one
	Timeout  time.Duration
}

type RollbackResponse struct {
	Release Release
}

type QuotaRequest struct {
	Caller  Caller
	Project Project
}

type QuotaResponse struct {
	Hard map[string]string
	Used map[string]string
}

// FleetRequest asks for every release of the region.
type FleetRequest struct{}

type FleetResponse struct {
	Releases []FleetRelease
}

// FleetRelease is one release of the region with where it belongs.
type FleetRelease struct {
	// Group is the group whose project holds the release; "" for its owner's personal project
	// (Release.Metadata.Owner).
	Group   string
	Release Release
	Usage   Usage
	// Requests is what the release's workloads ask of the cluster now: their pods' requests
	// times their desired replicas, so nothing while paused.
	Requests Requests
}

// Requests is what pods ask the scheduler to set aside for them.
type Requests struct {
	CPUMillicores int64
	MemoryBytes   int64
	GPUs          int64
}

// Usage is what a release's pods use at one moment, as the cluster's metrics report it.
type Usage struct {
	CPUMillicores int64
	MemoryBytes   int64
	// Measured is when the measure was taken; zero when the region has none (no metrics API,
	// or no pod of the release measured yet).
	Measured time.Time
}

type ClusterRequest struct{}

type ClusterResponse struct {
	Platform string // what runs services, e.g. "Kubernetes"
	Version  string // its version as it reports it, e.g. "v1.31.2"
}

type ProjectsRequest struct {
	// MembersOnly leaves out the quotas and service counts: what the core needs to know who
	// was added where.
	MembersOnly bool
}

type ProjectsResponse struct {
	Projects []RegionProject
}

// RegionProject is one project as its region keeps it.
type RegionProject struct {
	// Project is the project as onboarding was told it; Group is "" for a person's own.
	Project Project
	// Owner is the person whose own project it is, or the group whose project it is.
	Owner     string
	Namespace string
	// Members are the people added in Basalt, in the order they were added.
	Members []Member
	// Quota is the project's limits and what its services use of them.
	Quota QuotaResponse
	// QuotaSetByHand are the quota's keys an administrator set (in Basalt or in the cluster),
	// which onboarding leaves as they are; Quota.Hard's other keys are the region's.
	QuotaSetByHand []string
	Services       int
}

// Member is someone added to a project in Basalt.
type Member struct {
	Username string
	By       string // who added them
	Added    time.Time
}

// MaxMembers bounds the members added to one project, which regions keep beside it.
const MaxMembers = 256

// Username is the rule for the name of a member added in Basalt: an identity provider's user
// name, without spaces or characters that Kubernetes or a policy language would read.
var Username = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$`)

type SetMembersRequest struct {
	Caller  Caller
	Project Project
	Add     []string // user names to add; one already added stays as added
	Remove  []string // user names added before, to remove
}

// CheckMembers checks a change of members against the contract's rules: what a region calls
// before storing it.
func (r SetMembersRequest) CheckMembers() error {
	if r.Project.Personal() {
		return InvalidFields("invalid members", FieldViolation{Field: "project", Rule: "members are added to a group's project, not to a person's own"})
	}
	for _, change := range []struct {
		field string
		names []string
	}{{"add", r.Add}, {"remove", r.Remove}} {
		for i, name := range change.names {
			if !Username.MatchString(name) {
				return InvalidFields("invalid members", FieldViolation{Field: fmt.Sprintf("%s[%d]", change.field, i), Rule: "a user name: 1 to 128 letters, digits, '.', '_', '@' or '-', starting with a letter or digit"})
			}
		}
	}
	return nil
}

type SetMembersResponse struct {
	Members []Member
}

type SetQuotaRequest struct {
	Project Project
	// Hard sets these keys of the quota (resource names, e.g. requests.cpu, to quantities);
	// an empty value gives its key back to the region's configuration.
	Hard map[string]string
}

type SetQuotaResponse struct {
	Quota QuotaResponse
}

type BackendsRequest struct{ ReleaseRef }

type BackendsResponse struct {
	Backends []Backend
}

// Backend is one route of a release's Ingress and what serves it.
type Backend struct {
	Host      string   // the host the Ingress rule names; "" for any
	Path      string   // its path prefix, "/" for all
	Service   string   // the Service it routes to, in the release's namespace
	Port      int32    // the Service's port
	Endpoints []string // the ready endpoints serving that port, as "ip:port"
}

// quotaKey is the rule for a quota's key: a resource name as Kubernetes writes them
// (requests.cpu, limits.memory, pods, requests.nvidia.com/gpu, count/deployments.apps).
var quotaKey = regexp.MustCompile(`^[a-z0-9]([a-z0-9./-]{0,251}[a-z0-9])?$`)

// quotaQuantity is the rule for a quota's value: a non-negative quantity as Kubernetes writes
// them (2, 500m, 1.5, 16Gi, 2e3).
var quotaQuantity = regexp.MustCompile(`^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[numkMGTPE]|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

// CheckQuota checks a change of quota keys against the contract's rules: what a region calls
// before storing it. An empty value gives its key back to the region.
func CheckQuota(hard map[string]string) error {
	if len(hard) == 0 {
		return InvalidFields("invalid quota", FieldViolation{Field: "hard", Rule: "at least one key"})
	}
	if len(hard) > 64 {
		return InvalidFields("invalid quota", FieldViolation{Field: "hard", Rule: "at most 64 keys"})
	}
	for _, k := range slices.Sorted(maps.Keys(hard)) {
		v := hard[k]
		if !quotaKey.MatchString(k) {
			return InvalidFields("invalid quota", FieldViolation{Field: "hard." + k, Rule: "a resource name: lower-case letters, digits, '.', '/' or '-', e.g. requests.cpu"})
		}
		if v != "" && !quotaQuantity.MatchString(v) {
			return InvalidFields("invalid quota", FieldViolation{Field: "hard." + k, Rule: "a quantity of at least 0, e.g. 4, 500m or 16Gi (empty: the region's value)"})
		}
	}
	return nil
}
