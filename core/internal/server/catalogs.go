package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/catalog"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/charticon"
)

// CatalogView is a catalog as the API shows it.
type CatalogView struct {
	ID           string              `json:"id"`
	Name         sdk.LocalizedString `json:"name"`
	Description  sdk.LocalizedString `json:"description,omitempty"`
	Location     string              `json:"location"`
	Status       string              `json:"status"`
	Highlighted  []string            `json:"highlightedCharts"`
	AllowSharing bool                `json:"allowSharing"`
	ChartCount   int                 `json:"chartCount"`
	LastRefresh  *time.Time          `json:"lastRefresh,omitempty"`
	Error        string              `json:"error,omitempty"`
}

func catalogView(c sdk.CatalogInfo) CatalogView {
	v := CatalogView{
		ID: c.ID, Name: c.Name, Description: c.Description, Location: catalog.WithoutUserinfo(c.Location),
		Status: c.Status, Highlighted: httpapi.NonNil(c.Highlighted), AllowSharing: c.AllowSharing,
		ChartCount: c.ChartCount, Error: c.Error,
	}
	v.LastRefresh = httpapi.TimeOrNil(c.LastRefresh)
	return v
}

// VersionView is one version of a chart.
type VersionView struct {
	Version    string     `json:"version"`
	AppVersion string     `json:"appVersion,omitempty"`
	Created    *time.Time `json:"created,omitempty"`
	Deprecated bool       `json:"deprecated,omitempty"`
}

// ChartView is a chart with its versions, newest first. Its icon is served by Basalt, at
// .../charts/{chart}/icon?v=<IconDigest>; the address the chart names is never given out, so
// that no page loads it from another site.
type ChartView struct {
	Catalog     string            `json:"catalog"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	IconDigest  string            `json:"iconDigest,omitempty"`
	Home        string            `json:"home,omitempty"`
	Keywords    []string          `json:"keywords"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Versions    []VersionView     `json:"versions"`
	Error       string            `json:"error,omitempty"`
}

func chartView(c catalog.Chart) ChartView {
	v := ChartView{
		Catalog: c.Catalog, Name: c.Name, Description: c.Description, IconDigest: c.IconDigest, Home: c.Home,
		Keywords: httpapi.NonNil(c.Keywords), Annotations: c.Annotations, Versions: []VersionView{}, Error: c.Error,
	}
	for _, cv := range c.Versions {
		v.Versions = append(v.Versions, VersionView{Version: cv.Version, AppVersion: cv.AppVersion, Deprecated: cv.Deprecated, Created: httpapi.TimeOrNil(cv.Created)})
	}
	return v
}

// ChartVersionView is what the launcher needs of one chart version.
type ChartVersionView struct {
	Catalog      string           `json:"catalog"`
	Chart        string           `json:"chart"`
	Version      string           `json:"version"`
	Description  string           `json:"description,omitempty"`
	IconDigest   string           `json:"iconDigest,omitempty"`
	Readme       string           `json:"readme"`
	Values       string           `json:"values"`
	Schema       json.RawMessage  `json:"schema"`
	Dependencies []DependencyView `json:"dependencies"`
	Digest       string           `json:"digest,omitempty"`
}

// DependencyView is one dependency of a chart.
type DependencyView struct {
	Name       string `json:"name"`
	Version    string `json:"version"`
	Repository string `json:"repository,omitempty"`
	Condition  string `json:"condition,omitempty"`
	Alias      string `json:"alias,omitempty"`
}

// project resolves the ?project= of a request among the caller's projects (the personal one
// by default); another's project is not found.
func (s *Server) project(c echo.Context) (*identity.User, identity.Project, error) {
	return s.enter(c, c.QueryParam("project"))
}

// CatalogList is the catalogs a caller may launch from.
type CatalogList struct {
	Catalogs []CatalogView `json:"catalogs"`
}

// ChartList is the charts of one catalog.
type ChartList struct {
	Charts []ChartView `json:"charts"`
}

func (s *Server) listCatalogs(c echo.Context) error {
	u, p, err := s.project(c)
	if err != nil {
		return err
	}
	cats, err := s.catalogs.Catalogs(c.Request().Context(), u, p, false)
	if err != nil {
		return err
	}
	out := make([]CatalogView, len(cats))
	for i, cat := range cats {
		out[i] = catalogView(cat)
	}
	return c.JSON(http.StatusOK, CatalogList{Catalogs: out})
}

func (s *Server) getCatalog(c echo.Context) error {
	u, p, err := s.project(c)
	if err != nil {
		return err
	}
	cat, err := s.catalogs.Catalog(c.Request().Context(), u, p, c.Param("catalog"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, catalogView(cat))
}

func (s *Server) listCharts(c echo.Context) error {
	u, p, err := s.project(c)
	if err != nil {
		return err
	}
	charts, err := s.catalogs.Charts(c.Request().Context(), u, p, c.Param("catalog"), c.QueryParam("search"))
	if err != nil {
		return err
	}
	out := make([]ChartView, len(charts))
	for i, ch := range charts {
		out[i] = chartView(ch)
	}
	return c.JSON(http.StatusOK, ChartList{Charts: out})
}

func (s *Server) getChart(c echo.Context) error {
	u, p, err := s.project(c)
	if err != nil {
		return err
	}
	ch, err := s.catalogs.ChartVersions(c.Request().Context(), u, p, c.Param("catalog"), c.Param("chart"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, chartView(ch))
}

func (s *Server) getChartVersion(c echo.Context) error {
	u, p, err := s.project(c)
	if err != nil {
		return err
	}
	ref := sdk.ChartRef{CatalogID: c.Param("catalog"), Chart: c.Param("chart"), Version: c.Param("version")}
	resp, err := s.catalogs.ChartVersion(c.Request().Context(), u, p, ref)
	if err != nil {
		return err
	}
	schema := json.RawMessage("null")
	if len(resp.ValuesSchema) > 0 && json.Valid(resp.ValuesSchema) {
		schema = resp.ValuesSchema
	}
	deps := make([]DependencyView, len(resp.Dependencies))
	for i, d := range resp.Dependencies {
		deps[i] = DependencyView{Name: d.Name, Version: d.Version, Repository: d.Repository, Condition: d.Condition, Alias: d.Alias}
	}
	return c.JSON(http.StatusOK, ChartVersionView{
		Catalog: resp.Chart.CatalogID, Chart: resp.Chart.Chart, Version: resp.Chart.Version,
		Description: resp.Summary.Description, IconDigest: resp.Summary.IconDigest,
		Readme: string(resp.Readme), Values: string(resp.ValuesYAML), Schema: schema,
		Dependencies: deps, Digest: resp.Digest,
	})
}

// iconPolicy keeps an icon opened by its address inert: nothing in it runs or loads, whatever
// the plugin's checks missed.
const iconPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

// getChartIcon serves a chart's icon from Basalt: the catalog plugin fetched it with the chart.
// Its address names the icon's digest (?v=), so that a browser keeps it for good; an address
// with another digest (an icon since replaced) gets the current icon, kept only until checked.
func (s *Server) getChartIcon(c echo.Context) error {
	u, p, err := s.project(c)
	if err != nil {
		return err
	}
	icon, err := s.catalogs.Icon(c.Request().Context(), u, p, c.Param("catalog"), c.Param("chart"))
	if err != nil {
		return err
	}
	// A third party's plugin is held to what Basalt's own serve.
	kind, err := charticon.Check(icon.Data, icon.ContentType)
	if err != nil || charticon.Digest(icon.Data) != icon.Digest {
		s.opts.Log.Warn("catalog plugin served an icon Basalt refuses", "catalog", c.Param("catalog"), "chart", c.Param("chart"), "error", err)
		return sdk.Errorf(sdk.ErrNotFound, "chart %q has no icon", c.Param("chart"))
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", iconPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+icon.Digest+`"`)
	// private: which catalogs a user sees depends on who they are.
	if c.QueryParam("v") == icon.Digest {
		h.Set("Cache-Control", "private, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	if c.Request().Header.Get("If-None-Match") == h.Get("ETag") {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, kind, icon.Data)
}

// RefreshRequest names the catalog to refresh; empty refreshes all.
type RefreshRequest struct {
	Catalog string `json:"catalog"`
}

func (s *Server) refreshCatalogs(c echo.Context) error {
	if _, _, err := s.enter(c, ""); err != nil {
		return err
	}
	var req RefreshRequest
	if c.Request().ContentLength > 0 {
		if err := c.Bind(&req); err != nil {
			return err
		}
	}
	cats, err := s.catalogs.Refresh(c.Request().Context(), req.Catalog)
	if err != nil {
		return err
	}
	out := make([]CatalogView, len(cats))
	for i, cat := range cats {
		out[i] = catalogView(cat)
	}
	return c.JSON(http.StatusOK, CatalogList{Catalogs: out})
}
