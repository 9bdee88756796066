package pluginhost

import (
	"context"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// call runs one method of a plugin's contract on the running process (starting it if needed),
// turns a crash into a clear retryable error, and records the call's duration and outcome.
func call[P sdk.Plugin, T any](ctx context.Context, i *Instance, method string, f func(P) (T, error)) (T, error) {
	var zero T
	began := time.Now()
	impl, err := i.get(ctx)
	if err == nil {
		var resp T
		resp, err = f(impl.(P))
		err = i.after(impl, err)
		if err == nil {
			zero = resp
		}
	}
	i.metrics.calls.WithLabelValues(i.Name, string(i.Kind), method).Observe(time.Since(began).Seconds())
	if err != nil {
		kind := "other"
		if k := sdk.KindOf(err); k != nil {
			kind = k.Error()
		}
		i.metrics.errors.WithLabelValues(i.Name, string(i.Kind), method, kind).Inc()
	}
	return zero, err
}

// stream is call for methods that return only an error (the streaming ones).
func stream[P sdk.Plugin](ctx context.Context, i *Instance, method string, f func(P) error) error {
	_, err := call(ctx, i, method, func(p P) (struct{}, error) { return struct{}{}, f(p) })
	return err
}

// baseProxy routes the base methods every kind shares.
type baseProxy struct{ i *Instance }

func (p baseProxy) Info(ctx context.Context, req sdk.InfoRequest) (sdk.InfoResponse, error) {
	return call(ctx, p.i, "Info", func(s sdk.Plugin) (sdk.InfoResponse, error) { return s.Info(ctx, req) })
}

func (p baseProxy) ConfigSchema(ctx context.Context, req sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return call(ctx, p.i, "ConfigSchema", func(s sdk.Plugin) (sdk.ConfigSchemaResponse, error) { return s.ConfigSchema(ctx, req) })
}

// Configure is the host's job, done at every start with the validated configuration.
func (p baseProxy) Configure(context.Context, sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	return sdk.ConfigureResponse{}, sdk.Errorf(sdk.ErrPermissionDenied, "plugin %q is configured by the host only", p.i.Name)
}

type storageProxy struct{ baseProxy }

func (p storageProxy) Home(ctx context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	return call(ctx, p.i, "Home", func(s sdk.Storage) (sdk.HomeResponse, error) { return s.Home(ctx, req) })
}
func (p storageProxy) List(ctx context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	return call(ctx, p.i, "List", func(s sdk.Storage) (sdk.ListObjectsResponse, error) { return s.List(ctx, req) })
}
func (p storageProxy) Stat(ctx context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	return call(ctx, p.i, "Stat", func(s sdk.Storage) (sdk.StatObjectResponse, error) { return s.Stat(ctx, req) })
}
func (p storageProxy) Read(ctx context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	return call(ctx, p.i, "Read", func(s sdk.Storage) (sdk.ReadObjectResponse, error) { return s.Read(ctx, req) })
}
func (p storageProxy) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	return call(ctx, p.i, "Write", func(s sdk.Storage) (sdk.WriteObjectResponse, error) { return s.Write(ctx, req) })
}
func (p storageProxy) Delete(ctx context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	return call(ctx, p.i, "Delete", func(s sdk.Storage) (sdk.DeleteObjectResponse, error) { return s.Delete(ctx, req) })
}
func (p storageProxy) Copy(ctx context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	return call(ctx, p.i, "Copy", func(s sdk.Storage) (sdk.CopyObjectResponse, error) { return s.Copy(ctx, req) })
}
func (p storageProxy) Presign(ctx context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	return call(ctx, p.i, "Presign", func(s sdk.Storage) (sdk.PresignResponse, error) { return s.Presign(ctx, req) })
}
func (p storageProxy) SetPrefixPolicy(ctx context.Context, req sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	return call(ctx, p.i, "SetPrefixPolicy", func(s sdk.Storage) (sdk.SetPrefixPolicyResponse, error) { return s.SetPrefixPolicy(ctx, req) })
}
func (p storageProxy) ListPublicPrefixes(ctx context.Context, req sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	return call(ctx, p.i, "ListPublicPrefixes", func(s sdk.Storage) (sdk.ListPublicPrefixesResponse, error) { return s.ListPublicPrefixes(ctx, req) })
}
func (p storageProxy) Credentials(ctx context.Context, req sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	return call(ctx, p.i, "Credentials", func(s sdk.Storage) (sdk.CredentialsResponse, error) { return s.Credentials(ctx, req) })
}

type secretsProxy struct{ baseProxy }

func (p secretsProxy) Home(ctx context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	return call(ctx, p.i, "Home", func(s sdk.Secrets) (sdk.SecretsHomeResponse, error) { return s.Home(ctx, req) })
}
func (p secretsProxy) List(ctx context.Context, req sdk.ListSecretsRequest) (sdk.ListSecretsResponse, error) {
	return call(ctx, p.i, "List", func(s sdk.Secrets) (sdk.ListSecretsResponse, error) { return s.List(ctx, req) })
}
func (p secretsProxy) Read(ctx context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	return call(ctx, p.i, "Read", func(s sdk.Secrets) (sdk.ReadSecretResponse, error) { return s.Read(ctx, req) })
}
func (p secretsProxy) Write(ctx context.Context, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	return call(ctx, p.i, "Write", func(s sdk.Secrets) (sdk.WriteSecretResponse, error) { return s.Write(ctx, req) })
}
func (p secretsProxy) Delete(ctx context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	return call(ctx, p.i, "Delete", func(s sdk.Secrets) (sdk.DeleteSecretResponse, error) { return s.Delete(ctx, req) })
}
func (p secretsProxy) Undelete(ctx context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	return call(ctx, p.i, "Undelete", func(s sdk.Secrets) (sdk.UndeleteSecretResponse, error) { return s.Undelete(ctx, req) })
}
func (p secretsProxy) Metadata(ctx context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	return call(ctx, p.i, "Metadata", func(s sdk.Secrets) (sdk.SecretMetadataResponse, error) { return s.Metadata(ctx, req) })
}
func (p secretsProxy) Token(ctx context.Context, req sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	return call(ctx, p.i, "Token", func(s sdk.Secrets) (sdk.SecretsTokenResponse, error) { return s.Token(ctx, req) })
}
func (p secretsProxy) RevokeToken(ctx context.Context, req sdk.RevokeSecretsTokenRequest) (sdk.RevokeSecretsTokenResponse, error) {
	return call(ctx, p.i, "RevokeToken", func(s sdk.Secrets) (sdk.RevokeSecretsTokenResponse, error) { return s.RevokeToken(ctx, req) })
}

type catalogProxy struct{ baseProxy }

func (p catalogProxy) ListCatalogs(ctx context.Context, req sdk.ListCatalogsRequest) (sdk.ListCatalogsResponse, error) {
	return call(ctx, p.i, "ListCatalogs", func(s sdk.Catalog) (sdk.ListCatalogsResponse, error) { return s.ListCatalogs(ctx, req) })
}
func (p catalogProxy) ListCharts(ctx context.Context, req sdk.ListChartsRequest) (sdk.ListChartsResponse, error) {
	return call(ctx, p.i, "ListCharts", func(s sdk.Catalog) (sdk.ListChartsResponse, error) { return s.ListCharts(ctx, req) })
}
func (p catalogProxy) GetChart(ctx context.Context, req sdk.GetChartRequest) (sdk.GetChartResponse, error) {
	return call(ctx, p.i, "GetChart", func(s sdk.Catalog) (sdk.GetChartResponse, error) { return s.GetChart(ctx, req) })
}
func (p catalogProxy) GetArchive(ctx context.Context, req sdk.GetArchiveRequest) (sdk.GetArchiveResponse, error) {
	return call(ctx, p.i, "GetArchive", func(s sdk.Catalog) (sdk.GetArchiveResponse, error) { return s.GetArchive(ctx, req) })
}
func (p catalogProxy) Refresh(ctx context.Context, req sdk.RefreshCatalogsRequest) (sdk.RefreshCatalogsResponse, error) {
	return call(ctx, p.i, "Refresh", func(s sdk.Catalog) (sdk.RefreshCatalogsResponse, error) { return s.Refresh(ctx, req) })
}
func (p catalogProxy) GetIcon(ctx context.Context, req sdk.GetIconRequest) (sdk.GetIconResponse, error) {
	return call(ctx, p.i, "GetIcon", func(s sdk.Catalog) (sdk.GetIconResponse, error) { return s.GetIcon(ctx, req) })
}

type regionProxy struct{ baseProxy }

func (p regionProxy) Onboard(ctx context.Context, req sdk.OnboardRequest) (sdk.OnboardResponse, error) {
	return call(ctx, p.i, "Onboard", func(s sdk.Region) (sdk.OnboardResponse, error) { return s.Onboard(ctx, req) })
}
func (p regionProxy) Install(ctx context.Context, req sdk.InstallRequest) (sdk.InstallResponse, error) {
	return call(ctx, p.i, "Install", func(s sdk.Region) (sdk.InstallResponse, error) { return s.Install(ctx, req) })
}
func (p regionProxy) Uninstall(ctx context.Context, req sdk.UninstallRequest) (sdk.UninstallResponse, error) {
	return call(ctx, p.i, "Uninstall", func(s sdk.Region) (sdk.UninstallResponse, error) { return s.Uninstall(ctx, req) })
}
func (p regionProxy) Suspend(ctx context.Context, req sdk.SuspendRequest) (sdk.SuspendResponse, error) {
	return call(ctx, p.i, "Suspend", func(s sdk.Region) (sdk.SuspendResponse, error) { return s.Suspend(ctx, req) })
}
func (p regionProxy) Resume(ctx context.Context, req sdk.ResumeRequest) (sdk.ResumeResponse, error) {
	return call(ctx, p.i, "Resume", func(s sdk.Region) (sdk.ResumeResponse, error) { return s.Resume(ctx, req) })
}
func (p regionProxy) UpdateRelease(ctx context.Context, req sdk.UpdateReleaseRequest) (sdk.UpdateReleaseResponse, error) {
	return call(ctx, p.i, "UpdateRelease", func(s sdk.Region) (sdk.UpdateReleaseResponse, error) { return s.UpdateRelease(ctx, req) })
}
func (p regionProxy) ListReleases(ctx context.Context, req sdk.ListReleasesRequest) (sdk.ListReleasesResponse, error) {
	return call(ctx, p.i, "ListReleases", func(s sdk.Region) (sdk.ListReleasesResponse, error) { return s.ListReleases(ctx, req) })
}
func (p regionProxy) GetRelease(ctx context.Context, req sdk.GetReleaseRequest) (sdk.GetReleaseResponse, error) {
	return call(ctx, p.i, "GetRelease", func(s sdk.Region) (sdk.GetReleaseResponse, error) { return s.GetRelease(ctx, req) })
}
func (p regionProxy) Logs(ctx context.Context, req sdk.LogsRequest, send func(sdk.LogLine) error) error {
	return stream(ctx, p.i, "Logs", func(s sdk.Region) error { return s.Logs(ctx, req, send) })
}
func (p regionProxy) Events(ctx context.Context, req sdk.EventsRequest, send func(sdk.Event) error) error {
	return stream(ctx, p.i, "Events", func(s sdk.Region) error { return s.Events(ctx, req, send) })
}
func (p regionProxy) Quota(ctx context.Context, req sdk.QuotaRequest) (sdk.QuotaResponse, error) {
	return call(ctx, p.i, "Quota", func(s sdk.Region) (sdk.QuotaResponse, error) { return s.Quota(ctx, req) })
}
func (p regionProxy) History(ctx context.Context, req sdk.HistoryRequest) (sdk.HistoryResponse, error) {
	return call(ctx, p.i, "History", func(s sdk.Region) (sdk.HistoryResponse, error) { return s.History(ctx, req) })
}
func (p regionProxy) Fleet(ctx context.Context, req sdk.FleetRequest) (sdk.FleetResponse, error) {
	return call(ctx, p.i, "Fleet", func(s sdk.Region) (sdk.FleetResponse, error) { return s.Fleet(ctx, req) })
}

func (p regionProxy) Backends(ctx context.Context, req sdk.BackendsRequest) (sdk.BackendsResponse, error) {
	return call(ctx, p.i, "Backends", func(s sdk.Region) (sdk.BackendsResponse, error) { return s.Backends(ctx, req) })
}

func (p regionProxy) Cluster(ctx context.Context, req sdk.ClusterRequest) (sdk.ClusterResponse, error) {
	return call(ctx, p.i, "Cluster", func(s sdk.Region) (sdk.ClusterResponse, error) { return s.Cluster(ctx, req) })
}

func (p regionProxy) Projects(ctx context.Context, req sdk.ProjectsRequest) (sdk.ProjectsResponse, error) {
	return call(ctx, p.i, "Projects", func(s sdk.Region) (sdk.ProjectsResponse, error) { return s.Projects(ctx, req) })
}

func (p regionProxy) SetMembers(ctx context.Context, req sdk.SetMembersRequest) (sdk.SetMembersResponse, error) {
	return call(ctx, p.i, "SetMembers", func(s sdk.Region) (sdk.SetMembersResponse, error) { return s.SetMembers(ctx, req) })
}

func (p regionProxy) SetQuota(ctx context.Context, req sdk.SetQuotaRequest) (sdk.SetQuotaResponse, error) {
	return call(ctx, p.i, "SetQuota", func(s sdk.Region) (sdk.SetQuotaResponse, error) { return s.SetQuota(ctx, req) })
}

func (p regionProxy) ClusterAccess(ctx context.Context, req sdk.ClusterAccessRequest) (sdk.ClusterAccessResponse, error) {
	return call(ctx, p.i, "ClusterAccess", func(s sdk.Region) (sdk.ClusterAccessResponse, error) { return s.ClusterAccess(ctx, req) })
}

func (p regionProxy) AccessTokens(ctx context.Context, req sdk.AccessTokensRequest) (sdk.AccessTokensResponse, error) {
	return call(ctx, p.i, "AccessTokens", func(s sdk.Region) (sdk.AccessTokensResponse, error) { return s.AccessTokens(ctx, req) })
}

func (p regionProxy) SetAccessTokens(ctx context.Context, req sdk.SetAccessTokensRequest) (sdk.SetAccessTokensResponse, error) {
	return call(ctx, p.i, "SetAccessTokens", func(s sdk.Region) (sdk.SetAccessTokensResponse, error) { return s.SetAccessTokens(ctx, req) })
}

func (p regionProxy) Rollback(ctx context.Context, req sdk.RollbackRequest) (sdk.RollbackResponse, error) {
	return call(ctx, p.i, "Rollback", func(s sdk.Region) (sdk.RollbackResponse, error) { return s.Rollback(ctx, req) })
}

var (
	_ sdk.Storage = storageProxy{}
	_ sdk.Secrets = secretsProxy{}
	_ sdk.Catalog = catalogProxy{}
	_ sdk.Region  = regionProxy{}
)
