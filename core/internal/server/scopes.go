package server

import (
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// The request's scope is resolved once, by the middleware of its route group, and read by
// its handlers with scopeOf: who, in which project (the path's, or the personal one for
// /me), in which region (?region=, or the default one), and what the group needs of them.

// inScope resolves the caller in the path's project (the personal one where the path names
// none) and the region of ?region=, and puts the scope in the request's context.
func (s *Server) inScope(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, err := currentUser(c)
		if err != nil {
			return err
		}
		sc, err := s.scopes.Resolve(u, c.Param("project"), c.QueryParam("region"))
		if err != nil {
			return err
		}
		r := c.Request()
		c.SetRequest(r.WithContext(sc.Context(scope.With(r.Context(), sc))))
		return next(c)
	}
}

// scopeOf is the request's scope, which inScope resolved.
func scopeOf(c echo.Context) *scope.Scope {
	sc := scope.From(c.Request().Context())
	if sc == nil {
		panic("route " + c.Path() + " has no scope: register it in a group with inScope")
	}
	return sc
}

// withNamespace onboards the project in a region that runs services, for the services
// routes; elsewhere they do not exist.
func (s *Server) withNamespace(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := s.scopes.Onboard(c.Request().Context(), scopeOf(c)); err != nil {
			return err
		}
		return next(c)
	}
}

// withNamespaceIfAny is withNamespace for launches, forms and plans, which a region that runs
// no services still takes: their namespace is then the project's id.
func (s *Server) withNamespaceIfAny(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := s.scopes.Onboard(c.Request().Context(), scopeOf(c))
		if err != nil && !errors.Is(err, sdk.ErrUnimplemented) {
			return err
		}
		return next(c)
	}
}

// withNamespaceToPlan is withNamespaceIfAny for launch forms and plans, which a region whose
// cluster does not answer gives too (make run's sandbox while it is built): a form needs no
// cluster, its namespace is then the project's id, and a launch says why it cannot run.
func (s *Server) withNamespaceToPlan(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sc := scopeOf(c)
		err := s.scopes.Onboard(c.Request().Context(), sc)
		switch {
		case errors.Is(err, sdk.ErrUnavailable):
			sc.Namespace = sc.Project.ID
		case err != nil && !errors.Is(err, sdk.ErrUnimplemented):
			return err
		}
		return next(c)
	}
}

// withStorageHome finds where the project's files live (one call to the storage plugin per
// request), for the files routes.
func (s *Server) withStorageHome(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sc := scopeOf(c)
		store, err := sc.Storage()
		if err != nil {
			return err
		}
		home, err := store.Home(c.Request().Context(), sdk.HomeRequest{Caller: sc.User.Caller(), Project: sc.Project.SDK()})
		if err != nil {
			return err
		}
		sc.StorageHome = home.Home
		return next(c)
	}
}

// withSecretsHome finds the project's top folder in the secrets store (one call to the
// secrets plugin per request), for the secrets and saved configurations routes.
func (s *Server) withSecretsHome(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sc := scopeOf(c)
		store, err := sc.Secrets()
		if err != nil {
			return err
		}
		home, err := store.Home(c.Request().Context(), sdk.SecretsHomeRequest{Caller: sc.User.Caller(), Project: sc.Project.SDK()})
		if err != nil {
			return err
		}
		sc.SecretsHome = strings.Trim(home.Path, "/")
		return next(c)
	}
}
