package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/sdk"
)

// clusterTimeout bounds each region's answer: a cluster that does not answer shows as an
// error, not as a page that never loads.
const clusterTimeout = 5 * time.Second

// PlatformHealth is the instance as this replica sees it: its plugins with what it measured
// of their calls since it started, every catalog, and the regions with their clusters.
type PlatformHealth struct {
	Replica       string          `json:"replica"`
	MeasuredSince time.Time       `json:"measuredSince"`
	Plugins       []PluginHealth  `json:"plugins"`
	Catalogs      []CatalogHealth `json:"catalogs"`
	Regions       []RegionHealth  `json:"regions"`
}

// PluginHealth is one plugin instance: its process and its calls from this replica.
type PluginHealth struct {
	Name          string `json:"name"`
	Kind          string `json:"kind"`
	Running       bool   `json:"running"`
	PID           int    `json:"pid,omitempty"`
	Plugin        string `json:"plugin,omitempty"`
	Version       string `json:"version,omitempty"`
	UptimeSeconds int64  `json:"uptimeSeconds,omitempty"`
	Restarts      int    `json:"restarts"`
	LastError     string `json:"lastError,omitempty"`
	Calls         int64  `json:"calls"`
	Errors        int64  `json:"errors"`
	// The call time's median and 99th percentile, absent before the first call.
	P50Milliseconds *float64 `json:"p50Milliseconds,omitempty"`
	P99Milliseconds *float64 `json:"p99Milliseconds,omitempty"`
}

// CatalogHealth is one catalog of a catalog plugin, or the plugin's failure to list them.
type CatalogHealth struct {
	Plugin  string       `json:"plugin"`
	Catalog *CatalogView `json:"catalog,omitempty"`
	Error   string       `json:"error,omitempty"`
}

// RegionHealth is one region, its plugins and, when its region plugin can tell, its cluster.
type RegionHealth struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Plugin         string `json:"plugin,omitempty"`
	Storage        string `json:"storage,omitempty"`
	Secrets        string `json:"secrets,omitempty"`
	Platform       string `json:"platform,omitempty"`
	ClusterVersion string `json:"clusterVersion,omitempty"`
	Error          string `json:"error,omitempty"`
}

func (s *Server) platformHealth(c echo.Context) error {
	if err := s.requirePlatform(c, authz.ObjPlugins, authz.ActRead); err != nil {
		return err
	}
	// The catalogs and clusters are read through the authorizer, as the administrator.
	if _, _, err := s.enter(c, ""); err != nil {
		return err
	}
	ctx := c.Request().Context()
	replica, _ := os.Hostname()
	out := PlatformHealth{Replica: replica, MeasuredSince: s.opts.Plugins.Since().UTC(),
		Plugins: []PluginHealth{}, Catalogs: []CatalogHealth{}, Regions: s.regionsHealth(ctx)}
	for _, inst := range s.opts.Plugins.Instances() {
		out.Plugins = append(out.Plugins, pluginHealth(inst))
	}
	for _, src := range s.catalogs.Status(ctx) {
		if src.Err != nil {
			out.Catalogs = append(out.Catalogs, CatalogHealth{Plugin: src.Plugin, Error: src.Err.Error()})
		}
		for _, cat := range src.Catalogs {
			v := catalogView(cat)
			out.Catalogs = append(out.Catalogs, CatalogHealth{Plugin: src.Plugin, Catalog: &v})
		}
	}
	return c.JSON(http.StatusOK, out)
}

func pluginHealth(inst *pluginhost.Instance) PluginHealth {
	st, calls := inst.Status(), inst.Calls()
	h := PluginHealth{Name: st.Name, Kind: string(st.Kind), Running: st.Running, PID: st.PID, Plugin: st.Plugin, Version: st.Version,
		Restarts: st.Restarts, LastError: st.Error, Calls: int64(calls.Calls), Errors: int64(calls.Errors)}
	if started := inst.Started(); st.Running && !started.IsZero() {
		h.UptimeSeconds = int64(time.Since(started) / time.Second)
	}
	if calls.Calls > 0 {
		p50, p99 := milliseconds(calls.P50), milliseconds(calls.P99)
		h.P50Milliseconds, h.P99Milliseconds = &p50, &p99
	}
	return h
}

func milliseconds(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// regionsHealth asks every region's plugin for its cluster at once.
func (s *Server) regionsHealth(ctx context.Context) []RegionHealth {
	regions := s.opts.Config.Regions
	out := make([]RegionHealth, len(regions))
	var wg sync.WaitGroup
	for i, r := range regions {
		out[i] = RegionHealth{ID: r.ID, Name: r.Name, Plugin: r.Region, Storage: r.Storage, Secrets: r.Secrets}
		if r.Region == "" {
			continue
		}
		wg.Go(func() {
			platform, version, err := s.clusterOf(ctx, r.Region)
			out[i].Platform, out[i].ClusterVersion = platform, version
			if err != nil && !errors.Is(err, sdk.ErrUnimplemented) {
				out[i].Error = err.Error()
			}
		})
	}
	wg.Wait()
	return out
}

func (s *Server) clusterOf(ctx context.Context, plugin string) (platform, version string, err error) {
	region, err := s.opts.Plugins.Region(plugin)
	if err != nil {
		return "", "", err
	}
	ctx, cancel := context.WithTimeout(ctx, clusterTimeout)
	defer cancel()
	resp, err := s.opts.Authz.Region(region).Cluster(ctx, sdk.ClusterRequest{})
	return resp.Platform, resp.Version, err
}
