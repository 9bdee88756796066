package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/link"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/core/internal/s3profile"
	"github.com/basalt-dev/basalt/sdk"
)

// launcher holds what launches share: the planner with its compiled schemas, the charts
// already read (by digest, so the planner's cache hits) and the regions' settings.
type launcher struct {
	planner *launch.Planner
	mu      sync.Mutex
	charts  map[string]*launch.Chart
	regions map[string]*launch.Region
}

// chart returns the launch view of a chart version, read once per digest.
func (l *launcher) chart(resp sdk.GetChartResponse) (*launch.Chart, error) {
	key := resp.Digest
	if key == "" {
		key = resp.Chart.CatalogID + "/" + resp.Chart.Chart + "/" + resp.Chart.Version
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.charts[key]; ok {
		return ch, nil
	}
	ch := &launch.Chart{Name: resp.Chart.Chart, Version: resp.Chart.Version, Values: map[string]any{}}
	if len(resp.ValuesYAML) > 0 {
		var v map[string]any
		if err := yaml.Unmarshal(resp.ValuesYAML, &v); err != nil {
			return nil, fmt.Errorf("%w: values.yaml: %v", launch.ErrBrokenChart, err)
		}
		if v != nil {
			ch.Values = values.Normalize(v).(map[string]any)
		}
	}
	if len(resp.ValuesSchema) > 0 {
		var err error
		if ch.Schema, err = schema.Decode(resp.ValuesSchema); err != nil {
			return nil, fmt.Errorf("%w: values.schema.json: %v", launch.ErrBrokenChart, err)
		}
	}
	l.charts[key] = ch
	return ch, nil
}

// LaunchRequest is what the portal, a launch link or an API client asks to launch.
type LaunchRequest struct {
	Catalog string         `json:"catalog"`
	Chart   string         `json:"chart"`
	Version string         `json:"version"` // empty: the newest stable version
	Name    string         `json:"name"`    // friendly name; the chart's name when empty
	Shared  bool           `json:"shared"`
	Values  map[string]any `json:"values"`
	// Link is a launch link's query string, whose overrides apply last (Onyxia's format).
	Link string `json:"link"`
	S3   string `json:"s3"` // the S3 profile; empty for the default
	// Secret is the secret the service gets, relative to the project's secrets home; empty:
	// the chart's vault.secret.
	Secret string `json:"secret"`
}

// prepared is a planned launch with what installing it needs.
type prepared struct {
	scope   serviceScope
	catalog sdk.CatalogInfo
	chart   sdk.GetChartResponse
	request launch.Request
	plan    *launch.Plan
	release string
	name    string
	shared  bool
	// secretsHome is the project's home as the secrets plugin reported it for the launch
	// context; "" when it was not asked.
	secretsHome string
}

// newLauncher loads the administrator's schemas and every region's settings.
func newLauncher(cfg *config.Config) (*launcher, error) {
	var reg *schema.Registry
	if cfg.Launch.Schemas != "" {
		var err error
		if reg, err = schema.LoadDir(cfg.Launch.Schemas); err != nil {
			return nil, fmt.Errorf("launch.schemas: %w", err)
		}
	}
	planner, err := launch.NewPlanner(reg)
	if err != nil {
		return nil, err
	}
	l := &launcher{planner: planner, charts: map[string]*launch.Chart{}, regions: map[string]*launch.Region{}}
	for i, r := range cfg.Regions {
		settings := &launch.Region{ID: r.ID}
		if r.Settings != "" {
			var err error
			if settings, err = launch.LoadRegion(r.Settings); err != nil {
				return nil, fmt.Errorf("regions[%d].settings: %w", i, err)
			}
		}
		if err := withResources(settings, r.Resources); err != nil {
			return nil, fmt.Errorf("regions[%d].resources: %w", i, err)
		}
		if r.Settings != "" || settings.Services.DefaultConfiguration != nil {
			l.regions[r.ID] = settings
		}
	}
	return l, nil
}

// withResources adds a region's configured resources to its settings' defaultConfiguration;
// a field both set is an error, so that nobody wonders which one launches read.
func withResources(settings *launch.Region, res config.Resources) error {
	if res == (config.Resources{}) {
		return nil
	}
	dc := settings.Services.DefaultConfiguration
	if dc == nil {
		dc = &launch.DefaultConfiguration{}
		settings.Services.DefaultConfiguration = dc
	}
	if dc.Resources == nil {
		dc.Resources = &launch.Resources{}
	}
	for _, f := range []struct {
		key       string
		from      string
		into      *string
		settingOf string
	}{
		{"cpu_request", res.CPURequest, &dc.Resources.CPURequest, "cpuRequest"},
		{"cpu_limit", res.CPULimit, &dc.Resources.CPULimit, "cpuLimit"},
		{"memory_request", res.MemoryRequest, &dc.Resources.MemoryRequest, "memoryRequest"},
		{"memory_limit", res.MemoryLimit, &dc.Resources.MemoryLimit, "memoryLimit"},
	} {
		if f.from == "" {
			continue
		}
		if *f.into != "" {
			return fmt.Errorf("%s is set here and as services.defaultConfiguration.resources.%s in the settings file: keep one", f.key, f.settingOf)
		}
		*f.into = f.from
	}
	return nil
}

var releaseName = regexp.MustCompile(`[^a-z0-9-]+`)

// bindLaunch reads a launch request from the body.
func bindLaunch(c echo.Context) (LaunchRequest, error) {
	var req LaunchRequest
	if err := c.Bind(&req); err != nil {
		return req, err
	}
	return req, nil
}

func (s *Server) prepare(c echo.Context, req LaunchRequest, planValues bool) (*prepared, error) {
	var overrides []link.Override
	if req.Link != "" {
		l, err := link.Parse(strings.TrimPrefix(req.Link, "?"))
		if err != nil {
			return nil, sdk.InvalidFields("invalid launch link", sdk.FieldViolation{Field: "link", Rule: err.Error()})
		}
		overrides = l.Overrides
		if req.Version == "" {
			req.Version = l.Version
		}
		if req.Name == "" {
			req.Name = l.Name
		}
		if l.Shared != nil && !req.Shared {
			req.Shared = *l.Shared
		}
		if req.S3 == "" {
			req.S3 = l.S3
		}
	}
	var missing []sdk.FieldViolation
	if req.Catalog == "" {
		missing = append(missing, sdk.FieldViolation{Field: "catalog", Rule: "is required"})
	}
	if req.Chart == "" {
		missing = append(missing, sdk.FieldViolation{Field: "chart", Rule: "is required"})
	}
	if len(missing) > 0 {
		return nil, sdk.InvalidFields("invalid launch request", missing...)
	}

	sc, err := s.serviceScope(c)
	if errors.Is(err, sdk.ErrUnimplemented) {
		// A region that runs no services still gets forms and plans; only launching needs
		// one. The namespace is then the project's id.
		u, p, perr := s.enter(c, c.Param("project"))
		if perr != nil {
			return nil, perr
		}
		sc, err = serviceScope{user: u, project: p, ns: p.ID}, nil
	}
	if err != nil {
		return nil, err
	}
	// The launch context asks the storage and secrets plugins while the catalog is asked for
	// the chart: a form request waits for the slower of the two, not for their sum.
	var lctx *launch.Context
	var secretsHome string
	lctxErr := make(chan error, 1)
	go func() {
		var err error
		lctx, secretsHome, err = s.launchContext(c, sc, req.S3)
		lctxErr <- err
	}()
	cat, chartResp, err := s.catalogs.CatalogChart(c.Request().Context(), sc.user, sc.project,
		sdk.ChartRef{CatalogID: req.Catalog, Chart: req.Chart, Version: req.Version})
	if cerr := <-lctxErr; err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if req.Shared && (sc.project.Personal() || !cat.AllowSharing) {
		return nil, sdk.InvalidFields("cannot share", sdk.FieldViolation{Field: "shared", Rule: "only in group projects, from catalogs that allow sharing"})
	}
	chart, err := s.launcher.chart(chartResp)
	if err != nil {
		return nil, err
	}
	lr := launch.Request{Chart: chart, Context: lctx, Roles: sc.user.Roles, Overrides: overrides}
	if req.Values != nil {
		lr.Values = []map[string]any{req.Values}
	}
	p := &prepared{scope: sc, catalog: cat, chart: chartResp, request: lr, shared: req.Shared, secretsHome: secretsHome}
	p.name = req.Name
	if p.name == "" {
		p.name = req.Chart
	}
	p.release = strings.Trim(releaseName.ReplaceAllString(strings.ToLower(req.Chart), "-"), "-")
	if len(p.release) > 45 {
		p.release = p.release[:45]
	}
	p.release += "-" + lctx.K8s.RandomSubdomain
	if planValues {
		if p.plan, err = s.launcher.planner.PlanContext(c.Request().Context(), lr); err != nil {
			return p, err
		}
	}
	return p, nil
}

// launchContext gathers what belongs to the user for pre-filling: claims, project, region
// settings, S3 credentials and the secrets token.
func (s *Server) launchContext(c echo.Context, sc serviceScope, s3Profile string) (*launch.Context, string, error) {
	ctx := c.Request().Context()
	r, err := s.region(c)
	if err != nil {
		return nil, "", err
	}
	in := launch.ContextInput{
		User: launch.UserInfo{Username: sc.user.Username, DisplayName: sc.user.Name, Email: sc.user.Email,
			IP: c.RealIP(), Claims: sc.user.Claims, Roles: sc.user.Roles},
		Project:                  launch.ProjectInfo{ID: sc.project.ID, Group: sc.project.Group},
		Region:                   s.launcher.regions[r.ID],
		S3Profile:                s3Profile,
		HidePersonalInfoInGroups: r.HidePersonalInfoInGroups,
	}
	storage, storageErr := s.storage(c)
	secrets, secretsErr := s.secrets(c)
	var credsErr error
	done := make(chan struct{})
	go func() { // the two plugins are asked at once
		defer close(done)
		if storageErr != nil {
			return
		}
		creds, err := storage.Credentials(ctx, sdk.CredentialsRequest{})
		switch {
		case err == nil:
			in.S3Profiles = []launch.S3Profile{{
				Name: "default", URL: creds.Endpoint, Region: creds.Region, PathStyleAccess: creds.PathStyle,
				AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
				WorkingDirectoryPath: strings.TrimSuffix(creds.DefaultBucket+"/"+creds.DefaultPrefix, "/") + "/", Personal: true,
			}}
		case !errors.Is(err, sdk.ErrUnimplemented):
			credsErr = fmt.Errorf("S3 credentials for the launch: %w", err)
		}
	}()
	var groupHome string
	var groupHomeErr error
	groupHomeDone := make(chan struct{})
	go func() { // a group project's secrets home, the Vault directory its services get
		defer close(groupHomeDone)
		if secretsErr != nil || sc.project.Personal() {
			return
		}
		home, err := secrets.Home(ctx, sdk.SecretsHomeRequest{Caller: sc.user.Caller(), Project: sc.project.SDK()})
		switch {
		case err == nil:
			groupHome = strings.Trim(home.Path, "/")
		case !errors.Is(err, sdk.ErrUnimplemented):
			groupHomeErr = fmt.Errorf("the project's secrets home for the launch: %w", err)
		}
	}()
	defer func() { <-groupHomeDone }()
	var settings UserSettings
	var profiles s3profile.Set
	var personalHome string
	personalDone := make(chan struct{})
	go func() { // and, from their own secrets (one home for both), the user's saved settings
		// (git identity, profile) and the S3 profiles they brought themselves
		defer close(personalDone)
		if secretsErr != nil {
			return
		}
		p, err := s.personalSecrets(c, sc.user)
		settingsErr, profilesErr := err, err
		if err == nil {
			personalHome = p.home
			var wg sync.WaitGroup
			wg.Go(func() { profiles, _, profilesErr = readDocument[s3profile.Set](p, s3ProfilesSecret) })
			settings, settingsErr = p.readSettings()
			wg.Wait()
		}
		// A launch needs neither: it goes on without, and says why in the log.
		if settingsErr != nil && !errors.Is(settingsErr, sdk.ErrUnimplemented) {
			s.opts.Log.Warn("launch without the user's settings", "user", sc.user.Username, "error", settingsErr)
		}
		if profilesErr != nil && !errors.Is(profilesErr, sdk.ErrUnimplemented) {
			s.opts.Log.Warn("launch without the user's S3 profiles", "user", sc.user.Username, "error", profilesErr)
		}
	}()
	defer func() { <-personalDone }()
	if secretsErr == nil && userTokenAtPlan(r) {
		tok, err := secrets.Token(ctx, sdk.SecretsTokenRequest{})
		switch {
		case err == nil:
			in.SecretsToken = tok.Token
		case !errors.Is(err, sdk.ErrUnimplemented):
			<-done
			return nil, "", fmt.Errorf("secrets token for the launch: %w", err)
		}
	}
	<-done
	if credsErr != nil {
		return nil, "", credsErr
	}
	<-personalDone
	<-groupHomeDone
	if groupHomeErr != nil {
		return nil, "", groupHomeErr
	}
	in.SecretsHome = groupHome
	if sc.project.Personal() {
		in.SecretsHome = personalHome // found once with the user's settings
	}
	in.Settings = settings.launch()
	// The profile the user chose for their services replaces the region's credentials,
	// unless the launch names one.
	own, chosen := launchProfiles(profiles)
	in.S3Profiles = append(in.S3Profiles, own...)
	if in.S3Profile == "" {
		in.S3Profile = chosen
	}
	return launch.NewContext(in), in.SecretsHome, nil
}

func (s *Server) launchForm(c echo.Context) error {
	p, err := s.prepare(c, LaunchRequest{Catalog: c.QueryParam("catalog"), Chart: c.QueryParam("chart"),
		Version: c.QueryParam("version"), Link: c.QueryParam("link"), S3: c.QueryParam("s3")}, false)
	if err != nil {
		return err
	}
	form, err := s.launcher.planner.FormContext(c.Request().Context(), p.request)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"form": form, "catalog": p.catalog.ID,
		"allowSharing": p.catalog.AllowSharing && !p.scope.project.Personal()})
}

// PlanView is a dry run: the values that would be installed and the equivalent commands.
type PlanView struct {
	Release  string         `json:"release"`
	Chart    string         `json:"chart"`
	Version  string         `json:"version"`
	Values   map[string]any `json:"values"`
	Commands []string       `json:"commands"`
}

func (s *Server) planView(c echo.Context, p *prepared) (PlanView, error) {
	script, err := launch.Commands(launch.CommandInput{CatalogID: p.catalog.ID, RepoURL: withoutUserinfo(p.catalog.Location),
		Release: p.release, Namespace: p.scope.ns, Chart: p.plan.Chart, Version: p.plan.Version, Values: p.plan.Values})
	if err != nil {
		return PlanView{}, err
	}
	return PlanView{Release: p.release, Chart: p.plan.Chart, Version: p.plan.Version, Values: p.plan.Values,
		Commands: []string{script}}, nil
}

func (s *Server) planLaunch(c echo.Context) error {
	req, err := bindLaunch(c)
	if err != nil {
		return err
	}
	p, err := s.prepare(c, req, true)
	if err != nil {
		return err
	}
	view, err := s.planView(c, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, view)
}

// launchService installs a planned launch. It answers 202 as soon as the region has recorded
// the release; progress is followed through the service's status and events.
func (s *Server) launchService(c echo.Context) (err error) {
	start := time.Now()
	defer func() { s.launches.failed(err) }()
	req, err := bindLaunch(c)
	if err != nil {
		return err
	}
	p, err := s.prepare(c, req, true)
	if err != nil {
		return err
	}
	if p.scope.region == nil {
		r, _ := s.region(c)
		return sdk.Errorf(sdk.ErrUnimplemented, "region %q runs no services", r.ID)
	}
	inj, err := s.injectSecret(c, p, req.Secret)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil && inj.undo != nil {
			inj.undo()
		}
	}()
	view, err := s.planView(c, p)
	if err != nil {
		return err
	}
	valuesJSON, err := json.Marshal(p.plan.Values)
	if err != nil {
		return err
	}
	ctx, endInstall := launch.StartInstall(c.Request().Context(), launch.Names{Catalog: p.catalog.ID,
		Chart: p.plan.Chart, Version: p.plan.Version, Project: p.scope.project.ID, Release: p.release})
	defer func() { endInstall(err) }()
	archive, err := s.catalogs.Archive(ctx, p.scope.user, p.scope.project, p.chart.Chart)
	if err != nil {
		return err
	}
	defer archive.Body.Close()
	resp, err := p.scope.region.Install(ctx, sdk.InstallRequest{
		ReleaseName: p.release, Archive: archive.Body, Values: valuesJSON, Timeout: p.catalog.Timeout,
		Metadata: sdk.ReleaseMetadata{Catalog: p.catalog.ID, Chart: p.chart.Chart.Chart, Owner: p.scope.user.Username,
			FriendlyName: p.name, Shared: p.shared, SecretsTokenAccessor: inj.accessor},
		SecretData: inj.secretData,
	})
	if err != nil {
		return err
	}
	s.launches.launched(p.catalog.ID, p.plan.Chart, time.Since(start))
	c.Set(auditTarget, p.release) // the audit event (services.launch) names the new service
	s.opts.Log.Info("service launched", "user", p.scope.user.Username, "project", p.scope.project.ID,
		"catalog", p.catalog.ID, "chart", p.plan.Chart, "version", p.plan.Version, "service", p.release)
	return c.JSON(http.StatusAccepted, map[string]any{
		"service": serviceView(resp.Release, time.Now()), "commands": view.Commands,
	})
}
