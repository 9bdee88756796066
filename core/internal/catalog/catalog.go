// Package catalog is the core's view of the chart catalogs that catalog plugins serve: which
// catalogs a user may see in a project (visibility, status, claim restrictions), their charts
// in display order, search, and the synthetic "all catalogs" view. It refuses what a user may
// not see with not found, so a restricted catalog is invisible rather than merely hidden.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// AllID is the id of the synthetic catalog that gathers the charts of every PROD catalog.
const AllID = "all"

// StatusProd is the status of catalogs shown as tabs; the others are reached by link only.
const StatusProd = "PROD"

// Source is one catalog plugin instance.
type Source struct {
	Name   string
	Plugin sdk.Catalog
}

// Service answers the catalog questions of the API.
type Service struct {
	sources []Source
	log     *slog.Logger
}

// New returns a service over the catalog plugins.
func New(sources []Source, log *slog.Logger) *Service {
	return &Service{sources: sources, log: log}
}

// Entry is a catalog and the plugin that serves it: what a launch resolves once, then asks
// for the chart and its archive.
type Entry struct {
	Info   sdk.CatalogInfo
	plugin sdk.Catalog
}

// Chart returns what a launch needs of one of the catalog's chart versions (without the
// archive).
func (e Entry) Chart(ctx context.Context, chart, version string) (sdk.GetChartResponse, error) {
	return e.plugin.GetChart(ctx, sdk.GetChartRequest{Chart: sdk.ChartRef{CatalogID: e.Info.ID, Chart: chart, Version: version}})
}

// Versions lists the versions the catalog offers of one of its charts, the newest first.
func (e Entry) Versions(ctx context.Context, chart string) ([]string, error) {
	resp, err := e.plugin.ListCharts(ctx, sdk.ListChartsRequest{CatalogID: e.Info.ID})
	if err != nil {
		return nil, err
	}
	for _, c := range resp.Charts {
		if c.Name == chart {
			out := make([]string, 0, len(c.Versions))
			for _, v := range c.Versions {
				out = append(out, v.Version)
			}
			return out, nil
		}
	}
	return nil, sdk.Errorf(sdk.ErrNotFound, "no chart %q in catalog %q", chart, e.Info.ID)
}

// Archive streams one of the catalog's chart versions, for installation.
func (e Entry) Archive(ctx context.Context, ref sdk.ChartRef) (sdk.GetArchiveResponse, error) {
	ref.CatalogID = e.Info.ID
	return e.plugin.GetArchive(ctx, sdk.GetArchiveRequest{Chart: ref})
}

// all gathers every catalog of every source. A failing source is logged and skipped so that
// the others keep working; a catalog id served twice keeps its first source.
func (s *Service) all(ctx context.Context) ([]Entry, error) {
	var out []Entry
	seen := map[string]string{}
	var errs []error
	for _, src := range s.sources {
		resp, err := src.Plugin.ListCatalogs(ctx, sdk.ListCatalogsRequest{})
		if err != nil {
			s.log.Warn("catalog plugin failed to list its catalogs", "plugin", src.Name, "error", err)
			errs = append(errs, err)
			continue
		}
		for _, c := range resp.Catalogs {
			if c.ID == AllID {
				s.log.Warn("a catalog may not be called all: skipped", "plugin", src.Name)
				continue
			}
			if first, dup := seen[c.ID]; dup {
				s.log.Warn("catalog id served twice: keeping the first", "catalog", c.ID, "first", first, "second", src.Name)
				continue
			}
			seen[c.ID] = src.Name
			out = append(out, Entry{Info: c, plugin: src.Plugin})
		}
	}
	if len(out) == 0 && len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Catalogs lists the catalogs the user may see in the project. Unless withUnlisted, only PROD
// catalogs are listed (TEST and INTERNAL ones are reached by link).
func (s *Service) Catalogs(ctx context.Context, u *identity.User, p identity.Project, withUnlisted bool) ([]sdk.CatalogInfo, error) {
	entries, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []sdk.CatalogInfo
	for _, e := range entries {
		if Allowed(e.Info, u, p) && (withUnlisted || e.Info.Status == StatusProd) {
			out = append(out, e.Info)
		}
	}
	return out, nil
}

// Open returns a catalog the user may use in the project, whatever its status.
func (s *Service) Open(ctx context.Context, u *identity.User, p identity.Project, id string) (Entry, error) {
	entries, err := s.all(ctx)
	if err != nil {
		return Entry{}, err
	}
	for _, e := range entries {
		if e.Info.ID == id && Allowed(e.Info, u, p) {
			return e, nil
		}
	}
	return Entry{}, sdk.Errorf(sdk.ErrNotFound, "no catalog %q", id)
}

// Catalog returns one catalog the user may use.
func (s *Service) Catalog(ctx context.Context, u *identity.User, p identity.Project, id string) (sdk.CatalogInfo, error) {
	e, err := s.Open(ctx, u, p, id)
	return e.Info, err
}

// Chart is a chart with the catalog it belongs to.
type Chart struct {
	Catalog string
	sdk.ChartSummary
}

// Charts lists a catalog's charts matching search: highlighted ones first in their order,
// then by name. For AllID, the charts of every PROD catalog the user may see.
func (s *Service) Charts(ctx context.Context, u *identity.User, p identity.Project, id, search string) ([]Chart, error) {
	var entries []Entry
	if id == AllID {
		all, err := s.all(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if e.Info.Status == StatusProd && Allowed(e.Info, u, p) {
				entries = append(entries, e)
			}
		}
	} else {
		e, err := s.Open(ctx, u, p, id)
		if err != nil {
			return nil, err
		}
		entries = []Entry{e}
	}
	var out []Chart
	for _, e := range entries {
		resp, err := e.plugin.ListCharts(ctx, sdk.ListChartsRequest{CatalogID: e.Info.ID})
		if err != nil {
			if id == AllID {
				s.log.Warn("catalog skipped from the all view", "catalog", e.Info.ID, "error", err)
				continue
			}
			return nil, err
		}
		charts := make([]Chart, 0, len(resp.Charts))
		for _, c := range resp.Charts {
			if matches(c, search) {
				charts = append(charts, Chart{Catalog: e.Info.ID, ChartSummary: c})
			}
		}
		sortCharts(charts, e.Info.Highlighted)
		out = append(out, charts...)
	}
	return out, nil
}

// matches is a case-insensitive search over name, description and keywords.
func matches(c sdk.ChartSummary, search string) bool {
	q := strings.ToLower(strings.TrimSpace(search))
	if q == "" {
		return true
	}
	if strings.Contains(strings.ToLower(c.Name), q) || strings.Contains(strings.ToLower(c.Description), q) {
		return true
	}
	return slices.ContainsFunc(c.Keywords, func(k string) bool { return strings.Contains(strings.ToLower(k), q) })
}

func sortCharts(charts []Chart, highlighted []string) {
	rank := func(name string) int {
		for i, h := range highlighted {
			if strings.EqualFold(h, name) {
				return i
			}
		}
		return len(highlighted)
	}
	slices.SortStableFunc(charts, func(a, b Chart) int {
		if ra, rb := rank(a.Name), rank(b.Name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// ChartVersions returns one chart of a catalog with its versions.
func (s *Service) ChartVersions(ctx context.Context, u *identity.User, p identity.Project, id, chart string) (Chart, error) {
	charts, err := s.Charts(ctx, u, p, id, "")
	if err != nil {
		return Chart{}, err
	}
	for _, c := range charts {
		if c.Name == chart {
			return c, nil
		}
	}
	return Chart{}, sdk.Errorf(sdk.ErrNotFound, "no chart %q in catalog %q", chart, id)
}

// ChartVersion returns what a launch needs of one chart version (without the archive).
func (s *Service) ChartVersion(ctx context.Context, u *identity.User, p identity.Project, ref sdk.ChartRef) (sdk.GetChartResponse, error) {
	e, err := s.Open(ctx, u, p, ref.CatalogID)
	if err != nil {
		return sdk.GetChartResponse{}, err
	}
	return e.Chart(ctx, ref.Chart, ref.Version)
}

// Icon returns the icon of one of a catalog's charts, which its plugin fetched with the
// chart, from a catalog the user may use.
func (s *Service) Icon(ctx context.Context, u *identity.User, p identity.Project, id, chart string) (sdk.GetIconResponse, error) {
	e, err := s.Open(ctx, u, p, id)
	if err != nil {
		return sdk.GetIconResponse{}, err
	}
	return e.plugin.GetIcon(ctx, sdk.GetIconRequest{CatalogID: e.Info.ID, Chart: chart})
}

// Refresh reloads one catalog (or all, id ""), for administrators: it bypasses user filters.
func (s *Service) Refresh(ctx context.Context, id string) ([]sdk.CatalogInfo, error) {
	var out []sdk.CatalogInfo
	found := id == ""
	for _, src := range s.sources {
		if id != "" {
			resp, err := src.Plugin.ListCatalogs(ctx, sdk.ListCatalogsRequest{})
			if err != nil || !slices.ContainsFunc(resp.Catalogs, func(c sdk.CatalogInfo) bool { return c.ID == id }) {
				continue
			}
			found = true
		}
		resp, err := src.Plugin.Refresh(ctx, sdk.RefreshCatalogsRequest{CatalogID: id})
		if err != nil {
			return nil, fmt.Errorf("refreshing through plugin %s: %w", src.Name, err)
		}
		out = append(out, resp.Catalogs...)
	}
	if !found {
		return nil, sdk.Errorf(sdk.ErrNotFound, "no catalog %q", id)
	}
	return out, nil
}

// SourceStatus is what one catalog plugin serves, as administrators see it: every catalog
// whatever its visibility, with its chart count and last refresh, or why the plugin could
// not list them.
type SourceStatus struct {
	Plugin   string
	Catalogs []sdk.CatalogInfo
	Err      error
}

// Status lists every source's catalogs, for administrators: it bypasses user filters.
func (s *Service) Status(ctx context.Context) []SourceStatus {
	out := make([]SourceStatus, 0, len(s.sources))
	for _, src := range s.sources {
		resp, err := src.Plugin.ListCatalogs(ctx, sdk.ListCatalogsRequest{})
		out = append(out, SourceStatus{Plugin: src.Name, Catalogs: resp.Catalogs, Err: err})
	}
	return out
}
