package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/helmcommands"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// inServices is the request's scope and its region's services plugin, which the services
// routes' middleware has checked while onboarding the project.
func inServices(c echo.Context) (*scope.Scope, sdk.Region) {
	sc := scopeOf(c)
	region, _ := sc.Services()
	return sc, region
}

// ServiceView is a service as the API shows it.
type ServiceView struct {
	ID           string         `json:"id"`
	FriendlyName string         `json:"friendlyName"`
	Catalog      string         `json:"catalog"`
	Chart        string         `json:"chart"`
	Version      string         `json:"version"`
	AppVersion   string         `json:"appVersion,omitempty"`
	Status       string         `json:"status"`
	Reason       string         `json:"reason,omitempty"`
	Ready        bool           `json:"ready"`
	Workloads    []WorkloadView `json:"workloads"`
	URLs         []string       `json:"urls"`
	Notes        string         `json:"notes,omitempty"`
	Owner        string         `json:"owner"`
	Shared       bool           `json:"shared"`
	Started      *time.Time     `json:"started,omitempty"`
	RunningFor   string         `json:"runningFor,omitempty"`
	Suspendable  bool           `json:"suspendable"`
	Suspended    bool           `json:"suspended"`
	// Simulated: the service's pods run on simulated nodes, where nothing runs (a sandbox's
	// kwok nodes); it has nothing to open.
	Simulated bool `json:"simulated"`
	// Lifecycle is what the lifecycle engine does with the service; absent without an
	// engine or a policy for it.
	Lifecycle *LifecycleView `json:"lifecycle,omitempty"`
	// Access is the service's address through the gateway and its traffic there; absent
	// without a gateway.
	Access *AccessView `json:"access,omitempty"`
	// MonitoringURL is the service's monitoring page, from its region's monitoring_url.
	MonitoringURL string `json:"monitoringUrl,omitempty"`
}

// WorkloadView is the health of one Deployment, StatefulSet or DaemonSet of a service.
type WorkloadView struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Desired int    `json:"desired"`
	Ready   int    `json:"ready"`
}

func serviceView(r sdk.Release, now time.Time) ServiceView {
	v := ServiceView{
		ID: r.Name, FriendlyName: r.Metadata.FriendlyName, Catalog: r.Metadata.Catalog, Chart: r.Chart,
		Version: r.ChartVersion, AppVersion: r.AppVersion, Status: r.Status, Reason: r.Reason, Ready: r.Ready(),
		Workloads: []WorkloadView{}, URLs: r.URLs, Notes: r.Notes, Owner: r.Metadata.Owner, Shared: r.Metadata.Shared,
		Suspendable: r.Suspendable, Suspended: r.Suspended, Simulated: r.Simulated,
	}
	if v.FriendlyName == "" {
		v.FriendlyName = r.Chart
	}
	for _, w := range r.Workloads {
		v.Workloads = append(v.Workloads, WorkloadView{Kind: w.Kind, Name: w.Name, Desired: w.Desired, Ready: w.Ready})
	}
	if v.URLs == nil {
		v.URLs = []string{}
	}
	if !r.Started.IsZero() {
		v.Started = &r.Started
		v.RunningFor = now.Sub(r.Started).Round(time.Second).String()
	}
	return v
}

// ServiceList is the services of a project the caller may see.
type ServiceList struct {
	Services []ServiceView `json:"services"`
	Commands []string      `json:"commands"`
}

// ServiceDetails is one service with its values (secrets masked) and manifest.
type ServiceDetails struct {
	Service  ServiceView     `json:"service"`
	Values   json.RawMessage `json:"values"`
	Manifest string          `json:"manifest"`
	Commands []string        `json:"commands"`
}

// ServiceUpdated is a service after a rename or a change of sharing.
type ServiceUpdated struct {
	Service  ServiceView `json:"service"`
	Commands []string    `json:"commands"`
}

// DeletedServices names the services a bulk delete removed.
type DeletedServices struct {
	Deleted  []string `json:"deleted"`
	Commands []string `json:"commands"`
}

// Quota is a project's resource quota: its limits and what is used.
type Quota struct {
	Hard     map[string]string `json:"hard"`
	Used     map[string]string `json:"used"`
	Commands []string          `json:"commands"`
}

func (s *Server) listServices(c echo.Context) error {
	sc, region := inServices(c)
	resp, err := region.ListReleases(c.Request().Context(), sdk.ListReleasesRequest{})
	if err != nil {
		return err
	}
	now := time.Now()
	out := []ServiceView{}
	for _, r := range resp.Releases {
		if sc.Visible(r) {
			v := serviceView(r, now)
			v.Lifecycle = s.lifecycleOf(sc.Region.ID, sc.Project.ID, r)
			v.Access = s.accessOf(sc.Region.ID, sc.Project.ID, r)
			v.MonitoringURL = sc.Region.MonitoringLink(sc.Namespace, r.Name)
			out = append(out, v)
		}
	}
	return c.JSON(http.StatusOK, ServiceList{
		Services: out, Commands: []string{shell.Command("helm", "list", "--namespace", sc.Namespace)},
	})
}

// release returns one release the caller may see; the others are not found.
func (s *Server) release(c echo.Context, sc *scope.Scope, region sdk.Region, withValues bool) (sdk.GetReleaseResponse, error) {
	ref := sdk.ReleaseRef{Name: c.Param("service")}
	resp, err := region.GetRelease(c.Request().Context(), sdk.GetReleaseRequest{ReleaseRef: ref, IncludeValues: withValues})
	if err != nil {
		return resp, err
	}
	if !sc.Visible(resp.Release) {
		return sdk.GetReleaseResponse{}, sdk.Errorf(sdk.ErrNotFound, "no service %q", ref.Name)
	}
	return resp, nil
}

func (s *Server) getService(c echo.Context) error {
	sc, region := inServices(c)
	resp, err := s.release(c, sc, region, true)
	if err != nil {
		return err
	}
	name, ns := resp.Release.Name, sc.Namespace
	values := json.RawMessage("{}")
	if json.Valid(resp.Values) {
		values = resp.Values
	}
	view := serviceView(resp.Release, time.Now())
	view.Lifecycle = s.lifecycleOf(sc.Region.ID, sc.Project.ID, resp.Release)
	view.Access = s.accessOf(sc.Region.ID, sc.Project.ID, resp.Release)
	view.MonitoringURL = sc.Region.MonitoringLink(sc.Namespace, resp.Release.Name)
	commands := []string{
		shell.Command("helm", "status", name, "--namespace", ns),
		shell.Command("helm", "get", "notes", name, "--namespace", ns),
		shell.Command("helm", "get", "values", name, "--namespace", ns),
		shell.Command("kubectl", "get", "pods", "--namespace", ns, "-l", "app.kubernetes.io/instance="+name),
	}
	if forward := s.portForward(c, sc, region, resp.Release); forward != "" {
		commands = append(commands, forward)
	}
	return c.JSON(http.StatusOK, ServiceDetails{Service: view, Values: values, Manifest: resp.Manifest, Commands: commands})
}

// ServicePatch renames or shares a service.
type ServicePatch struct {
	FriendlyName *string `json:"friendlyName"`
	Shared       *bool   `json:"shared"`
}

// owned returns the caller's own release: changing a service is its owner's business.
func (s *Server) owned(c echo.Context, sc *scope.Scope, region sdk.Region) (sdk.Release, error) {
	resp, err := s.release(c, sc, region, false)
	if err != nil {
		return sdk.Release{}, err
	}
	if err := sc.MayChange(resp.Release); err != nil {
		return sdk.Release{}, err
	}
	return resp.Release, nil
}

func (s *Server) patchService(c echo.Context) error {
	sc, region := inServices(c)
	var patch ServicePatch
	if err := c.Bind(&patch); err != nil {
		return err
	}
	rel, err := s.owned(c, sc, region)
	if err != nil {
		return err
	}
	if patch.FriendlyName != nil && (len(*patch.FriendlyName) == 0 || len(*patch.FriendlyName) > 100) {
		return sdk.InvalidFields("cannot rename", sdk.FieldViolation{Field: "friendlyName", Rule: "must be 1 to 100 characters"})
	}
	if patch.Shared != nil && *patch.Shared {
		if sc.Project.Personal() {
			return sdk.InvalidFields("cannot share", sdk.FieldViolation{Field: "shared", Rule: "only services of a group project can be shared"})
		}
		if cat, err := s.catalogs.Catalog(c.Request().Context(), sc.User, sc.Project, rel.Metadata.Catalog); err == nil && !cat.AllowSharing {
			return sdk.InvalidFields("cannot share", sdk.FieldViolation{Field: "shared", Rule: fmt.Sprintf("catalog %q does not allow sharing", cat.ID)})
		}
	}
	resp, err := region.UpdateRelease(c.Request().Context(), sdk.UpdateReleaseRequest{
		ReleaseRef: sdk.ReleaseRef{Name: rel.Name}, FriendlyName: patch.FriendlyName, Shared: patch.Shared,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ServiceUpdated{Service: serviceView(resp.Release, time.Now()), Commands: []string{}})
}

func (s *Server) suspendService(c echo.Context) error { return s.lifecycle(c, true) }
func (s *Server) resumeService(c echo.Context) error  { return s.lifecycle(c, false) }

func (s *Server) lifecycle(c echo.Context, suspend bool) error {
	sc, region := inServices(c)
	rel, err := s.owned(c, sc, region)
	if err != nil {
		return err
	}
	if !rel.Suspendable {
		return sdk.InvalidFields("cannot pause", sdk.FieldViolation{Field: "service", Rule: "its chart has no global.suspend value"})
	}
	ctx, ref := c.Request().Context(), sdk.ReleaseRef{Name: rel.Name}
	if suspend {
		_, err = region.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref})
	} else {
		_, err = region.Resume(ctx, sdk.ResumeRequest{ReleaseRef: ref})
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ActionResult{Commands: helmcommands.SetSuspended(s.chartOf(c, sc, rel), rel.Name, sc.Namespace, suspend)})
}

func (s *Server) deleteService(c echo.Context) error {
	sc, region := inServices(c)
	rel, err := s.owned(c, sc, region)
	if err != nil {
		return err
	}
	if _, err := region.Uninstall(c.Request().Context(), sdk.UninstallRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Name}}); err != nil {
		return err
	}
	s.launcher.RevokeServiceToken(c.Request().Context(), sc, rel)
	return c.JSON(http.StatusOK, ActionResult{Commands: []string{shell.Command("helm", "uninstall", rel.Name, "--namespace", sc.Namespace)}})
}

// deleteServices deletes every service the caller owns in the project; other members'
// services stay (Onyxia's bulk delete removes them too).
func (s *Server) deleteServices(c echo.Context) error {
	sc, region := inServices(c)
	ctx := c.Request().Context()
	resp, err := region.ListReleases(ctx, sdk.ListReleasesRequest{})
	if err != nil {
		return err
	}
	var deleted []string
	var commands []string
	for _, r := range resp.Releases {
		if r.Metadata.Owner != sc.User.Username && !(sc.Project.Personal() && r.Metadata.Owner == "") {
			continue
		}
		if _, err := region.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: sdk.ReleaseRef{Name: r.Name}}); err != nil {
			return err
		}
		s.launcher.RevokeServiceToken(ctx, sc, r)
		deleted = append(deleted, r.Name)
		commands = append(commands, shell.Command("helm", "uninstall", r.Name, "--namespace", sc.Namespace))
	}
	if deleted == nil {
		deleted, commands = []string{}, []string{}
	}
	return c.JSON(http.StatusOK, DeletedServices{Deleted: deleted, Commands: commands})
}

func (s *Server) quota(c echo.Context) error {
	sc, region := inServices(c)
	resp, err := region.Quota(c.Request().Context(), sdk.QuotaRequest{})
	if err != nil {
		return err
	}
	hard, used := resp.Hard, resp.Used
	if hard == nil {
		hard = map[string]string{}
	}
	if used == nil {
		used = map[string]string{}
	}
	return c.JSON(http.StatusOK, Quota{Hard: hard, Used: used,
		Commands: []string{shell.Command("kubectl", "get", "resourcequota", "--namespace", sc.Namespace)}})
}

// streamSSE writes server-sent events until the stream ends or the client goes away.
func streamSSE[T any](c echo.Context, event string, run func(send func(T) error) error) error {
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	w.Flush()
	err := run(func(v T) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return err
		}
		w.Flush()
		return nil
	})
	if err != nil && c.Request().Context().Err() == nil {
		_, desc := httpapi.Describe(err)
		data, _ := json.Marshal(desc)
		fmt.Fprintf(w, "event: error\ndata: %s\n\n", data)
	}
	fmt.Fprint(w, "event: end\ndata: {}\n\n")
	w.Flush()
	return nil
}

// LogView is one log line of a service's pod.
type LogView struct {
	Pod       string    `json:"pod"`
	Container string    `json:"container"`
	Time      time.Time `json:"time"`
	Line      string    `json:"line"`
}

// EventView is one Kubernetes event about a service's objects.
type EventView struct {
	Time    time.Time `json:"time"`
	Type    string    `json:"type"`
	Reason  string    `json:"reason"`
	Object  string    `json:"object"`
	Message string    `json:"message"`
	Count   int       `json:"count"`
}

func (s *Server) serviceLogs(c echo.Context) error {
	sc, region := inServices(c)
	rel, err := s.release(c, sc, region, false)
	if err != nil {
		return err
	}
	tail, _ := strconv.Atoi(c.QueryParam("tail"))
	if tail <= 0 {
		tail = 500
	}
	req := sdk.LogsRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Release.Name}, Pod: c.QueryParam("pod"),
		Container: c.QueryParam("container"), TailLines: tail, Follow: c.QueryParam("follow") == "true"}
	return streamSSE(c, "log", func(send func(LogView) error) error {
		return region.Logs(c.Request().Context(), req, func(l sdk.LogLine) error {
			return send(LogView{Pod: l.Pod, Container: l.Container, Time: l.Time, Line: l.Line})
		})
	})
}

func (s *Server) serviceEvents(c echo.Context) error {
	sc, region := inServices(c)
	rel, err := s.release(c, sc, region, false)
	if err != nil {
		return err
	}
	req := sdk.EventsRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Release.Name}, Follow: c.QueryParam("follow") != "false"}
	return streamSSE(c, "event", func(send func(EventView) error) error {
		return region.Events(c.Request().Context(), req, func(e sdk.Event) error {
			return send(EventView{Time: e.Time, Type: e.Type, Reason: e.Reason, Object: e.Object, Message: e.Message, Count: e.Count})
		})
	})
}
