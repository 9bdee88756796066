package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// authenticate puts the caller in the request's context. In local mode the caller is always
// the configured single user; OIDC comes with the identity issue.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	local := identity.LocalUser(s.opts.Config.Auth.Local)
	return func(c echo.Context) error {
		r := c.Request()
		c.SetRequest(r.WithContext(identity.WithUser(r.Context(), local)))
		return next(c)
	}
}

func currentUser(c echo.Context) (*identity.User, error) {
	u := identity.UserFrom(c.Request().Context())
	if u == nil {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "sign in first")
	}
	return u, nil
}

// requireRole refuses callers without the role with 403: administrator operations are
// known to exist, so hiding them would help no one.
func requireRole(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, err := currentUser(c)
			if err != nil {
				return err
			}
			if !u.HasRole(role) {
				return sdk.Errorf(sdk.ErrPermissionDenied, "this operation is for the %s role", role)
			}
			return next(c)
		}
	}
}

// Me is the answer of /api/v1/me.
type Me struct {
	Username string             `json:"username"`
	Name     string             `json:"name"`
	Email    string             `json:"email,omitempty"`
	Groups   []string           `json:"groups"`
	Roles    []string           `json:"roles"`
	Projects []identity.Project `json:"projects"`
}

func (s *Server) me(c echo.Context) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Me{
		Username: u.Username, Name: u.Name, Email: u.Email,
		Groups: nonNil(u.Groups), Roles: nonNil(u.Roles),
		Projects: identity.Projects(u, s.opts.Config.Projects),
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
