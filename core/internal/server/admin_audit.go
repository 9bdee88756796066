package server

import (
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/audit"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/sdk"
)

// defaultAuditLimit is how many events the trail answers when the caller does not say.
const defaultAuditLimit = 100

// AuditTrail is the recent audit events of this replica that a filter selected, newest
// first. The replica keeps the last Capacity events in memory only; the webhook is the
// durable record.
type AuditTrail struct {
	Replica  string           `json:"replica"`
	Capacity int              `json:"capacity"`
	Held     int              `json:"held"`
	Events   []AuditEventView `json:"events"`
}

// AuditEventView is one state-changing action.
type AuditEventView struct {
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Project   string    `json:"project,omitempty"`
	Action    string    `json:"action"`
	Target    string    `json:"target,omitempty"`
	Outcome   string    `json:"outcome"`
	Status    int       `json:"status,omitempty"`
	RequestID string    `json:"requestId,omitempty"`
}

// auditQuery reads the trail's filter from the query string, naming the field at fault.
func auditQuery(c echo.Context) (audit.Query, error) {
	q := audit.Query{Actor: c.QueryParam("actor"), Project: c.QueryParam("project"), Action: c.QueryParam("action"),
		Outcome: c.QueryParam("outcome"), Limit: defaultAuditLimit}
	var bad []sdk.FieldViolation
	for _, f := range [][2]string{{"actor", q.Actor}, {"project", q.Project}, {"action", q.Action}} {
		if len(f[1]) > 128 {
			bad = append(bad, sdk.FieldViolation{Field: f[0], Rule: "at most 128 characters"})
		}
	}
	switch q.Outcome {
	case "", audit.Success, audit.Denied, audit.Failed:
	default:
		bad = append(bad, sdk.FieldViolation{Field: "outcome", Rule: "one of success, denied, failed"})
	}
	if v := c.QueryParam("since"); v != "" {
		since, err := time.Parse(time.RFC3339, v)
		if err != nil {
			bad = append(bad, sdk.FieldViolation{Field: "since", Rule: "a date and time as RFC 3339, e.g. 2026-05-01T12:00:00Z"})
		}
		q.Since = since
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.RecentCapacity {
			bad = append(bad, sdk.FieldViolation{Field: "limit", Rule: "a whole number from 1 to " + strconv.Itoa(audit.RecentCapacity)})
		}
		q.Limit = n
	}
	if len(bad) > 0 {
		return q, sdk.InvalidFields("invalid audit filter", bad...)
	}
	return q, nil
}

func (s *Server) auditTrailOf(c echo.Context) error {
	if err := s.requirePlatform(c, authz.ObjAudit, authz.ActRead); err != nil {
		return err
	}
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	recent := s.audit.Recent(q)
	replica, _ := os.Hostname()
	out := AuditTrail{Replica: replica, Capacity: recent.Capacity, Held: recent.Held, Events: make([]AuditEventView, len(recent.Events))}
	for i, e := range recent.Events {
		out.Events[i] = AuditEventView{Time: e.Time, Actor: e.Actor, Project: e.Project, Action: e.Action, Target: e.Target,
			Outcome: e.Outcome, Status: e.Status, RequestID: e.RequestID}
	}
	return c.JSON(http.StatusOK, out)
}
