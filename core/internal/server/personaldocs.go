package server

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/documents"
)

// readPersonal returns one of the caller's personal documents and its version; none saved
// yet is the zero value at version 0.
func readPersonal[T any](c echo.Context, name string) (T, int, error) {
	ctx := c.Request().Context()
	home, err := documents.Personal(ctx, scopeOf(c))
	if err != nil {
		var zero T
		return zero, 0, err
	}
	return documents.Read[T](ctx, home, name)
}

// changePersonal changes one of the caller's personal documents (documents.Change). A
// replaced version that stays readable is logged: the change itself is saved.
func changePersonal[T any](s *Server, c echo.Context, name string, forget bool, change func(*T) error) error {
	ctx := c.Request().Context()
	sc := scopeOf(c)
	home, err := documents.Personal(ctx, sc)
	if err != nil {
		return err
	}
	err = documents.Change(ctx, home, name, forget, change)
	if errors.Is(err, documents.ErrHistoryKept) {
		s.opts.Log.Warn("the previous version of a personal document stays readable", "user", sc.User.Username, "document", name, "error", err)
		return nil
	}
	return err
}
