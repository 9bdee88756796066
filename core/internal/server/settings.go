package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
)

func (s *Server) getSettings(c echo.Context) error {
	ctx := c.Request().Context()
	home, err := documents.Personal(ctx, scopeOf(c))
	if err != nil {
		return err
	}
	settings, err := home.Settings(ctx)
	if err != nil {
		return err
	}
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, settings)
}

func (s *Server) putSettings(c echo.Context) error {
	var in documents.Settings
	if err := httpapi.DecodeStrict(c, &in, "the settings object"); err != nil {
		return err
	}
	ctx := c.Request().Context()
	home, err := documents.Personal(ctx, scopeOf(c))
	if err != nil {
		return err
	}
	saved, err := home.SaveSettings(ctx, in)
	if err != nil {
		return err
	}
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, saved)
}
