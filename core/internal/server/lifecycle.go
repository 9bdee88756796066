package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// newEngine builds the lifecycle engine when the configuration enables it.
func (s *Server) newEngine(opts Options) (*lifecycle.Engine, error) {
	cfg := opts.Config
	if !cfg.Lifecycle.Enabled {
		return nil, nil
	}
	notifiers, err := lifecycle.NewNotifiers(cfg.Lifecycle.Notices)
	if err != nil {
		return nil, err
	}
	return lifecycle.New(lifecycle.Options{
		Config: cfg, Regions: opts.Plugins.Region, Scopes: s.scopes, Notifier: notifiers, Audit: s.audit,
		Registry: opts.Registry, Log: opts.Log, Now: opts.LifecycleClock,
		Deleted: s.launcher.RevokeServiceToken,
		Upgrade: func(ctx context.Context, sc *scope.Scope, service, version string, dryRun bool) error {
			req := action.ChangeRequest{Version: version}
			if dryRun {
				_, err := s.changes.change.Plan(ctx, sc, service, req)
				return err
			}
			_, err := s.changes.change.Apply(ctx, sc, service, req)
			return err
		},
	}), nil
}

// Lifecycle is the server's lifecycle engine, nil when the configuration turns it off.
func (s *Server) Lifecycle() *lifecycle.Engine { return s.engine }

// RunLifecycle runs the lifecycle engine until ctx ends; without one it returns at once.
func (s *Server) RunLifecycle(ctx context.Context) error {
	if s.engine == nil {
		return nil
	}
	return s.engine.Run(ctx)
}

// LifecycleView is what the lifecycle engine does with a service: the policy that applies,
// what the owner chose, and the step announced.
type LifecycleView struct {
	Policy                      string        `json:"policy"`
	SuspendAfterIdleSeconds     int64         `json:"suspendAfterIdleSeconds"`
	MaxSuspendAfterIdleSeconds  int64         `json:"maxSuspendAfterIdleSeconds"`
	DeleteAfterSuspendedSeconds int64         `json:"deleteAfterSuspendedSeconds"`
	MaxLifetimeSeconds          int64         `json:"maxLifetimeSeconds"`
	MaxKeepSeconds              int64         `json:"maxKeepSeconds"`
	Schedule                    *ScheduleView `json:"schedule,omitempty"`
	OwnerChoseIdle              bool          `json:"ownerChoseIdle"`
	LastActive                  *time.Time    `json:"lastActive,omitempty"`
	KeepUntil                   *time.Time    `json:"keepUntil,omitempty"`
	SuspendedBy                 string        `json:"suspendedBy,omitempty"`
	Notice                      *NoticeView   `json:"notice,omitempty"`
}

// ScheduleView is a policy's working hours.
type ScheduleView struct {
	SuspendAt string   `json:"suspendAt"`
	ResumeAt  string   `json:"resumeAt,omitempty"`
	Days      []string `json:"days"`
	TimeZone  string   `json:"timeZone"`
}

// NoticeView is a step announced: what, why, when.
type NoticeView struct {
	Action string    `json:"action"`
	Reason string    `json:"reason"`
	Due    time.Time `json:"due"`
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

// policyView is a policy as the launcher and the service page show it, for an owner's state.
func policyView(p lifecycle.Policy, st lifecycle.State) *LifecycleView {
	if !p.Matched {
		return nil
	}
	v := &LifecycleView{Policy: p.Name, SuspendAfterIdleSeconds: seconds(p.IdleAfter(st)), MaxSuspendAfterIdleSeconds: seconds(p.MaxSuspendAfterIdle),
		DeleteAfterSuspendedSeconds: seconds(p.DeleteAfterSuspended), MaxLifetimeSeconds: seconds(p.MaxLifetime), MaxKeepSeconds: seconds(p.MaxKeep),
		OwnerChoseIdle: st.IdleAfter > 0 && p.MaxSuspendAfterIdle > 0}
	if sch := p.Schedule; sch.SuspendAt != "" {
		v.Schedule = &ScheduleView{SuspendAt: sch.SuspendAt, ResumeAt: sch.ResumeAt, Days: httpapi.NonNil(sch.Days), TimeZone: sch.TimeZone}
		if v.Schedule.TimeZone == "" {
			v.Schedule.TimeZone = "UTC"
		}
	}
	return v
}

// lifecycleOf is a service's lifecycle view; nil without an engine or a policy.
func (s *Server) lifecycleOf(regionID, projectID string, r sdk.Release) *LifecycleView {
	if s.engine == nil {
		return nil
	}
	st := lifecycle.ReadState(r.Metadata.Lifecycle)
	v := policyView(s.engine.Policies().For(regionID, r.Metadata.Catalog, projectID), st)
	if v == nil {
		return nil
	}
	v.LastActive, v.KeepUntil, v.SuspendedBy = httpapi.TimeOrNil(st.LastActive), httpapi.TimeOrNil(st.KeepUntil), st.SuspendedBy
	if st.KeepUntil.Before(s.engine.Now()) {
		v.KeepUntil = nil
	}
	if n := st.Notice; n != nil {
		v.Notice = &NoticeView{Action: n.Action, Reason: n.Reason, Due: n.Due}
	}
	return v
}

// LifecycleChange is what an owner may choose for a service: keep it from every step until a
// time (null: stop keeping it), and how long it may stay idle (0: the policy's).
type LifecycleChange struct {
	KeepUntil               *time.Time `json:"keepUntil"`
	StopKeeping             bool       `json:"stopKeeping"`
	SuspendAfterIdleSeconds *int64     `json:"suspendAfterIdleSeconds"`
}

// setServiceLifecycle is the owner's "keep it" and idle time, within the service's policy.
func (s *Server) setServiceLifecycle(c echo.Context) error {
	sc, region := inServices(c)
	var req LifecycleChange
	if err := c.Bind(&req); err != nil {
		return err
	}
	if s.engine == nil {
		return sdk.Errorf(sdk.ErrUnimplemented, "this instance has no lifecycle engine (lifecycle.enabled is false)")
	}
	rel, err := s.owned(c, sc, region)
	if err != nil {
		return err
	}
	policy := s.engine.Policies().For(sc.Region.ID, rel.Metadata.Catalog, sc.Project.ID)
	change := map[string]string{}
	switch {
	case req.StopKeeping:
		change = lifecycle.KeepChange(time.Time{})
	case req.KeepUntil != nil:
		if err := policy.CheckKeep(s.engine.Now(), *req.KeepUntil); err != nil {
			return err
		}
		change = lifecycle.KeepChange(*req.KeepUntil)
	}
	if req.SuspendAfterIdleSeconds != nil {
		d := time.Duration(*req.SuspendAfterIdleSeconds) * time.Second
		if *req.SuspendAfterIdleSeconds < 0 || *req.SuspendAfterIdleSeconds > int64(365*24*time.Hour/time.Second) {
			return sdk.InvalidFields("invalid idle time", sdk.FieldViolation{Field: "suspendAfterIdleSeconds", Rule: "0 (the policy's) or a positive number of seconds"})
		}
		if err := policy.CheckIdleAfter(d); err != nil {
			return err
		}
		for k, v := range lifecycle.IdleAfterChange(d) {
			change[k] = v
		}
	}
	if len(change) == 0 {
		return sdk.InvalidFields("nothing to change", sdk.FieldViolation{Field: "keepUntil", Rule: "give keepUntil, stopKeeping or suspendAfterIdleSeconds"})
	}
	resp, err := region.UpdateRelease(c.Request().Context(), sdk.UpdateReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Name}, Lifecycle: change})
	if err != nil {
		return err
	}
	v := serviceView(resp.Release, time.Now())
	v.Lifecycle = s.lifecycleOf(sc.Region.ID, sc.Project.ID, resp.Release)
	return c.JSON(http.StatusOK, ServiceUpdated{Service: v, Commands: []string{}})
}

// LifecyclePolicy is the policy a launch of a catalog's chart would get, for the launcher.
type LifecyclePolicy struct {
	Lifecycle                  *LifecycleView `json:"lifecycle,omitempty"`
	NoticeBeforeSuspendSeconds int64          `json:"noticeBeforeSuspendSeconds"`
	NoticeBeforeDeleteSeconds  int64          `json:"noticeBeforeDeleteSeconds"`
}

func (s *Server) lifecyclePolicy(c echo.Context) error {
	sc := scopeOf(c)
	catalog := c.QueryParam("catalog")
	if len(catalog) > 128 {
		return sdk.InvalidFields("invalid catalog", sdk.FieldViolation{Field: "catalog", Rule: "at most 128 characters"})
	}
	out := LifecyclePolicy{}
	if s.engine != nil {
		out.Lifecycle = policyView(s.engine.Policies().For(sc.Region.ID, catalog, sc.Project.ID), lifecycle.State{})
		leads := s.engine.Leads()
		out.NoticeBeforeSuspendSeconds, out.NoticeBeforeDeleteSeconds = seconds(leads.Suspend), seconds(leads.Delete)
	}
	return c.JSON(http.StatusOK, out)
}

// Notices are the steps announced on the caller's services, in every project and region.
type Notices struct {
	Notices []ServiceNotice `json:"notices"`
}

// ServiceNotice is a step announced on one service.
type ServiceNotice struct {
	Action       string    `json:"action"`
	Reason       string    `json:"reason"`
	Due          time.Time `json:"due"`
	Region       string    `json:"region"`
	Project      string    `json:"project"`
	Service      string    `json:"service"`
	FriendlyName string    `json:"friendlyName"`
	// MaxKeepSeconds is how far ahead the owner may keep the service (0: not at all).
	MaxKeepSeconds int64 `json:"maxKeepSeconds"`
}

func (s *Server) notices(c echo.Context) error {
	sc := scopeOf(c)
	out := Notices{Notices: []ServiceNotice{}}
	if s.engine == nil {
		return c.JSON(http.StatusOK, out)
	}
	ctx := c.Request().Context()
	for _, reg := range s.opts.Config.Regions {
		if reg.Region == "" {
			continue
		}
		for _, p := range sc.Projects {
			psc, err := s.scopes.Resolve(sc.User, p.ID, reg.ID)
			if err != nil {
				return err
			}
			if err := s.scopes.Onboard(ctx, psc); err != nil {
				continue // a region that does not run this project's services has none
			}
			region, err := psc.Services()
			if err != nil {
				continue
			}
			resp, err := region.ListReleases(psc.Context(ctx), sdk.ListReleasesRequest{})
			if err != nil {
				if errors.Is(err, sdk.ErrNotFound) || errors.Is(err, sdk.ErrPermissionDenied) {
					continue
				}
				return err
			}
			for _, r := range resp.Releases {
				n := lifecycle.ReadState(r.Metadata.Lifecycle).Notice
				if n == nil || r.Metadata.Owner != sc.User.Username {
					continue
				}
				name := r.Metadata.FriendlyName
				if name == "" {
					name = r.Chart
				}
				policy := s.engine.Policies().For(reg.ID, r.Metadata.Catalog, p.ID)
				out.Notices = append(out.Notices, ServiceNotice{Action: n.Action, Reason: n.Reason, Due: n.Due,
					Region: reg.ID, Project: p.ID, Service: r.Name, FriendlyName: name, MaxKeepSeconds: seconds(policy.MaxKeep)})
			}
		}
	}
	return c.JSON(http.StatusOK, out)
}
