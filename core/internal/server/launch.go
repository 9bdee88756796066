package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/helmcommands"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
)

// launchActions are the launch pipeline's verbs, which the launch handlers call.
type launchActions struct {
	form   *action.Form
	plan   *action.Plan
	launch *action.Launch
}

func newLaunchActions(cfg *action.Config) launchActions {
	return launchActions{form: action.NewForm(cfg), plan: action.NewPlan(cfg), launch: action.NewLaunch(cfg)}
}

// LaunchForm is a chart's launch form for the caller, and the catalog it comes from.
type LaunchForm struct {
	Form         *form.Form `json:"form"`
	Catalog      string     `json:"catalog"`
	AllowSharing bool       `json:"allowSharing"`
	// Release is the service's name this form makes when the plan and the launch requests
	// give it back: the commands of a preview name the service the launch makes.
	Release string `json:"release"`
}

func (s *Server) launchForm(c echo.Context) error {
	opened, err := s.actions.form.Run(c.Request().Context(), scopeOf(c), action.Request{Catalog: c.QueryParam("catalog"),
		Chart: c.QueryParam("chart"), Version: c.QueryParam("version"), Link: c.QueryParam("link"), S3: c.QueryParam("s3"),
		ProfileOptOut: optOutList(c.QueryParam("profileOptOut")), ClientIP: c.RealIP()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, LaunchForm{Form: opened.Form, Catalog: opened.Catalog.ID, AllowSharing: opened.AllowSharing,
		Release: opened.Release})
}

// PlanView is a dry run: the values that would be installed and the equivalent commands.
type PlanView struct {
	Release  string         `json:"release"`
	Chart    string         `json:"chart"`
	Version  string         `json:"version"`
	Values   map[string]any `json:"values"`
	Commands []string       `json:"commands"`
	// CommandsWithSecrets are the commands with the secrets they mask in clear, for the copy
	// of whoever reveals them; absent when they mask none.
	CommandsWithSecrets []string `json:"commandsWithSecrets,omitempty"`
}

func planView(p *action.Planned) PlanView {
	shown, revealed := scriptCommands(p.Commands)
	return PlanView{Release: p.Release, Chart: p.Plan.Chart, Version: p.Plan.Version, Values: p.Plan.Values,
		Commands: shown, CommandsWithSecrets: revealed}
}

// scriptCommands are a script's commands as shown, and as revealed (nil when it masks nothing).
func scriptCommands(s helmcommands.Script) (shown, revealed []string) {
	if s.Revealed != "" {
		revealed = []string{s.Revealed}
	}
	return []string{s.Shown}, revealed
}

// bindLaunch reads a launch request from the body.
func (s *Server) bindLaunch(c echo.Context) (action.Request, error) {
	var req action.Request
	if err := c.Bind(&req); err != nil {
		return req, err
	}
	req.ClientIP, req.BasaltURL = c.RealIP(), s.publicBase(c)
	return req, nil
}

func (s *Server) planLaunch(c echo.Context) error {
	req, err := s.bindLaunch(c)
	if err != nil {
		return err
	}
	planned, err := s.actions.plan.Run(c.Request().Context(), scopeOf(c), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, planView(planned))
}

// LaunchResult is a launched service and the commands that do the same.
type LaunchResult struct {
	Service  ServiceView `json:"service"`
	Commands []string    `json:"commands"`
	// CommandsWithSecrets are the commands in clear (PlanView's).
	CommandsWithSecrets []string `json:"commandsWithSecrets,omitempty"`
}

// launchService installs a launch. It answers 202 as soon as the region has recorded the
// release; progress is followed through the service's status and events.
func (s *Server) launchService(c echo.Context) (err error) {
	defer func() { s.launches.failed(err) }()
	req, err := s.bindLaunch(c)
	if err != nil {
		return err
	}
	launched, err := s.actions.launch.Run(c.Request().Context(), scopeOf(c), req)
	if err != nil {
		return err
	}
	s.launches.launched(launched.Catalog.ID, launched.Plan.Chart, launched.Took)
	c.Set(auditTarget, launched.Release) // the audit event (services.launch) names the new service
	shown, revealed := scriptCommands(launched.Commands)
	return c.JSON(http.StatusAccepted, LaunchResult{Service: serviceView(launched.Service, time.Now()), Commands: shown, CommandsWithSecrets: revealed})
}
