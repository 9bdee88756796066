package httpapi

import (
	"time"

	"github.com/labstack/echo/v4"
)

// NoStore keeps credentials out of caches and browser history.
func NoStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Pragma", "no-cache")
}

// TimeOrNil makes a zero time (one a plugin did not give) null in JSON.
func TimeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// NonNil makes a nil list an empty one, so that JSON has [] rather than null.
func NonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
