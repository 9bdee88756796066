package server

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/helmcommands"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// The administrator's fleet: every service of every region, filtered, searched, sorted and
// read a page at a time, and actions on what a filter or a selection matches.

// FleetService is one service of the fleet as administrators see it.
type FleetService struct {
	Region  string      `json:"region"`
	Project string      `json:"project"`
	Service ServiceView `json:"service"`
	// State is the service's state in one word, as the state filter takes it.
	State string `json:"state"`
	// LastActive is when the service was last used, as the lifecycle engine records it.
	LastActive    *time.Time `json:"lastActive,omitempty"`
	CPUMillicores *int64     `json:"cpuMillicores,omitempty"`
	MemoryBytes   *int64     `json:"memoryBytes,omitempty"`
	// Requests is what its pods ask of the cluster now: nothing while paused.
	Requests  FleetRequests  `json:"requests"`
	Lifecycle *LifecycleView `json:"lifecycle,omitempty"`
}

// FleetRequests is what a service's pods ask the scheduler to set aside.
type FleetRequests struct {
	CPUMillicores int64 `json:"cpuMillicores"`
	MemoryBytes   int64 `json:"memoryBytes"`
	GPUs          int64 `json:"gpus"`
}

// FleetList is the services a filter matched: all of them, or one page.
type FleetList struct {
	Services []FleetService `json:"services"`
	// Total counts every service the filter matched, on every page.
	Total int `json:"total"`
	// Next is the cursor of the next page; absent on the last one.
	Next string `json:"next,omitempty"`
}

// FleetFilter is the filter of fleet listings and actions.
type FleetFilter struct {
	Region    string     `json:"region" query:"region"`
	Project   string     `json:"project" query:"project"`
	Owner     string     `json:"owner" query:"owner"`
	Catalog   string     `json:"catalog" query:"catalog"`
	Chart     string     `json:"chart" query:"chart"`
	Version   string     `json:"version" query:"version"`
	IdleSince *time.Time `json:"idleSince" query:"idleSince"`
	State     string     `json:"state" query:"state"`
	// Search finds its words (case aside) in the service's name, id, owner, project, chart or
	// catalog.
	Search string `json:"q" query:"q"`
	// Services, for actions only, are the services picked one by one (the table's selection).
	Services []FleetServiceRef `json:"services" query:"-"`
}

// FleetServiceRef names one service of the fleet.
type FleetServiceRef struct {
	Region  string `json:"region"`
	Project string `json:"project"`
	Service string `json:"service"`
}

// A service's state in one word.
const (
	stateRunning   = "running"
	stateStarting  = "starting"
	stateSuspended = "suspended"
	stateFailed    = "failed"
)

var fleetStates = []string{stateRunning, stateStarting, stateSuspended, stateFailed}

func stateOf(r sdk.Release) string {
	switch {
	case r.Suspended:
		return stateSuspended
	case r.Status == sdk.StatusFailed:
		return stateFailed
	case r.Ready():
		return stateRunning
	}
	return stateStarting
}

const (
	maxFleetPage      = 500
	maxFleetSelection = 1000
	maxFleetText      = 128
	maxFleetCursor    = 2048
)

func (f FleetFilter) check() error {
	var bad []sdk.FieldViolation
	for _, field := range []struct{ name, value string }{{"region", f.Region}, {"project", f.Project}, {"owner", f.Owner},
		{"catalog", f.Catalog}, {"chart", f.Chart}, {"version", f.Version}, {"q", f.Search}} {
		if len(field.value) > maxFleetText {
			bad = append(bad, sdk.FieldViolation{Field: field.name, Rule: fmt.Sprintf("at most %d characters", maxFleetText)})
		}
	}
	if f.State != "" && !slices.Contains(fleetStates, f.State) {
		bad = append(bad, sdk.FieldViolation{Field: "state", Rule: "one of " + strings.Join(fleetStates, ", ")})
	}
	if len(f.Services) > maxFleetSelection {
		bad = append(bad, sdk.FieldViolation{Field: "services", Rule: fmt.Sprintf("at most %d services", maxFleetSelection)})
	}
	for i, ref := range f.Services {
		if ref.Service == "" || ref.Project == "" || max(len(ref.Region), len(ref.Project), len(ref.Service)) > maxFleetText {
			bad = append(bad, sdk.FieldViolation{Field: fmt.Sprintf("services[%d]", i), Rule: "names a project and a service, of at most 128 characters each"})
		}
	}
	if len(bad) > 0 {
		return sdk.InvalidFields("invalid filter", bad...)
	}
	return nil
}

func (f FleetFilter) lifecycle() lifecycle.Filter {
	out := lifecycle.Filter{Region: f.Region, Project: f.Project, Owner: f.Owner, Catalog: f.Catalog, Chart: f.Chart, Version: f.Version}
	if f.IdleSince != nil {
		out.IdleSince = *f.IdleSince
	}
	words := strings.Fields(strings.ToLower(f.Search))
	picked := map[FleetServiceRef]bool{}
	for _, ref := range f.Services {
		picked[ref] = true
	}
	if f.State == "" && len(words) == 0 && len(picked) == 0 {
		return out
	}
	out.Keep = func(m lifecycle.Member) bool {
		r := m.Release
		if f.State != "" && stateOf(r) != f.State {
			return false
		}
		if len(picked) > 0 && !picked[FleetServiceRef{Region: "", Project: m.Project, Service: r.Name}] &&
			!picked[FleetServiceRef{Region: m.Region, Project: m.Project, Service: r.Name}] {
			return false
		}
		text := strings.ToLower(strings.Join([]string{r.Metadata.FriendlyName, r.Name, r.Metadata.Owner, m.Project, r.Chart, r.Metadata.Catalog}, "\n"))
		for _, w := range words {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	}
	return out
}

func (s *Server) fleetService(m lifecycle.Member) FleetService {
	fs := FleetService{Region: m.Region, Project: m.Project, Service: serviceView(m.Release, time.Now()), State: stateOf(m.Release),
		Requests:  FleetRequests{CPUMillicores: m.Requests.CPUMillicores, MemoryBytes: m.Requests.MemoryBytes, GPUs: m.Requests.GPUs},
		Lifecycle: s.lifecycleOf(m.Region, m.Project, m.Release)}
	if !m.State.LastActive.IsZero() {
		last := m.State.LastActive
		fs.LastActive = &last
	}
	if !m.Usage.Measured.IsZero() {
		cpu, memory := m.Usage.CPUMillicores, m.Usage.MemoryBytes
		fs.CPUMillicores, fs.MemoryBytes = &cpu, &memory
	}
	return fs
}

// fleetSorts are the orders of the fleet: each a key of a service, ties broken by region,
// project and service id, so that every service has one place and a cursor marks it.
var fleetSorts = map[string]func(m *lifecycle.Member) string{
	"project": func(m *lifecycle.Member) string { return m.Project },
	"owner":   func(m *lifecycle.Member) string { return m.Release.Metadata.Owner },
	"name":    func(m *lifecycle.Member) string { return strings.ToLower(m.Release.Metadata.FriendlyName) },
	"chart": func(m *lifecycle.Member) string {
		return m.Release.Chart + "\x00" + m.Release.ChartVersion
	},
	"state":      func(m *lifecycle.Member) string { return stateOf(m.Release) },
	"started":    func(m *lifecycle.Member) string { return sortableTime(m.Release.Started) },
	"lastActive": func(m *lifecycle.Member) string { return sortableTime(m.State.LastActive) },
}

// sortableTime orders as the time does; the zero time (unknown) first.
func sortableTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000")
}

// fleetPlace is where a service stands in a sorted fleet; a cursor is the place of the last
// service of a page.
type fleetPlace struct {
	Sort    string `json:"s"`
	Key     string `json:"k"`
	Region  string `json:"r"`
	Project string `json:"p"`
	Service string `json:"i"`
}

func placeOf(sort string, key func(*lifecycle.Member) string, m *lifecycle.Member) fleetPlace {
	return fleetPlace{Sort: sort, Key: key(m), Region: m.Region, Project: m.Project, Service: m.Release.Name}
}

func (a fleetPlace) compare(b fleetPlace) int {
	return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Region, b.Region),
		strings.Compare(a.Project, b.Project), strings.Compare(a.Service, b.Service))
}

func (p fleetPlace) cursor() string {
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b)
}

// fleetOrder is how a listing is read: its sort (a key, "-" first for the reverse order), the
// page's size (0: everything) and where it starts.
type fleetOrder struct {
	sort    string
	key     func(*lifecycle.Member) string
	reverse bool
	limit   int
	after   *fleetPlace
}

func readFleetOrder(c echo.Context) (fleetOrder, error) {
	o := fleetOrder{sort: cmp.Or(c.QueryParam("sort"), "project")}
	var bad []sdk.FieldViolation
	name := strings.TrimPrefix(o.sort, "-")
	o.reverse = name != o.sort
	if o.key = fleetSorts[name]; o.key == nil {
		names := slices.Sorted(maps.Keys(fleetSorts))
		bad = append(bad, sdk.FieldViolation{Field: "sort", Rule: "one of " + strings.Join(names, ", ") + ", each with - before it for the reverse order"})
	}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxFleetPage {
			bad = append(bad, sdk.FieldViolation{Field: "limit", Rule: fmt.Sprintf("a whole number from 1 to %d", maxFleetPage)})
		}
		o.limit = n
	}
	if v := c.QueryParam("cursor"); v != "" {
		var p fleetPlace
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(v) > maxFleetCursor || json.Unmarshal(b, &p) != nil || p.Sort != o.sort {
			bad = append(bad, sdk.FieldViolation{Field: "cursor", Rule: "must be the next cursor of a listing in the same sort"})
		}
		o.after = &p
	}
	if o.after != nil && o.limit == 0 {
		bad = append(bad, sdk.FieldViolation{Field: "limit", Rule: "is required with a cursor"})
	}
	if len(bad) > 0 {
		return fleetOrder{}, sdk.InvalidFields("invalid fleet listing", bad...)
	}
	return o, nil
}

// page sorts the members and keeps the page the order asks for, with the next page's cursor.
func (o fleetOrder) page(members []*lifecycle.Member) ([]*lifecycle.Member, string) {
	places := make([]fleetPlace, len(members))
	for i, m := range members {
		places[i] = placeOf(o.sort, o.key, m)
	}
	index := make([]int, len(members))
	for i := range index {
		index[i] = i
	}
	direction := 1
	if o.reverse {
		direction = -1
	}
	slices.SortFunc(index, func(a, b int) int { return direction * places[a].compare(places[b]) })
	start := 0
	if o.after != nil {
		// The first service past the cursor: the services before it, as the cursor's page saw
		// them or added since, are the earlier pages'.
		start, _ = slices.BinarySearchFunc(index, *o.after, func(i int, after fleetPlace) int {
			if c := direction * places[i].compare(after); c != 0 {
				return c
			}
			return -1 // the cursor's own service: past it
		})
	}
	end := len(index)
	if o.limit > 0 {
		end = min(start+o.limit, len(index))
	}
	out := make([]*lifecycle.Member, 0, end-start)
	for _, i := range index[start:end] {
		out = append(out, members[i])
	}
	next := ""
	if end < len(index) && o.limit > 0 {
		next = places[index[end-1]].cursor()
	}
	return out, next
}

func (s *Server) fleet(c echo.Context) error {
	if err := s.requirePlatform(c, authz.ObjServices, authz.ActRead); err != nil {
		return err
	}
	var f FleetFilter
	if err := c.Bind(&f); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	order, err := readFleetOrder(c)
	if err != nil {
		return err
	}
	if s.engine == nil {
		return sdk.Errorf(sdk.ErrUnimplemented, "this instance has no lifecycle engine (lifecycle.enabled is false)")
	}
	var members []*lifecycle.Member
	if order.limit == 0 {
		// Everything at once, as the fleet was listed before it had pages: from the regions now.
		var listed []lifecycle.Member
		listed, err = s.engine.Fleet(c.Request().Context(), f.lifecycle())
		for i := range listed {
			members = append(members, &listed[i])
		}
	} else {
		members, err = s.fleetPages.matching(c.Request().Context(), s.engine, f.lifecycle())
	}
	if err != nil {
		return err
	}
	page, next := order.page(members)
	out := FleetList{Services: make([]FleetService, 0, len(page)), Total: len(members), Next: next}
	for _, m := range page {
		out.Services = append(out.Services, s.fleetService(*m))
	}
	return c.JSON(http.StatusOK, out)
}

// fleetSnapshotAge is how long the pages of the fleet are read from one listing of every
// region: the pages of one reading, and administrators reading at once, share one call to
// each region instead of one per page (a region of 10,000 services takes tenths of a second to
// list them). A fleet action forgets the listing.
const fleetSnapshotAge = 5 * time.Second

// fleetSnapshot is the last listing of the whole fleet.
type fleetSnapshot struct {
	mu      sync.Mutex // held while listing: those who ask meanwhile wait for its answer
	members []lifecycle.Member
	taken   time.Time
}

// matching lists the fleet's services the filter keeps, from a listing at most
// fleetSnapshotAge old.
func (fs *fleetSnapshot) matching(ctx context.Context, engine *lifecycle.Engine, f lifecycle.Filter) ([]*lifecycle.Member, error) {
	fs.mu.Lock()
	if fs.members == nil || time.Since(fs.taken) >= fleetSnapshotAge {
		members, err := engine.Fleet(ctx, lifecycle.Filter{})
		if err != nil {
			fs.mu.Unlock()
			return nil, err
		}
		fs.members, fs.taken = members, time.Now()
	}
	all := fs.members
	fs.mu.Unlock()
	// The members are shared by every reading of the listing: pointers to them, never copies
	// (thousands of them, each a release and its state).
	out := make([]*lifecycle.Member, 0, len(all))
	for i := range all {
		if m := &all[i]; (f.Region == "" || m.Region == f.Region) && f.Matches(*m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// forget drops the listing: the next page lists the regions again.
func (fs *fleetSnapshot) forget() {
	fs.mu.Lock()
	fs.members = nil
	fs.mu.Unlock()
}

// FleetActionRequest is an administrator's action on every service a filter matches.
type FleetActionRequest struct {
	Action  string      `json:"action"`
	Filter  FleetFilter `json:"filter"`
	Version string      `json:"version"`
	DryRun  bool        `json:"dryRun"`
}

// FleetActionResult is what the action did, or would do, to each service.
type FleetActionResult struct {
	DryRun   bool                 `json:"dryRun"`
	Results  []FleetActionOutcome `json:"results"`
	Commands []string             `json:"commands"`
}

// FleetActionOutcome is one service's part of a fleet action.
type FleetActionOutcome struct {
	Service FleetService `json:"service"`
	Change  string       `json:"change"`
	From    string       `json:"from,omitempty"`
	To      string       `json:"to,omitempty"`
	Error   string       `json:"error,omitempty"`
}

func (s *Server) fleetAction(c echo.Context) error {
	if err := s.requirePlatform(c, authz.ObjServices, authz.ActWrite); err != nil {
		return err
	}
	var req FleetActionRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	if err := req.Filter.check(); err != nil {
		return err
	}
	if len(req.Version) > maxFleetText {
		return sdk.InvalidFields("invalid fleet action", sdk.FieldViolation{Field: "version", Rule: "at most 128 characters"})
	}
	if s.engine == nil {
		return sdk.Errorf(sdk.ErrUnimplemented, "this instance has no lifecycle engine (lifecycle.enabled is false)")
	}
	u, err := currentUser(c)
	if err != nil {
		return err
	}
	outcomes, err := s.engine.FleetAction(c.Request().Context(), u.Username, req.Action, req.Filter.lifecycle(), req.Version, req.DryRun)
	if err != nil {
		return err
	}
	if !req.DryRun {
		s.fleetPages.forget()
	}
	out := FleetActionResult{DryRun: req.DryRun, Results: []FleetActionOutcome{}, Commands: []string{}}
	// Every catalog's location, whoever may see it: the services are other users'.
	locations := map[string]string{}
	for _, src := range s.catalogs.Status(c.Request().Context()) {
		for _, info := range src.Catalogs {
			locations[info.ID] = info.Location
		}
	}
	for _, o := range outcomes {
		r := FleetActionOutcome{Service: s.fleetService(o.Member), Change: o.Change, From: o.From, To: o.To}
		if o.Err != nil {
			r.Error = o.Err.Error()
		}
		out.Results = append(out.Results, r)
		if o.Change != "" {
			ch := s.releaseChart(c, o.Member.Release, locations[o.Member.Release.Metadata.Catalog])
			out.Commands = append(out.Commands, fleetCommands(req.Action, req.Version, o.Member, ch)...)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// fleetCommands are the helm commands of one service's part of a fleet action, with the chart
// the service runs.
func fleetCommands(act, version string, m lifecycle.Member, ch helmcommands.Chart) []string {
	r := m.Release
	switch act {
	case lifecycle.FleetSuspend, lifecycle.FleetResume:
		return helmcommands.SetSuspended(ch, r.Name, r.Namespace, act == lifecycle.FleetSuspend)
	case lifecycle.FleetDelete:
		return []string{shell.Command("helm", "uninstall", r.Name, "--namespace", r.Namespace)}
	}
	ch.Version = version
	return helmcommands.Upgrade(ch, r.Name, r.Namespace)
}
