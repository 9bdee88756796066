package action

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Change changes a running service through the launch pipeline: its values (reconfigure) or
// its chart's version (upgrade), with the same validation, x-onyxia rules and secret
// injection as a launch, the service's values carried over (carry.go), and a dry run that
// shows the difference first.
type Change struct{ cfg *Config }

// NewChange returns the change verb.
func NewChange(cfg *Config) *Change { return &Change{cfg: cfg} }

// ChangeRequest is a change of a running service.
type ChangeRequest struct {
	Version string         `json:"version"` // the chart version to run; empty: the current one
	Values  map[string]any `json:"values"`  // the user's values, over the carried ones
	Secret  string         `json:"secret"`  // as in a launch; empty: the service's current one
	S3      string         `json:"s3"`      // the S3 profile; empty for the default
	// ClientIP is the caller's address, for the launch context's user.ip.
	ClientIP string `json:"-"`
	// BasaltURL is the address the caller reaches Basalt at (Request's).
	BasaltURL string `json:"-"`
}

// changing is a change gathered: the service as it runs and the launch it becomes.
type changing struct {
	g        *gathered
	region   sdk.Region
	current  sdk.Release
	values   map[string]any // as installed, secrets included
	manifest string         // as installed, secrets masked
	old      *launch.Chart  // the running version; nil when the catalog no longer offers it
	dropped  []values.Path
}

// gather finds the service, its chart's current and target versions through the catalog it
// came from, and the launch context made the service's own (its subdomain, its one-time
// password).
func (c *Change) gather(ctx context.Context, sc *scope.Scope, service string, req ChangeRequest) (*changing, error) {
	region, err := sc.Services()
	if err != nil {
		return nil, err
	}
	ctx = sc.Context(ctx)
	got, err := region.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: service}, IncludeValues: true, Unmasked: true})
	if err != nil {
		return nil, err
	}
	rel := got.Release
	if !sc.Visible(rel) {
		return nil, sdk.Errorf(sdk.ErrNotFound, "no service %q", service)
	}
	if err := sc.MayChange(rel); err != nil {
		return nil, err
	}
	current := map[string]any{}
	if len(got.Values) > 0 {
		if err := json.Unmarshal(got.Values, &current); err != nil {
			return nil, fmt.Errorf("the values of service %s: %w", service, err)
		}
	}
	if rel.Metadata.Catalog == "" {
		return nil, sdk.InvalidFields("cannot change", sdk.FieldViolation{Field: "service", Rule: "was not launched from a catalog of Basalt's"})
	}
	chartName := rel.Metadata.Chart
	if chartName == "" {
		chartName = rel.Chart
	}
	version := req.Version
	if version == "" {
		version = rel.ChartVersion
	}
	entry, err := c.cfg.Catalogs.Open(ctx, sc.User, sc.Project, rel.Metadata.Catalog)
	if err != nil {
		return nil, err
	}
	newResp, err := entry.Chart(ctx, chartName, version)
	if err != nil {
		return nil, err
	}
	next, err := c.cfg.chart(newResp)
	if err != nil {
		return nil, err
	}
	// The running version, when the catalog still offers it, tells the user's values from its
	// defaults; without it, the service's values are carried whole.
	var old *launch.Chart
	if oldResp, err := entry.Chart(ctx, chartName, rel.ChartVersion); err == nil {
		if old, err = c.cfg.chart(oldResp); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, sdk.ErrNotFound) {
		return nil, fmt.Errorf("the running version %s of chart %s: %w", rel.ChartVersion, chartName, err)
	}
	lreq := Request{Catalog: entry.Info.ID, Chart: chartName, Version: version, Name: rel.Metadata.FriendlyName,
		Shared: rel.Metadata.Shared, S3: req.S3, Secret: req.Secret, ClientIP: req.ClientIP, BasaltURL: req.BasaltURL}
	lctx, secretsHome, err := c.cfg.launchContext(ctx, sc, lreq)
	if err != nil {
		return nil, err
	}
	if i := strings.LastIndexByte(rel.Name, '-'); i >= 0 {
		lctx.K8s.RandomSubdomain = rel.Name[i+1:]
	}
	if old != nil {
		probe := *lctx
		probe.Service.OneTimePassword = "probe-" + randomHex()
		probed, err := c.cfg.Planner.Prefill(ctx, launch.Request{Chart: old, Context: &probe, Roles: sc.User.Roles})
		if err != nil {
			return nil, err
		}
		if password, ok := valueSeeded(probed.Prefilled, current, probe.Service.OneTimePassword); ok {
			lctx.Service.OneTimePassword = password
		}
	}
	g := &gathered{scope: sc, req: lreq, catalog: entry, chartResp: newResp, release: rel.Name, name: lreq.Name,
		secretsHome: secretsHome,
		// Until the values are carried over, the service's own values are the base (where the
		// secret it runs with is read).
		request: launch.Request{Chart: next, Context: lctx, Roles: sc.User.Roles, Base: current}}
	if g.name == "" {
		g.name = chartName
	}
	if req.Values != nil {
		g.request.Values = []map[string]any{req.Values}
	}
	return &changing{g: g, region: region, current: rel, values: current, manifest: got.Manifest, old: old}, nil
}

func randomHex() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// carry sets the change's base: the target version pre-filled for the context, with what the
// service's values changed from its own version's pre-fill. renew names the context's parts
// that come fresh.
func (c *Change) carry(ctx context.Context, ch *changing, renew []string) error {
	g := ch.g
	newPrefilled, err := c.cfg.Planner.Prefill(ctx, launch.Request{Chart: g.request.Chart, Context: g.request.Context, Roles: g.request.Roles})
	if err != nil {
		return err
	}
	if ch.old == nil {
		g.request.Base, ch.dropped = carryOver(map[string]any{}, ch.values, newPrefilled.Prefilled, nil)
		return nil
	}
	oldPrefilled, err := c.cfg.Planner.Prefill(ctx, launch.Request{Chart: ch.old, Context: g.request.Context, Roles: g.request.Roles})
	if err != nil {
		return err
	}
	g.request.Base, ch.dropped = carryOver(oldPrefilled.Prefilled, ch.values, newPrefilled.Prefilled, renewedPaths(oldPrefilled.Schema, renew))
	return nil
}

// renewing is what a change renews: the S3 credentials, and the secrets token when the
// context holds one.
func renewing(lctx *launch.Context) []string {
	if lctx.Vault != nil && lctx.Vault.VaultToken != "" {
		return renewBoth
	}
	return renewS3
}

// ChangeForm is the launch form of a running service, pre-filled with its carried values.
type ChangeForm struct {
	Opened
	Service        string
	CurrentVersion string
	Version        string
	// Versions are the chart's versions the catalog offers, the newest first.
	Versions []string
}

// Form opens the form of a change: the target version's form filled with the service's
// values carried over.
func (c *Change) Form(ctx context.Context, sc *scope.Scope, service string, req ChangeRequest) (*ChangeForm, error) {
	ch, err := c.gather(ctx, sc, service, req)
	if err != nil {
		return nil, err
	}
	if err := c.carry(ctx, ch, renewing(ch.g.request.Context)); err != nil {
		return nil, err
	}
	ch.g.request.Values = nil // the form shows what the change starts from
	fm, err := c.cfg.Planner.FormContext(ctx, ch.g.request)
	if err != nil {
		return nil, err
	}
	versions, err := ch.g.catalog.Versions(ctx, ch.g.req.Chart)
	if err != nil {
		return nil, err
	}
	return &ChangeForm{Opened: Opened{Form: fm, Catalog: ch.g.catalog.Info, AllowSharing: ch.g.catalog.Info.AllowSharing && !sc.Project.Personal()},
		Service: service, CurrentVersion: ch.current.ChartVersion, Version: ch.g.chartResp.Chart.Version, Versions: versions}, nil
}

// Changed is a change planned (a dry run) or applied.
type Changed struct {
	Planned
	FromVersion string
	Diff        Diff
	Service     sdk.Release
}

// Plan is a dry run of the change: the values and the manifests it would change, checked
// against the cluster, with nothing changed and no token made.
func (c *Change) Plan(ctx context.Context, sc *scope.Scope, service string, req ChangeRequest) (*Changed, error) {
	ch, err := c.gather(ctx, sc, service, req)
	if err != nil {
		return nil, err
	}
	return c.run(sc.Context(ctx), ch, injection{}, true)
}

// Apply changes the service: the chosen secret injected anew (a new token replaces the old
// one, which is revoked once the change is in), planned once, upgraded by the region.
func (c *Change) Apply(ctx context.Context, sc *scope.Scope, service string, req ChangeRequest) (_ *Changed, err error) {
	ch, err := c.gather(ctx, sc, service, req)
	if err != nil {
		return nil, err
	}
	ctx = sc.Context(ctx)
	inj, revoke, err := c.cfg.inject(ctx, ch.g)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil && revoke != nil {
			revoke()
		}
	}()
	changed, err := c.run(ctx, ch, inj, false)
	if err != nil {
		return nil, err
	}
	if old := ch.current.Metadata.SecretsTokenAccessor; inj.accessor != "" && old != "" && old != inj.accessor {
		c.cfg.RevokeServiceToken(ctx, sc, ch.current)
	}
	return changed, nil
}

// run plans the change and asks the region to upgrade the release, or to render it only.
func (c *Change) run(ctx context.Context, ch *changing, inj injection, dryRun bool) (*Changed, error) {
	if err := c.carry(ctx, ch, renewing(ch.g.request.Context)); err != nil {
		return nil, err
	}
	p, err := c.cfg.plan(ctx, ch.g, inj)
	if err != nil {
		return nil, err
	}
	valuesJSON, err := json.Marshal(p.Plan.Values)
	if err != nil {
		return nil, err
	}
	archive, err := ch.g.catalog.Archive(ctx, ch.g.chartResp.Chart)
	if err != nil {
		return nil, err
	}
	defer archive.Body.Close()
	meta := ch.current.Metadata
	if inj.accessor != "" {
		meta.SecretsTokenAccessor = inj.accessor
	}
	resp, err := ch.region.Install(ctx, sdk.InstallRequest{ReleaseName: ch.current.Name, Archive: archive.Body, Values: valuesJSON,
		Timeout: p.Catalog.Timeout, Upgrade: true, DryRun: dryRun, Metadata: meta, SecretData: inj.secretData})
	if err != nil {
		return nil, err
	}
	out := &Changed{Planned: *p, FromVersion: ch.current.ChartVersion, Service: resp.Release,
		Diff: diffOf(ch.values, p.Plan.Values, ch.manifest, resp.Manifest, dryRun, ch.dropped)}
	if !dryRun {
		c.cfg.Log.Info("service changed", "user", ch.g.scope.User.Username, "project", ch.g.scope.Project.ID,
			"service", ch.current.Name, "from", ch.current.ChartVersion, "to", p.Plan.Version)
	}
	return out, nil
}
