package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/bookmark"
	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/sdk"
)

// The user's bookmarks of storage folders follow them from browser to browser: they are a
// personal document of their reserved folder.

func (s *Server) listBookmarks(c echo.Context) error {
	list, _, err := readPersonal[bookmark.List](c, documents.Bookmarks)
	if err != nil {
		return err
	}
	if list.Bookmarks == nil {
		list.Bookmarks = []bookmark.Bookmark{}
	}
	return c.JSON(http.StatusOK, list)
}

func (s *Server) addBookmark(c echo.Context) error {
	var in bookmark.Bookmark
	if err := httpapi.DecodeStrict(c, &in, "a bookmark {name, path}"); err != nil {
		return err
	}
	var added bookmark.Bookmark
	if err := changePersonal(s, c, documents.Bookmarks, false, func(l *bookmark.List) (err error) {
		added, err = l.Add(in)
		return err
	}); err != nil {
		return err
	}
	c.Set(auditTarget, added.Path)
	return c.JSON(http.StatusCreated, added)
}

func (s *Server) removeBookmark(c echo.Context) error {
	path := c.QueryParam("path")
	if path == "" {
		return sdk.InvalidFields("no bookmark named", sdk.FieldViolation{Field: "path", Rule: "is required: the bookmarked folder"})
	}
	c.Set(auditTarget, path)
	if err := changePersonal(s, c, documents.Bookmarks, false, func(l *bookmark.List) error { return l.Remove(path) }); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
