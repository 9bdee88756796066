package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/sdk"
)

// The user's settings live in their personal secrets, in Basalt's reserved folder: the core
// keeps no database, and the git token among them is a secret.
const (
	settingsSecret = basaltFolder + "/settings"
	settingsKey    = "settings.json"
)

// UserSettings are what a user sets once and every launch uses: their git identity (the
// launch context's git fields) and their profile (user.profile).
type UserSettings struct {
	GitName                string         `json:"gitName"`
	GitEmail               string         `json:"gitEmail"`
	GitToken               string         `json:"gitToken"`
	GitProject             string         `json:"gitProject"`
	GitCredentialsCacheTTL int            `json:"gitCredentialsCacheTTL"` // seconds; 0 leaves git's default
	Profile                map[string]any `json:"profile"`
}

func (u UserSettings) launch() launch.UserSettings {
	return launch.UserSettings{GitName: u.GitName, GitEmail: u.GitEmail, GitToken: u.GitToken, GitProject: u.GitProject,
		GitCredentialsCacheTTL: u.GitCredentialsCacheTTL, Profile: u.Profile}
}

// personalHome is the caller's personal secrets home, with the context to use it in: the
// authorization scope of their personal project whatever project the request is about.
type personalHome struct {
	ctx   context.Context
	store sdk.Secrets
	home  string
}

// personalSecrets finds the caller's personal secrets home (one call to the plugin).
func (s *Server) personalSecrets(c echo.Context, u *identity.User) (personalHome, error) {
	store, err := s.secrets(c)
	if err != nil {
		return personalHome{}, err
	}
	ctx := c.Request().Context()
	var projects []identity.Project
	if sc, ok := authz.ScopeFrom(ctx); ok && sc.User == u && len(sc.Projects) > 0 {
		projects = sc.Projects // enter has listed them already
	} else {
		projects = identity.Projects(u, s.opts.Config.Projects)
	}
	ctx = authz.WithScope(ctx, authz.Scope{User: u, Project: projects[0], Projects: projects})
	home, err := store.Home(ctx, sdk.SecretsHomeRequest{Caller: u.Caller(), Project: projects[0].SDK()})
	if err != nil {
		return personalHome{}, err
	}
	return personalHome{ctx: ctx, store: store, home: strings.Trim(home.Path, "/")}, nil
}

// readSettings returns the caller's settings; none saved yet is the zero settings.
func (p personalHome) readSettings() (UserSettings, error) {
	resp, err := p.store.Read(p.ctx, sdk.ReadSecretRequest{Path: p.home + "/" + settingsSecret})
	if errors.Is(err, sdk.ErrNotFound) {
		return UserSettings{Profile: map[string]any{}}, nil
	}
	if err != nil {
		return UserSettings{}, err
	}
	var out UserSettings
	if err := json.Unmarshal([]byte(resp.Data[settingsKey]), &out); err != nil {
		return UserSettings{}, sdk.Errorf(sdk.ErrConflict, "the saved settings are not readable; save them again")
	}
	if out.Profile == nil {
		out.Profile = map[string]any{}
	}
	return out, nil
}

func (s *Server) getSettings(c echo.Context) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	p, err := s.personalSecrets(c, u)
	if err != nil {
		return err
	}
	settings, err := p.readSettings()
	if err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, settings)
}

func (s *Server) putSettings(c echo.Context) error {
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	var in UserSettings
	if err := decodeStrict(c, &in, "the settings object"); err != nil {
		return err
	}
	var bad []sdk.FieldViolation
	if in.GitEmail != "" && !strings.Contains(in.GitEmail, "@") {
		bad = append(bad, sdk.FieldViolation{Field: "gitEmail", Rule: "must be an e-mail address"})
	}
	if in.GitCredentialsCacheTTL < 0 {
		bad = append(bad, sdk.FieldViolation{Field: "gitCredentialsCacheTTL", Rule: "must not be negative"})
	}
	for field, v := range map[string]string{"gitName": in.GitName, "gitEmail": in.GitEmail, "gitToken": in.GitToken, "gitProject": in.GitProject} {
		if strings.ContainsAny(v, "\n\r\x00") {
			bad = append(bad, sdk.FieldViolation{Field: field, Rule: "must be one line"})
		}
	}
	if len(bad) > 0 {
		return sdk.InvalidFields("invalid settings", bad...)
	}
	if in.Profile == nil {
		in.Profile = map[string]any{}
	}
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	p, err := s.personalSecrets(c, u)
	if err != nil {
		return err
	}
	if _, err := p.store.Write(p.ctx, sdk.WriteSecretRequest{Path: p.home + "/" + settingsSecret, Data: map[string]string{settingsKey: string(data)}}); err != nil {
		return err
	}
	noStore(c)
	return c.JSON(http.StatusOK, in)
}
