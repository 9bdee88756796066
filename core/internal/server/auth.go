package server

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/authn"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// authenticate puts the caller in the request's context: in local mode the configured single
// user, in oidc mode the bearer token's or the session's user. Anonymous and invalid
// credentials are refused with 401.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	local := identity.LocalUser(s.opts.Config.Auth.Local)
	return func(c echo.Context) error {
		if byToken, err := s.byAPIToken(c); byToken || err != nil {
			if err != nil {
				return err
			}
			return next(c)
		}
		r := c.Request()
		u := local
		if s.opts.Authn != nil {
			var err error
			u, err = s.opts.Authn.Authenticate(c.Response(), r)
			if errors.Is(err, authn.ErrNoCredentials) {
				return sdk.Errorf(sdk.ErrUnauthenticated, "sign in first")
			}
			if err != nil {
				return err
			}
		}
		c.SetRequest(r.WithContext(identity.WithUser(r.Context(), u)))
		return next(c)
	}
}

const signInFailedPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto"><h1>Sign-in failed</h1><p>%s</p><p><a href="/auth/login">Try again</a></p></body></html>`

func (s *Server) authRoutes() {
	a := s.opts.Authn
	if a == nil {
		return
	}
	limit := withoutNil(s.signInLimit())
	s.echo.GET("/auth/login", func(c echo.Context) error {
		a.Login(c.Response(), c.Request())
		return nil
	}, limit...)
	s.echo.GET("/auth/callback", func(c echo.Context) error {
		if err := a.Callback(c.Response(), c.Request()); err != nil {
			s.opts.Log.Info("sign-in failed", "reason", err.Error())
			return c.HTML(http.StatusBadRequest, fmt.Sprintf(signInFailedPage, html.EscapeString(err.Error())))
		}
		return nil
	}, limit...)
	s.echo.POST("/auth/logout", func(c echo.Context) error {
		a.Logout(c.Response(), c.Request())
		return nil
	})
	// Named, or the portal's page would answer it.
	s.echo.GET("/auth/logout", func(c echo.Context) error {
		c.Response().Header().Set("Allow", http.MethodPost)
		return echo.NewHTTPError(http.StatusMethodNotAllowed, "sign out with POST /auth/logout (the portal's Sign out button)")
	})
}

func currentUser(c echo.Context) (*identity.User, error) {
	u := identity.UserFrom(c.Request().Context())
	if u == nil {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "sign in first")
	}
	return u, nil
}

// enter resolves a project of the caller's by id ("" for the personal one) and puts the
// authorization scope in the request's context, for the wrapped plugins. Another's project is
// not found.
func (s *Server) enter(c echo.Context, projectID string) (*identity.User, identity.Project, error) {
	u, err := currentUser(c)
	if err != nil {
		return nil, identity.Project{}, err
	}
	projects := s.scopes.Projects(u) // with those the user was added to in Basalt
	p := projects[0]
	if projectID != "" {
		i := slices.IndexFunc(projects, func(have identity.Project) bool { return have.ID == projectID })
		if i < 0 {
			return nil, identity.Project{}, sdk.Errorf(sdk.ErrNotFound, "no project %q", projectID)
		}
		p = projects[i]
	}
	r := c.Request()
	c.SetRequest(r.WithContext(authz.WithScope(r.Context(), authz.Scope{User: u, Project: p, Projects: projects})))
	return u, p, nil
}

// requirePlatform refuses callers who may not do act on obj of the platform, with 403:
// administrator operations are known to exist, so hiding them would help no one.
func (s *Server) requirePlatform(c echo.Context, obj, act string) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	if !s.opts.Authz.Allowed(u, identity.Projects(u, s.opts.Config.Projects), authz.Platform, obj, act) {
		return sdk.Errorf(sdk.ErrPermissionDenied, "%s %s is for administrators", act, obj)
	}
	return nil
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
		Groups: httpapi.NonNil(u.Groups), Roles: httpapi.NonNil(u.Roles),
		Projects: s.scopes.Projects(u), // with those the user was added to in Basalt
	})
}
