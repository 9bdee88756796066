package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/sdk"
)

// Basalt keeps its own data in a reserved folder of each project's secrets, so that its core
// needs no database.
const (
	basaltFolder  = ".basalt"
	configsFolder = basaltFolder + "/configurations"
)

var configName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$`)

// SavedConfiguration is a launch saved to be restored later.
type SavedConfiguration struct {
	Name   string         `json:"name"`
	Launch LaunchRequest  `json:"launch"`
	Extra  map[string]any `json:"extra,omitempty"` // the portal's own fields, kept as given
}

// ConfigurationList is the caller's saved configurations, by name.
type ConfigurationList struct {
	Configurations []SavedConfiguration `json:"configurations"`
}

func (s *Server) listConfigurations(c echo.Context) error {
	sc, err := s.secretScope(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	resp, err := sc.store.List(ctx, sdk.ListSecretsRequest{Path: sc.home + "/" + configsFolder})
	if errors.Is(err, sdk.ErrNotFound) {
		return c.JSON(http.StatusOK, ConfigurationList{Configurations: []SavedConfiguration{}})
	}
	if err != nil {
		return err
	}
	out := []SavedConfiguration{}
	for _, e := range resp.Entries {
		if e.Folder {
			continue
		}
		cfg, err := s.readConfiguration(c, sc, e.Name)
		if err != nil {
			continue // deleted meanwhile, or not one of ours
		}
		out = append(out, cfg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return c.JSON(http.StatusOK, ConfigurationList{Configurations: out})
}

func (s *Server) readConfiguration(c echo.Context, sc secretScope, name string) (SavedConfiguration, error) {
	resp, err := sc.store.Read(c.Request().Context(), sdk.ReadSecretRequest{Path: sc.home + "/" + configsFolder + "/" + name})
	if err != nil {
		return SavedConfiguration{}, err
	}
	var cfg SavedConfiguration
	if err := json.Unmarshal([]byte(resp.Data["configuration"]), &cfg); err != nil {
		return SavedConfiguration{}, sdk.Errorf(sdk.ErrNotFound, "no saved configuration %q", name)
	}
	cfg.Name = name
	return cfg, nil
}

func (s *Server) getConfiguration(c echo.Context) error {
	sc, err := s.secretScope(c)
	if err != nil {
		return err
	}
	cfg, err := s.readConfiguration(c, sc, c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cfg)
}

func (s *Server) saveConfiguration(c echo.Context) error {
	sc, err := s.secretScope(c)
	if err != nil {
		return err
	}
	name := c.Param("name")
	if !configName.MatchString(name) {
		return sdk.InvalidFields("cannot save", sdk.FieldViolation{Field: "name", Rule: "1 to 63 letters, digits, spaces, dots, dashes or underscores"})
	}
	var cfg SavedConfiguration
	if err := c.Bind(&cfg); err != nil {
		return err
	}
	if cfg.Launch.Catalog == "" || cfg.Launch.Chart == "" {
		return sdk.InvalidFields("cannot save", sdk.FieldViolation{Field: "launch", Rule: "must name a catalog and a chart"})
	}
	cfg.Name = name
	raw, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if _, err := sc.store.Write(c.Request().Context(), sdk.WriteSecretRequest{
		Path: sc.home + "/" + configsFolder + "/" + name, Data: map[string]string{"configuration": string(raw)},
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cfg)
}

func (s *Server) deleteConfiguration(c echo.Context) error {
	sc, err := s.secretScope(c)
	if err != nil {
		return err
	}
	name := c.Param("name")
	if _, err := s.readConfiguration(c, sc, name); err != nil {
		return err
	}
	if _, err := sc.store.Delete(c.Request().Context(), sdk.DeleteSecretRequest{Path: sc.home + "/" + configsFolder + "/" + name, All: true}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
