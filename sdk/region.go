package sdk

import (
	"context"
	"io"
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
}

type InstallRequest struct {
	Caller      Caller
	Project     Project
	ReleaseName string // a DNS label
	// Archive is the chart's .tgz as the catalog returned it: nothing is fetched at launch.
	Archive  io.Reader
	Values   []byte // JSON object
	Metadata ReleaseMetadata
	Timeout  time.Duration
	Upgrade  bool // allow replacing an existing release
	// SecretData, when set, is kept by the region as a secret object named
	// ReleaseSecretName(ReleaseName) in the project's namespace, written before the chart
	// renders (so that the chart can read it) and deleted with the release. It carries a secret
	// of the user's to a service without a token for the secrets store.
	SecretData map[string]string
}

// ReleaseSecretName names the secret object that holds a release's InstallRequest.SecretData.
func ReleaseSecretName(release string) string { return "basalt.env." + release }

type InstallResponse struct {
	Release Release
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

type QuotaRequest struct {
	Caller  Caller
	Project Project
}

type QuotaResponse struct {
	Hard map[string]string
	Used map[string]string
}
