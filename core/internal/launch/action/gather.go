package action

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/apitoken"
	"github.com/basalt-dev/basalt/core/internal/catalog"
	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/s3profile"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// gathered is a launch request with everything its verbs need, found once: the catalog, the
// chart, the launch context and the service's names.
type gathered struct {
	scope     *scope.Scope
	req       Request // with the link's fixed parameters applied
	catalog   catalog.Entry
	chartResp sdk.GetChartResponse
	request   launch.Request
	release   string
	name      string
	// secretsHome is the project's secrets home as the secrets plugin reported it for the
	// launch context; "" when it was not asked.
	secretsHome string
}

// gather reads the request and finds its catalog and chart while the launch context is
// gathered from the storage and secrets plugins: a form waits for the slower of the two,
// not for their sum.
func (c *Config) gather(ctx context.Context, sc *scope.Scope, req Request) (*gathered, error) {
	req, overrides, err := req.withLink()
	if err != nil {
		return nil, err
	}
	ctx = sc.Context(ctx)
	g := &gathered{scope: sc, req: req}
	var lctx *launch.Context
	var lctxErr error
	var wg sync.WaitGroup
	wg.Go(func() { lctx, g.secretsHome, lctxErr = c.launchContext(ctx, sc, req) })
	g.catalog, err = c.Catalogs.Open(ctx, sc.User, sc.Project, req.Catalog)
	if err == nil {
		g.chartResp, err = g.catalog.Chart(ctx, req.Chart, req.Version)
	}
	wg.Wait()
	if err == nil {
		err = lctxErr
	}
	if err != nil {
		return nil, err
	}
	if req.Shared && (sc.Project.Personal() || !g.catalog.Info.AllowSharing) {
		return nil, sdk.InvalidFields("cannot share", sdk.FieldViolation{Field: "shared", Rule: "only in group projects, from catalogs that allow sharing"})
	}
	chart, err := c.chart(g.chartResp)
	if err != nil {
		return nil, err
	}
	g.request = launch.Request{Chart: chart, Context: lctx, Roles: sc.User.Roles, Overrides: overrides}
	if req.Values != nil {
		g.request.Values = []map[string]any{req.Values}
	}
	g.name = req.Name
	if g.name == "" {
		g.name = req.Chart
	}
	g.release = releaseName(req.Chart, lctx.K8s.RandomSubdomain)
	return g, nil
}

// userTokenAtPlan reports whether the region puts the user's own token in every launch
// context, as Onyxia does; the other modes make a token, or none, only at launch.
func userTokenAtPlan(r config.Region) bool {
	return r.SecretInjection == config.SecretInjectionUserToken
}

// launchContext gathers what belongs to the user for pre-filling: claims, project, region
// settings, S3 credentials, the secrets token, and the settings and S3 profiles the user
// saved. It also returns the project's secrets home when it found it.
func (c *Config) launchContext(ctx context.Context, sc *scope.Scope, req Request) (*launch.Context, string, error) {
	r := sc.Region
	in := launch.ContextInput{
		User: launch.UserInfo{Username: sc.User.Username, DisplayName: sc.User.Name, Email: sc.User.Email,
			IP: req.ClientIP, Claims: sc.User.Claims, Roles: sc.User.Roles},
		Project:                  launch.ProjectInfo{ID: sc.Project.ID, Group: sc.Project.Group},
		Region:                   c.regions[r.ID],
		S3Profile:                req.S3,
		HidePersonalInfoInGroups: r.HidePersonalInfoInGroups,
	}
	// The release is named here, so that its one-time password is made from it: a release the
	// form gave (withLink checked it) keeps its subdomain and the password its form showed.
	if in.RandomSubdomain, _ = req.subdomain(); in.RandomSubdomain == "" {
		in.RandomSubdomain = drawSubdomain()
	}
	in.OneTimePassword = c.oneTimePassword(sc.User.Username, sc.Project.ID, releaseName(req.Chart, in.RandomSubdomain))
	storage, storageErr := sc.Storage()
	secrets, secretsErr := sc.Secrets()
	var wg sync.WaitGroup
	var credsErr, groupHomeErr, tokenErr error
	var groupHome string
	if storageErr == nil {
		wg.Go(func() {
			creds, err := storage.Credentials(ctx, sdk.CredentialsRequest{})
			switch {
			case err == nil:
				in.S3Profiles = []launch.S3Profile{{
					Name: "default", URL: creds.Endpoint, Region: creds.Region, PathStyleAccess: creds.PathStyle,
					AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
					WorkingDirectoryPath: strings.TrimSuffix(creds.DefaultBucket+"/"+creds.DefaultPrefix, "/") + "/", Personal: true,
				}}
			case !errors.Is(err, sdk.ErrUnimplemented) && !errors.Is(err, apitoken.ErrProviderOnly): // a script's token reaches no STS
				credsErr = fmt.Errorf("S3 credentials for the launch: %w", err)
			}
		})
	}
	var settings documents.Settings
	var profiles s3profile.Set
	var saved UserProfile
	var personalHome string
	if secretsErr == nil {
		if !sc.Project.Personal() {
			wg.Go(func() { // a group project's secrets home, the Vault directory its services get
				home, err := secrets.Home(ctx, sdk.SecretsHomeRequest{Caller: sc.User.Caller(), Project: sc.Project.SDK()})
				switch {
				case err == nil:
					groupHome = strings.Trim(home.Path, "/")
				case !errors.Is(err, sdk.ErrUnimplemented):
					groupHomeErr = fmt.Errorf("the project's secrets home for the launch: %w", err)
				}
			})
		}
		wg.Go(func() { personalHome, settings, profiles, saved = c.personal(ctx, sc) })
		if userTokenAtPlan(r) {
			wg.Go(func() {
				tok, err := secrets.Token(ctx, sdk.SecretsTokenRequest{})
				switch {
				case err == nil:
					in.SecretsToken = tok.Token
				case !errors.Is(err, sdk.ErrUnimplemented) && !errors.Is(err, apitoken.ErrProviderOnly):
					tokenErr = fmt.Errorf("secrets token for the launch: %w", err)
				}
			})
		}
	}
	wg.Wait()
	if err := cmp.Or(tokenErr, credsErr, groupHomeErr); err != nil {
		return nil, "", err
	}
	in.SecretsHome = groupHome
	if sc.Project.Personal() {
		in.SecretsHome = personalHome // found once with the user's settings
	}
	in.Settings = settings.Launch()
	var err error
	if in.Settings.Profile, err = c.launchProfile(in.Settings.Profile, saved, req.ProfileOptOut); err != nil {
		return nil, "", err
	}
	// The profile the user chose for their services replaces the region's credentials,
	// unless the launch names one.
	own, chosen := launchProfiles(profiles)
	in.S3Profiles = append(in.S3Profiles, own...)
	if in.S3Profile == "" {
		in.S3Profile = chosen
	}
	return launch.NewContext(in), in.SecretsHome, nil
}

// personal reads the user's saved settings (git identity, profile), the S3 profiles they
// brought themselves and their answers to the profile form, from their personal home (one
// home for all). A launch needs none: it goes on without, and says why in the log.
func (c *Config) personal(ctx context.Context, sc *scope.Scope) (home string, settings documents.Settings, profiles s3profile.Set, saved UserProfile) {
	h, err := documents.Personal(ctx, sc)
	settingsErr, profilesErr, savedErr := err, err, error(nil)
	if err == nil {
		home = h.Path()
		var wg sync.WaitGroup
		wg.Go(func() { profiles, _, profilesErr = documents.Read[s3profile.Set](ctx, h, documents.S3Profiles) })
		if c.Profile != nil {
			wg.Go(func() { saved, _, savedErr = documents.Read[UserProfile](ctx, h, ProfileDocument) })
		}
		settings, settingsErr = h.Settings(ctx)
		wg.Wait()
	}
	if settingsErr != nil && !errors.Is(settingsErr, sdk.ErrUnimplemented) {
		c.Log.Warn("launch without the user's settings", "user", sc.User.Username, "error", settingsErr)
	}
	if profilesErr != nil && !errors.Is(profilesErr, sdk.ErrUnimplemented) {
		c.Log.Warn("launch without the user's S3 profiles", "user", sc.User.Username, "error", profilesErr)
	}
	if savedErr != nil && !errors.Is(savedErr, sdk.ErrUnimplemented) {
		c.Log.Warn("launch with the profile's defaults only", "user", sc.User.Username, "error", savedErr)
	}
	return home, settings, profiles, saved
}

// launchProfiles are the user's profiles as a launch context takes them, and the one they
// chose for their services ("" when none).
func launchProfiles(set s3profile.Set) ([]launch.S3Profile, string) {
	var out []launch.S3Profile
	for _, p := range set.Profiles {
		out = append(out, launch.S3Profile{Name: p.Name, URL: p.URL, Region: p.Region, PathStyleAccess: p.PathStyleAccess,
			AccessKeyID: p.AccessKeyID, SecretAccessKey: p.SecretAccessKey, SessionToken: p.SessionToken, Personal: true})
	}
	chosen, _ := set.ForServices()
	return out, chosen.Name
}
