package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// changeActions are the verbs that change running services.
type changeActions struct {
	change   *action.Change
	rollback *action.Rollback
}

// The routes that change a running service (reconfigure, upgrade) and bring an earlier
// revision back, each with its dry run; the pipeline is launch/action's Change and Rollback.

// ChangeForm is the launch form of a running service, filled with its values carried over
// to the version asked (its own by default), and the versions its catalog offers.
type ChangeForm struct {
	Form           *form.Form `json:"form"`
	Catalog        string     `json:"catalog"`
	AllowSharing   bool       `json:"allowSharing"`
	Service        string     `json:"service"`
	CurrentVersion string     `json:"currentVersion"`
	Version        string     `json:"version"`
	// Versions are the chart's versions in the catalog, the newest first.
	Versions []string `json:"versions"`
}

// ValueChangeView is one value a change sets or removes (secrets masked).
type ValueChangeView struct {
	Path    string `json:"path"`
	Before  any    `json:"before,omitempty"`
	After   any    `json:"after,omitempty"`
	Removed bool   `json:"removed,omitempty"`
}

// DiffView is what a change or a rollback changes.
type DiffView struct {
	Values   []ValueChangeView `json:"values"`
	Manifest string            `json:"manifest"`
	Dropped  []string          `json:"dropped"`
}

// ChangeView is a change planned (a dry run) or applied.
type ChangeView struct {
	Release     string       `json:"release"`
	FromVersion string       `json:"fromVersion"`
	ToVersion   string       `json:"toVersion"`
	Diff        DiffView     `json:"diff"`
	Service     *ServiceView `json:"service,omitempty"` // once applied
	Commands    []string     `json:"commands"`
	// CommandsWithSecrets are the commands in clear (PlanView's).
	CommandsWithSecrets []string `json:"commandsWithSecrets,omitempty"`
}

func diffView(d action.Diff) DiffView {
	out := DiffView{Values: []ValueChangeView{}, Manifest: d.Manifest, Dropped: httpapi.NonNil(d.Dropped)}
	for _, v := range d.Values {
		out.Values = append(out.Values, ValueChangeView{Path: v.Path, Before: v.Before, After: v.After, Removed: v.Removed})
	}
	return out
}

func (s *Server) changeForm(c echo.Context) error {
	opened, err := s.changes.change.Form(c.Request().Context(), scopeOf(c), c.Param("service"),
		action.ChangeRequest{Version: c.QueryParam("version"), S3: c.QueryParam("s3"), ClientIP: c.RealIP()})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ChangeForm{Form: opened.Form, Catalog: opened.Catalog.ID, AllowSharing: opened.AllowSharing,
		Service: opened.Service, CurrentVersion: opened.CurrentVersion, Version: opened.Version, Versions: httpapi.NonNil(opened.Versions)})
}

func (s *Server) bindChange(c echo.Context) (action.ChangeRequest, error) {
	var req action.ChangeRequest
	if err := c.Bind(&req); err != nil {
		return req, err
	}
	req.ClientIP, req.BasaltURL = c.RealIP(), s.publicBase(c)
	return req, nil
}

func changeView(ch *action.Changed, applied bool) ChangeView {
	shown, revealed := scriptCommands(ch.Commands)
	v := ChangeView{Release: ch.Release, FromVersion: ch.FromVersion, ToVersion: ch.Plan.Version, Diff: diffView(ch.Diff),
		Commands: shown, CommandsWithSecrets: revealed}
	if applied {
		sv := serviceView(ch.Service, time.Now())
		v.Service = &sv
	}
	return v
}

func (s *Server) planChange(c echo.Context) error {
	req, err := s.bindChange(c)
	if err != nil {
		return err
	}
	ch, err := s.changes.change.Plan(c.Request().Context(), scopeOf(c), c.Param("service"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, changeView(ch, false))
}

// changeService reconfigures or upgrades a service; like a launch, it answers 202 once the
// region has recorded the new revision.
func (s *Server) changeService(c echo.Context) error {
	req, err := s.bindChange(c)
	if err != nil {
		return err
	}
	ch, err := s.changes.change.Apply(c.Request().Context(), scopeOf(c), c.Param("service"), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, changeView(ch, true))
}

// RevisionView is one revision of a service.
type RevisionView struct {
	Revision     int        `json:"revision"`
	Chart        string     `json:"chart"`
	ChartVersion string     `json:"chartVersion"`
	AppVersion   string     `json:"appVersion,omitempty"`
	Status       string     `json:"status"`
	Updated      *time.Time `json:"updated,omitempty"`
	Description  string     `json:"description"`
}

// RevisionList is a service's history, the newest revision first.
type RevisionList struct {
	Revisions []RevisionView `json:"revisions"`
	Commands  []string       `json:"commands"`
}

func (s *Server) serviceHistory(c echo.Context) error {
	sc := scopeOf(c)
	revisions, err := s.changes.rollback.History(c.Request().Context(), sc, c.Param("service"))
	if err != nil {
		return err
	}
	out := RevisionList{Revisions: []RevisionView{},
		Commands: []string{shell.Command("helm", "history", c.Param("service"), "--namespace", sc.Namespace)}}
	for _, r := range revisions {
		out.Revisions = append(out.Revisions, RevisionView{Revision: r.Revision, Chart: r.Chart, ChartVersion: r.ChartVersion,
			AppVersion: r.AppVersion, Status: r.Status, Updated: httpapi.TimeOrNil(r.Updated), Description: r.Description})
	}
	return c.JSON(http.StatusOK, out)
}

// RollbackRequest names the revision to bring back.
type RollbackRequest struct {
	Revision int `json:"revision"` // 0: the previous one
}

// RollbackView is a rollback planned or done.
type RollbackView struct {
	Revision    int          `json:"revision"`
	FromVersion string       `json:"fromVersion"`
	ToVersion   string       `json:"toVersion"`
	Diff        DiffView     `json:"diff"`
	Service     *ServiceView `json:"service,omitempty"` // once done
	Commands    []string     `json:"commands"`
}

func (s *Server) rollbackView(c echo.Context, r *action.RolledBack, done bool) RollbackView {
	v := RollbackView{Revision: r.Revision, FromVersion: r.FromVersion, ToVersion: r.ToVersion, Diff: diffView(r.Diff),
		Commands: []string{shell.Command("helm", "rollback", c.Param("service"), strconv.Itoa(r.Revision), "--namespace", scopeOf(c).Namespace)}}
	if done {
		sv := serviceView(r.Service, time.Now())
		v.Service = &sv
	}
	return v
}

func bindRollback(c echo.Context) (RollbackRequest, error) {
	var req RollbackRequest
	if err := c.Bind(&req); err != nil {
		return req, err
	}
	if req.Revision < 0 {
		return req, sdk.InvalidFields("cannot roll back", sdk.FieldViolation{Field: "revision", Rule: "must not be negative"})
	}
	return req, nil
}

func (s *Server) planRollback(c echo.Context) error {
	req, err := bindRollback(c)
	if err != nil {
		return err
	}
	r, err := s.changes.rollback.Plan(c.Request().Context(), scopeOf(c), c.Param("service"), req.Revision)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.rollbackView(c, r, false))
}

func (s *Server) rollbackService(c echo.Context) error {
	req, err := bindRollback(c)
	if err != nil {
		return err
	}
	r, err := s.changes.rollback.Run(c.Request().Context(), scopeOf(c), c.Param("service"), req.Revision)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, s.rollbackView(c, r, true))
}
