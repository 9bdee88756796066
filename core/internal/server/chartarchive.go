package server

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/catalog"
	"github.com/basalt-dev/basalt/core/internal/helmcommands"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// The commands Basalt shows fetch a chart where the user's helm can reach it: its Helm
// repository or OCI registry, or, for a catalog in a directory of Basalt's host, Basalt itself
// at the archive route below (with the same rights as the catalog's other routes).

// chartArchive streams a chart version's archive, as its catalog serves it to launches.
func (s *Server) chartArchive(c echo.Context) error {
	u, p, err := s.project(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	entry, err := s.catalogs.Open(ctx, u, p, c.Param("catalog"))
	if err != nil {
		return err
	}
	// The version as the catalog lists it: an archive is never asked for a version it hides.
	got, err := entry.Chart(ctx, c.Param("chart"), c.Param("version"))
	if err != nil {
		return err
	}
	archive, err := entry.Archive(ctx, got.Chart)
	if err != nil {
		return err
	}
	defer archive.Body.Close()
	c.Response().Header().Set(echo.HeaderContentDisposition,
		fmt.Sprintf("attachment; filename=%q", got.Chart.Chart+"-"+got.Chart.Version+".tgz"))
	return c.Stream(http.StatusOK, "application/gzip", archive.Body)
}

// chartOf is where the caller's helm gets the chart a release runs: its catalog's location,
// or Basalt for a catalog helm cannot reach (or no longer offers to the caller, whose fetch is
// then refused).
func (s *Server) chartOf(c echo.Context, sc *scope.Scope, rel sdk.Release) helmcommands.Chart {
	location := ""
	if info, err := s.catalogs.Catalog(c.Request().Context(), sc.User, sc.Project, rel.Metadata.Catalog); err == nil {
		location = info.Location
	}
	return s.releaseChart(c, rel, location)
}

// releaseChart is the chart a release runs, from its catalog at location.
func (s *Server) releaseChart(c echo.Context, rel sdk.Release, location string) helmcommands.Chart {
	name := rel.Metadata.Chart
	if name == "" {
		name = rel.Chart
	}
	return helmcommands.Chart{Name: name, Version: rel.ChartVersion, Catalog: helmcommands.Catalog{ID: rel.Metadata.Catalog,
		Location: catalog.WithoutUserinfo(location), Basalt: s.publicBase(c), Token: s.opts.Config.Auth.Mode == "oidc"}}
}
