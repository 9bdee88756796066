package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
)

// The data explorer runs SQL in the browser; the server only keeps the user's history of
// queries, as a personal document, never runs them.

func (s *Server) listQueryHistory(c echo.Context) error {
	list, _, err := readPersonal[documents.QueryList](c, documents.QueryHistory)
	if err != nil {
		return err
	}
	list.Queries = httpapi.NonNil(list.Queries)
	httpapi.NoStore(c) // queries may name what the user keeps private
	return c.JSON(http.StatusOK, list)
}

func (s *Server) addQueryHistory(c echo.Context) error {
	var in documents.QueryInput
	if err := httpapi.DecodeStrict(c, &in, "a query {sql}"); err != nil {
		return err
	}
	var kept documents.SavedQuery
	if err := changePersonal(s, c, documents.QueryHistory, false, func(l *documents.QueryList) (err error) {
		kept, err = l.Add(in, time.Now())
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, kept)
}
