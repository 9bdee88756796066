// Package action is the launch pipeline as an application service: one type per verb (Form,
// Plan, Launch), each built from one shared Config and run in a scope.Scope, never from an
// HTTP request, so that the API, the command line and the lifecycle work launch alike.
package action

import (
	"fmt"
	"log/slog"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/catalog"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/sdk"
)

// Config is what every verb shares: the planner with its compiled schemas, the catalogs, the
// regions' settings and the charts already read.
type Config struct {
	Planner  *launch.Planner
	Catalogs *catalog.Service
	Log      *slog.Logger
	// Profile is the declared user profile; nil when the configuration declares none.
	Profile *config.ProfileSchema
	// regions are the regions' settings (Onyxia's region format), by id; a region without
	// any is absent.
	regions map[string]*launch.Region
	// bearerToken: Basalt's API wants a bearer token from clients (oidc mode), which the
	// commands that fetch charts from Basalt send.
	bearerToken bool
	// passwordKey makes the one-time password of a release the form gave (passwords.go).
	passwordKey []byte

	mu     sync.Mutex
	charts map[string]*launch.Chart // by digest, so that the planner's cache hits
}

// NewConfig loads the administrator's schemas and every region's settings.
func NewConfig(cfg *config.Config, catalogs *catalog.Service, log *slog.Logger) (*Config, error) {
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
	c := &Config{Planner: planner, Catalogs: catalogs, Log: log, regions: map[string]*launch.Region{}, charts: map[string]*launch.Chart{},
		bearerToken: cfg.Auth.Mode == "oidc", passwordKey: passwordKey(cfg.Auth.Session.Key)}
	if c.Profile, err = cfg.Profile.Load(); err != nil {
		return nil, err
	}
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
			c.regions[r.ID] = settings
		}
	}
	return c, nil
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

// chart returns the launch view of a chart version, read once per digest.
func (c *Config) chart(resp sdk.GetChartResponse) (*launch.Chart, error) {
	key := resp.Digest
	if key == "" {
		key = resp.Chart.CatalogID + "/" + resp.Chart.Chart + "/" + resp.Chart.Version
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.charts[key]; ok {
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
	c.charts[key] = ch
	return ch, nil
}
