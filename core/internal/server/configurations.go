package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/sdk"
)

// SavedConfiguration is a launch saved to be restored later.
type SavedConfiguration struct {
	Name   string         `json:"name"`
	Launch action.Request `json:"launch"`
	Extra  map[string]any `json:"extra,omitempty"` // the portal's own fields, kept as given
}

// ConfigurationList is the caller's saved configurations, by name.
type ConfigurationList struct {
	Configurations []SavedConfiguration `json:"configurations"`
}

func (s *Server) listConfigurations(c echo.Context) error {
	ctx := c.Request().Context()
	home, err := documents.Project(ctx, scopeOf(c))
	if err != nil {
		return err
	}
	names, err := home.ConfigurationNames(ctx)
	if err != nil {
		return err
	}
	out := []SavedConfiguration{}
	for _, name := range names {
		cfg, err := readConfiguration(c, home, name)
		if err != nil {
			continue // deleted meanwhile, or not one of ours
		}
		out = append(out, cfg)
	}
	return c.JSON(http.StatusOK, ConfigurationList{Configurations: out})
}

func readConfiguration(c echo.Context, home *documents.Home, name string) (SavedConfiguration, error) {
	var cfg SavedConfiguration
	if err := home.Configuration(c.Request().Context(), name, &cfg); err != nil {
		return SavedConfiguration{}, err
	}
	cfg.Name = name
	return cfg, nil
}

func (s *Server) getConfiguration(c echo.Context) error {
	home, err := documents.Project(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	cfg, err := readConfiguration(c, home, c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cfg)
}

func (s *Server) saveConfiguration(c echo.Context) error {
	name := c.Param("name")
	if err := documents.CheckConfigurationName(name); err != nil {
		return err
	}
	var cfg SavedConfiguration
	if err := c.Bind(&cfg); err != nil {
		return err
	}
	if cfg.Launch.Catalog == "" || cfg.Launch.Chart == "" {
		return sdk.InvalidFields("cannot save", sdk.FieldViolation{Field: "launch", Rule: "must name a catalog and a chart"})
	}
	cfg.Name = name
	home, err := documents.Project(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	if err := home.SaveConfiguration(c.Request().Context(), name, cfg); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cfg)
}

func (s *Server) deleteConfiguration(c echo.Context) error {
	home, err := documents.Project(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	if err := home.DeleteConfiguration(c.Request().Context(), c.Param("name")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
