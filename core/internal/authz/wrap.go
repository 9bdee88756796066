package authz

import (
	"context"

	"github.com/basalt-dev/basalt/sdk"
)

// guard decides a call by its rule, then runs it as the scope's user.
func guard[T any](ctx context.Context, a *Authorizer, kind sdk.Kind, method string, f func(Scope) (T, error)) (T, error) {
	r := rules[kind][method]
	s, err := a.check(ctx, r.domain, r.obj, r.act)
	if err != nil {
		var zero T
		return zero, err
	}
	out, err := f(s)
	return out, providerOnly(ctx, kind, err)
}

type guardedBase struct {
	a     *Authorizer
	kind  sdk.Kind
	inner sdk.Plugin
}

func (g guardedBase) Info(ctx context.Context, req sdk.InfoRequest) (sdk.InfoResponse, error) {
	return guard(ctx, g.a, g.kind, "Info", func(Scope) (sdk.InfoResponse, error) { return g.inner.Info(ctx, req) })
}
func (g guardedBase) ConfigSchema(ctx context.Context, req sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return guard(ctx, g.a, g.kind, "ConfigSchema", func(Scope) (sdk.ConfigSchemaResponse, error) { return g.inner.ConfigSchema(ctx, req) })
}
func (g guardedBase) Configure(ctx context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	return guard(ctx, g.a, g.kind, "Configure", func(Scope) (sdk.ConfigureResponse, error) { return g.inner.Configure(ctx, req) })
}

// Storage wraps a storage plugin with authorization.
func (a *Authorizer) Storage(inner sdk.Storage) sdk.Storage {
	return guardedStorage{guardedBase{a, sdk.KindStorage, inner}, inner}
}

type guardedStorage struct {
	guardedBase
	s sdk.Storage
}

const st = sdk.KindStorage

func (g guardedStorage) Home(ctx context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	return guard(ctx, g.a, st, "Home", func(s Scope) (sdk.HomeResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.s.Home(ctx, req)
	})
}
func (g guardedStorage) List(ctx context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	return guard(ctx, g.a, st, "List", func(s Scope) (sdk.ListObjectsResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.List(ctx, req)
	})
}
func (g guardedStorage) Stat(ctx context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	return guard(ctx, g.a, st, "Stat", func(s Scope) (sdk.StatObjectResponse, error) { req.Caller = s.User.Caller(); return g.s.Stat(ctx, req) })
}
func (g guardedStorage) Read(ctx context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	return guard(ctx, g.a, st, "Read", func(s Scope) (sdk.ReadObjectResponse, error) { req.Caller = s.User.Caller(); return g.s.Read(ctx, req) })
}
func (g guardedStorage) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	return guard(ctx, g.a, st, "Write", func(s Scope) (sdk.WriteObjectResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.Write(ctx, req)
	})
}
func (g guardedStorage) Delete(ctx context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	return guard(ctx, g.a, st, "Delete", func(s Scope) (sdk.DeleteObjectResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.Delete(ctx, req)
	})
}
func (g guardedStorage) Copy(ctx context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	return guard(ctx, g.a, st, "Copy", func(s Scope) (sdk.CopyObjectResponse, error) { req.Caller = s.User.Caller(); return g.s.Copy(ctx, req) })
}
func (g guardedStorage) Presign(ctx context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	return guard(ctx, g.a, st, "Presign", func(s Scope) (sdk.PresignResponse, error) {
		// An upload link writes: it needs the write right, not just read.
		if req.Method != "GET" && !g.a.Allowed(s.User, s.Projects, s.Project.ID, ObjFiles, ActWrite) {
			return sdk.PresignResponse{}, sdk.Errorf(sdk.ErrPermissionDenied, "upload links need the right to write files")
		}
		req.Caller = s.User.Caller()
		return g.s.Presign(ctx, req)
	})
}
func (g guardedStorage) SetPrefixPolicy(ctx context.Context, req sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	return guard(ctx, g.a, st, "SetPrefixPolicy", func(s Scope) (sdk.SetPrefixPolicyResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.SetPrefixPolicy(ctx, req)
	})
}
func (g guardedStorage) ListPublicPrefixes(ctx context.Context, req sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	return guard(ctx, g.a, st, "ListPublicPrefixes", func(s Scope) (sdk.ListPublicPrefixesResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.ListPublicPrefixes(ctx, req)
	})
}
func (g guardedStorage) Credentials(ctx context.Context, req sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	return guard(ctx, g.a, st, "Credentials", func(s Scope) (sdk.CredentialsResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.s.Credentials(ctx, req)
	})
}

// Secrets wraps a secrets plugin with authorization.
func (a *Authorizer) Secrets(inner sdk.Secrets) sdk.Secrets {
	return guardedSecrets{guardedBase{a, sdk.KindSecrets, inner}, inner}
}

type guardedSecrets struct {
	guardedBase
	s sdk.Secrets
}

const se = sdk.KindSecrets

func (g guardedSecrets) Home(ctx context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	return guard(ctx, g.a, se, "Home", func(s Scope) (sdk.SecretsHomeResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.s.Home(ctx, req)
	})
}
func (g guardedSecrets) List(ctx context.Context, req sdk.ListSecretsRequest) (sdk.ListSecretsResponse, error) {
	return guard(ctx, g.a, se, "List", func(s Scope) (sdk.ListSecretsResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.List(ctx, req)
	})
}
func (g guardedSecrets) Read(ctx context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	return guard(ctx, g.a, se, "Read", func(s Scope) (sdk.ReadSecretResponse, error) { req.Caller = s.User.Caller(); return g.s.Read(ctx, req) })
}
func (g guardedSecrets) Write(ctx context.Context, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	return guard(ctx, g.a, se, "Write", func(s Scope) (sdk.WriteSecretResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.Write(ctx, req)
	})
}
func (g guardedSecrets) Delete(ctx context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	return guard(ctx, g.a, se, "Delete", func(s Scope) (sdk.DeleteSecretResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.Delete(ctx, req)
	})
}
func (g guardedSecrets) Undelete(ctx context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	return guard(ctx, g.a, se, "Undelete", func(s Scope) (sdk.UndeleteSecretResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.Undelete(ctx, req)
	})
}
func (g guardedSecrets) Metadata(ctx context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	return guard(ctx, g.a, se, "Metadata", func(s Scope) (sdk.SecretMetadataResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.Metadata(ctx, req)
	})
}
func (g guardedSecrets) Token(ctx context.Context, req sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	return guard(ctx, g.a, se, "Token", func(s Scope) (sdk.SecretsTokenResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.Token(ctx, req)
	})
}
func (g guardedSecrets) RevokeToken(ctx context.Context, req sdk.RevokeSecretsTokenRequest) (sdk.RevokeSecretsTokenResponse, error) {
	return guard(ctx, g.a, se, "RevokeToken", func(s Scope) (sdk.RevokeSecretsTokenResponse, error) {
		req.Caller = s.User.Caller()
		return g.s.RevokeToken(ctx, req)
	})
}

// Catalog wraps a catalog plugin with authorization. Which catalogs a user may see is the
// catalog service's business (claim restrictions); this guards the calls themselves.
func (a *Authorizer) Catalog(inner sdk.Catalog) sdk.Catalog {
	return guardedCatalog{guardedBase{a, sdk.KindCatalog, inner}, inner}
}

type guardedCatalog struct {
	guardedBase
	c sdk.Catalog
}

const ca = sdk.KindCatalog

func (g guardedCatalog) ListCatalogs(ctx context.Context, req sdk.ListCatalogsRequest) (sdk.ListCatalogsResponse, error) {
	return guard(ctx, g.a, ca, "ListCatalogs", func(Scope) (sdk.ListCatalogsResponse, error) { return g.c.ListCatalogs(ctx, req) })
}
func (g guardedCatalog) ListCharts(ctx context.Context, req sdk.ListChartsRequest) (sdk.ListChartsResponse, error) {
	return guard(ctx, g.a, ca, "ListCharts", func(Scope) (sdk.ListChartsResponse, error) { return g.c.ListCharts(ctx, req) })
}
func (g guardedCatalog) GetChart(ctx context.Context, req sdk.GetChartRequest) (sdk.GetChartResponse, error) {
	return guard(ctx, g.a, ca, "GetChart", func(Scope) (sdk.GetChartResponse, error) { return g.c.GetChart(ctx, req) })
}
func (g guardedCatalog) GetArchive(ctx context.Context, req sdk.GetArchiveRequest) (sdk.GetArchiveResponse, error) {
	return guard(ctx, g.a, ca, "GetArchive", func(Scope) (sdk.GetArchiveResponse, error) { return g.c.GetArchive(ctx, req) })
}
func (g guardedCatalog) Refresh(ctx context.Context, req sdk.RefreshCatalogsRequest) (sdk.RefreshCatalogsResponse, error) {
	return guard(ctx, g.a, ca, "Refresh", func(Scope) (sdk.RefreshCatalogsResponse, error) { return g.c.Refresh(ctx, req) })
}
func (g guardedCatalog) GetIcon(ctx context.Context, req sdk.GetIconRequest) (sdk.GetIconResponse, error) {
	return guard(ctx, g.a, ca, "GetIcon", func(Scope) (sdk.GetIconResponse, error) { return g.c.GetIcon(ctx, req) })
}

// Region wraps a region plugin with authorization.
func (a *Authorizer) Region(inner sdk.Region) sdk.Region {
	return guardedRegion{guardedBase{a, sdk.KindRegion, inner}, inner}
}

type guardedRegion struct {
	guardedBase
	r sdk.Region
}

const re = sdk.KindRegion

// ref points a release reference at the scope's user and project.
func ref(s Scope, r sdk.ReleaseRef) sdk.ReleaseRef {
	r.Caller, r.Project = s.User.Caller(), s.Project.SDK()
	return r
}

func (g guardedRegion) Onboard(ctx context.Context, req sdk.OnboardRequest) (sdk.OnboardResponse, error) {
	return guard(ctx, g.a, re, "Onboard", func(s Scope) (sdk.OnboardResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.r.Onboard(ctx, req)
	})
}
func (g guardedRegion) Install(ctx context.Context, req sdk.InstallRequest) (sdk.InstallResponse, error) {
	return guard(ctx, g.a, re, "Install", func(s Scope) (sdk.InstallResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.r.Install(ctx, req)
	})
}
func (g guardedRegion) Uninstall(ctx context.Context, req sdk.UninstallRequest) (sdk.UninstallResponse, error) {
	return guard(ctx, g.a, re, "Uninstall", func(s Scope) (sdk.UninstallResponse, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.Uninstall(ctx, req)
	})
}
func (g guardedRegion) Suspend(ctx context.Context, req sdk.SuspendRequest) (sdk.SuspendResponse, error) {
	return guard(ctx, g.a, re, "Suspend", func(s Scope) (sdk.SuspendResponse, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.Suspend(ctx, req)
	})
}
func (g guardedRegion) Resume(ctx context.Context, req sdk.ResumeRequest) (sdk.ResumeResponse, error) {
	return guard(ctx, g.a, re, "Resume", func(s Scope) (sdk.ResumeResponse, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.Resume(ctx, req)
	})
}
func (g guardedRegion) UpdateRelease(ctx context.Context, req sdk.UpdateReleaseRequest) (sdk.UpdateReleaseResponse, error) {
	return guard(ctx, g.a, re, "UpdateRelease", func(s Scope) (sdk.UpdateReleaseResponse, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.UpdateRelease(ctx, req)
	})
}
func (g guardedRegion) Fleet(ctx context.Context, req sdk.FleetRequest) (sdk.FleetResponse, error) {
	return guard(ctx, g.a, re, "Fleet", func(Scope) (sdk.FleetResponse, error) { return g.r.Fleet(ctx, req) })
}
func (g guardedRegion) Cluster(ctx context.Context, req sdk.ClusterRequest) (sdk.ClusterResponse, error) {
	return guard(ctx, g.a, re, "Cluster", func(Scope) (sdk.ClusterResponse, error) { return g.r.Cluster(ctx, req) })
}
func (g guardedRegion) Projects(ctx context.Context, req sdk.ProjectsRequest) (sdk.ProjectsResponse, error) {
	return guard(ctx, g.a, re, "Projects", func(Scope) (sdk.ProjectsResponse, error) { return g.r.Projects(ctx, req) })
}

// SetMembers changes the members of the scope's project, as the scope's user.
func (g guardedRegion) SetMembers(ctx context.Context, req sdk.SetMembersRequest) (sdk.SetMembersResponse, error) {
	return guard(ctx, g.a, re, "SetMembers", func(s Scope) (sdk.SetMembersResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.r.SetMembers(ctx, req)
	})
}

// SetQuota changes the quota of the project the request names: administrators act on any.
func (g guardedRegion) SetQuota(ctx context.Context, req sdk.SetQuotaRequest) (sdk.SetQuotaResponse, error) {
	return guard(ctx, g.a, re, "SetQuota", func(Scope) (sdk.SetQuotaResponse, error) { return g.r.SetQuota(ctx, req) })
}

// ClusterAccess gives the scope's user a credential to the scope's project's namespace.
func (g guardedRegion) ClusterAccess(ctx context.Context, req sdk.ClusterAccessRequest) (sdk.ClusterAccessResponse, error) {
	return guard(ctx, g.a, re, "ClusterAccess", func(s Scope) (sdk.ClusterAccessResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.r.ClusterAccess(ctx, req)
	})
}
func (g guardedRegion) Backends(ctx context.Context, req sdk.BackendsRequest) (sdk.BackendsResponse, error) {
	return guard(ctx, g.a, re, "Backends", func(s Scope) (sdk.BackendsResponse, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.Backends(ctx, req)
	})
}
func (g guardedRegion) ListReleases(ctx context.Context, req sdk.ListReleasesRequest) (sdk.ListReleasesResponse, error) {
	return guard(ctx, g.a, re, "ListReleases", func(s Scope) (sdk.ListReleasesResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.r.ListReleases(ctx, req)
	})
}
func (g guardedRegion) GetRelease(ctx context.Context, req sdk.GetReleaseRequest) (sdk.GetReleaseResponse, error) {
	return guard(ctx, g.a, re, "GetRelease", func(s Scope) (sdk.GetReleaseResponse, error) {
		// Unmasked values carry the release's secrets: only who may launch (Install's rule)
		// reads them, to change the release.
		if req.Unmasked && !g.a.Allowed(s.User, s.Projects, s.Project.ID, ObjServices, ActLaunch) {
			return sdk.GetReleaseResponse{}, sdk.Errorf(sdk.ErrPermissionDenied, "the values of a service with its secrets need the right to launch services")
		}
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.GetRelease(ctx, req)
	})
}
func (g guardedRegion) Logs(ctx context.Context, req sdk.LogsRequest, send func(sdk.LogLine) error) error {
	_, err := guard(ctx, g.a, re, "Logs", func(s Scope) (struct{}, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return struct{}{}, g.r.Logs(ctx, req, send)
	})
	return err
}
func (g guardedRegion) Events(ctx context.Context, req sdk.EventsRequest, send func(sdk.Event) error) error {
	_, err := guard(ctx, g.a, re, "Events", func(s Scope) (struct{}, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return struct{}{}, g.r.Events(ctx, req, send)
	})
	return err
}
func (g guardedRegion) Quota(ctx context.Context, req sdk.QuotaRequest) (sdk.QuotaResponse, error) {
	return guard(ctx, g.a, re, "Quota", func(s Scope) (sdk.QuotaResponse, error) {
		req.Caller, req.Project = s.User.Caller(), s.Project.SDK()
		return g.r.Quota(ctx, req)
	})
}
func (g guardedRegion) History(ctx context.Context, req sdk.HistoryRequest) (sdk.HistoryResponse, error) {
	return guard(ctx, g.a, re, "History", func(s Scope) (sdk.HistoryResponse, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.History(ctx, req)
	})
}
func (g guardedRegion) Rollback(ctx context.Context, req sdk.RollbackRequest) (sdk.RollbackResponse, error) {
	return guard(ctx, g.a, re, "Rollback", func(s Scope) (sdk.RollbackResponse, error) {
		req.ReleaseRef = ref(s, req.ReleaseRef)
		return g.r.Rollback(ctx, req)
	})
}

var (
	_ sdk.Storage = guardedStorage{}
	_ sdk.Secrets = guardedSecrets{}
	_ sdk.Catalog = guardedCatalog{}
	_ sdk.Region  = guardedRegion{}
)
