package server

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/core/internal/usage"
	"github.com/basalt-dev/basalt/sdk"
)

// usageServiceCap bounds the services one usage report examines: each costs a read of its
// history and of each revision that held in the period. A variable so that a test reaches it.
var usageServiceCap = 2000

// usageReaders is how many services a report reads at once.
const usageReaders = 4

// usageNote says what the figures are when no region is measured.
const usageNote = "requests × running time, read from each service's release history: what services asked for while they ran, " +
	"not what they used. Services deleted before now are not counted: their history went with them."

// UsageReport is the usage of every service by day (UTC) and by user or project.
type UsageReport struct {
	From string `json:"from"`
	To   string `json:"to"`
	By   string `json:"by"`
	// Basis is where hours running, CPU and memory come from, Sources each quantity's source.
	Basis   string       `json:"basis"`
	Sources UsageSources `json:"sources"`
	// MeasuredRegions are the regions whose Prometheus measured them; PrometheusFailures
	// those whose Prometheus failed, counted as requests × running time instead.
	MeasuredRegions    []string     `json:"measuredRegions"`
	PrometheusFailures []UsageSkip  `json:"prometheusFailures"`
	Note               string       `json:"note"`
	AsOf               time.Time    `json:"asOf"`
	Rows               []UsageRow   `json:"rows"`
	Total              UsageHours   `json:"total"`
	Keys               []UsageTotal `json:"totals"`
	// ServicesExamined is how many services were read, at most ServiceCap; CapReached says
	// that there were more, left out.
	ServicesExamined int  `json:"servicesExamined"`
	ServiceCap       int  `json:"serviceCap"`
	CapReached       bool `json:"capReached"`
	// ShortHistories counts services whose oldest revisions the cluster no longer keeps
	// (Helm's history limit): they count from their oldest kept revision.
	ShortHistories int         `json:"shortHistories"`
	Skipped        []UsageSkip `json:"skipped"`
}

// UsageRow is one day's usage of one user or project.
type UsageRow struct {
	Day   string     `json:"day"`
	Key   string     `json:"key"`
	Hours UsageHours `json:"hours"`
}

// UsageTotal is one user's or project's usage over the period.
type UsageTotal struct {
	Key   string     `json:"key"`
	Hours UsageHours `json:"hours"`
}

// UsageHours are hours running and resource-hours requested.
type UsageHours struct {
	Running    float64 `json:"running"`
	CPU        float64 `json:"cpu"`
	MemoryGiB  float64 `json:"memoryGiB"`
	GPU        float64 `json:"gpu"`
	StorageGiB float64 `json:"storageGiB"`
}

// UsageSources says, per quantity, where its hours come from: prometheus (measured),
// requests (requests × running time) or mixed (measured in measuredRegions alone).
type UsageSources struct {
	Running    string `json:"running"`
	CPU        string `json:"cpu"`
	MemoryGiB  string `json:"memoryGiB"`
	GPU        string `json:"gpu"`
	StorageGiB string `json:"storageGiB"`
}

func usageSources(s usage.Sources) UsageSources {
	return UsageSources{Running: string(s.Running), CPU: string(s.CPU), MemoryGiB: string(s.MemoryGiB), GPU: string(s.GPU),
		StorageGiB: string(s.StorageGiB)}
}

// UsageSkip is a region or service the report could not read, and why.
type UsageSkip struct {
	Region  string `json:"region"`
	Project string `json:"project,omitempty"`
	Service string `json:"service,omitempty"`
	Reason  string `json:"reason"`
}

func usageHours(h usage.Hours) UsageHours {
	return UsageHours{Running: h.Running, CPU: h.CPU, MemoryGiB: h.MemoryGiB, GPU: h.GPU, StorageGiB: h.StorageGiB}
}

// usageQuery is what a report asks for.
type usageQuery struct {
	period usage.Period
	by     string // user or project
	csv    bool
}

func readUsageQuery(c echo.Context, now time.Time) (usageQuery, error) {
	var bad []sdk.FieldViolation
	p, err := usage.ParsePeriod(c.QueryParam("from"), c.QueryParam("to"), now)
	bad = append(bad, sdk.FieldsOf(err)...)
	q := usageQuery{period: p, by: cmp.Or(c.QueryParam("by"), "user")}
	if q.by != "user" && q.by != "project" {
		bad = append(bad, sdk.FieldViolation{Field: "by", Rule: "one of user, project"})
	}
	switch c.QueryParam("format") {
	case "":
		q.csv = strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv")
	case "csv":
		q.csv = true
	case "json":
	default:
		bad = append(bad, sdk.FieldViolation{Field: "format", Rule: "one of json, csv"})
	}
	if len(bad) > 0 {
		return q, sdk.InvalidFields("invalid usage query", bad...)
	}
	return q, nil
}

func (s *Server) usageNow() time.Time {
	if s.opts.LifecycleClock != nil { // the clock tests drive, as the engine's and the gateway's
		return s.opts.LifecycleClock().UTC()
	}
	return time.Now().UTC()
}

func (s *Server) usageReport(c echo.Context) error {
	if err := s.requirePlatform(c, authz.ObjUsage, authz.ActRead); err != nil {
		return err
	}
	now := s.usageNow()
	q, err := readUsageQuery(c, now)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	services, skipped := s.usageServices(ctx)
	out := UsageReport{From: q.period.Day(0), To: q.period.Last(), By: q.by, Note: usageNote, AsOf: now, MeasuredRegions: []string{},
		PrometheusFailures: []UsageSkip{}, Rows: []UsageRow{}, Keys: []UsageTotal{}, ServiceCap: usageServiceCap, Skipped: skipped}
	// Regions with a Prometheus are measured while the histories are read.
	measures := s.startMeasures(ctx, services, skipped, q.period.Windows(now))
	if len(services) > usageServiceCap {
		services, out.CapReached = services[:usageServiceCap], true
	}
	out.ServicesExamined = len(services)
	read := make([]serviceUsage, len(services))
	slots := make(chan struct{}, usageReaders)
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			read[i] = s.serviceUsage(ctx, svc, q.period, now)
		})
	}
	wg.Wait()
	measured := measures()
	if err := ctx.Err(); err != nil {
		return err
	}
	tally := usage.NewTally(q.period, now)
	s.tallyUsage(&out, tally, read, measured, skipped, q.by == "project")
	for _, r := range tally.Rows() {
		out.Rows = append(out.Rows, UsageRow{Day: r.Day, Key: r.Key, Hours: usageHours(r.Hours)})
	}
	totals, all := tally.Totals()
	for _, t := range totals {
		out.Keys = append(out.Keys, UsageTotal{Key: t.Key, Hours: usageHours(t.Hours)})
	}
	out.Total = usageHours(all)
	if q.csv {
		return writeUsageCSV(c, out)
	}
	return c.JSON(http.StatusOK, out)
}

// tallyUsage adds up what the histories and the measures say, and says where each figure
// comes from: in a measured region, the measures give hours running, CPU and memory, and the
// histories GPU and storage; elsewhere, the histories give all.
func (s *Server) tallyUsage(out *UsageReport, tally *usage.Tally, read []serviceUsage, measured []regionMeasure, skipped []UsageSkip, byProject bool) {
	unmeasured := map[string]bool{}
	for _, reg := range s.opts.Config.Regions {
		if regionListed(reg, skipped) {
			unmeasured[reg.ID] = true
		}
	}
	for _, m := range measured {
		if m.err != nil {
			out.PrometheusFailures = append(out.PrometheusFailures, UsageSkip{Region: m.region, Reason: m.err.Error()})
			continue
		}
		delete(unmeasured, m.region)
		out.MeasuredRegions = append(out.MeasuredRegions, m.region)
		for _, p := range m.pods {
			if key, ok := m.attribution.Key(p.Namespace, p.Pod, byProject); ok {
				tally.AddMeasured(key, p.Day, p.Hours)
			}
		}
	}
	for _, u := range read {
		switch {
		case u.skip != nil:
			out.Skipped = append(out.Skipped, *u.skip)
		case u.history != nil:
			key := u.owner
			if byProject {
				key = u.project
			}
			if slices.Contains(out.MeasuredRegions, u.region) {
				tally.AddUnmeasured(key, u.history)
			} else {
				tally.Add(key, u.history)
			}
			if u.short {
				out.ShortHistories++
			}
		}
	}
	sources := usage.SourcesOf(len(out.MeasuredRegions), len(unmeasured))
	out.Sources, out.Basis = usageSources(sources), string(sources.CPU)
	if sources.CPU != usage.SourceRequests {
		out.Note = measuredNote(out.MeasuredRegions, sources)
	}
}

// writeUsageCSV writes a header line and one line per day and user or project, each ending
// with the source of each quantity.
func writeUsageCSV(c echo.Context, r UsageReport) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="usage-%s-%s-by-%s.csv"`, r.From, r.To, r.By))
	if r.CapReached {
		h.Set("X-Basalt-Usage-Incomplete", fmt.Sprintf("only %d services were examined", r.ServiceCap))
	}
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	_ = w.Write([]string{"day", r.By, "running_hours", "cpu_core_hours", "memory_gib_hours", "gpu_hours", "storage_gib_hours",
		"running_source", "cpu_source", "memory_source", "gpu_source", "storage_source"})
	src := r.Sources
	for _, row := range r.Rows {
		x := row.Hours
		_ = w.Write([]string{row.Day, row.Key, num(x.Running), num(x.CPU), num(x.MemoryGiB), num(x.GPU), num(x.StorageGiB),
			src.Running, src.CPU, src.MemoryGiB, src.GPU, src.StorageGiB})
	}
	w.Flush()
	return w.Error()
}

// usageService is a service of a region's fleet.
type usageService struct {
	region  config.Region
	release sdk.FleetRelease
}

// usageServices lists every service Basalt launched, in every region, in a stable order so
// that the cap leaves out the same ones each time. A region that cannot list its services is
// skipped and said.
func (s *Server) usageServices(ctx context.Context) ([]usageService, []UsageSkip) {
	var out []usageService
	skipped := []UsageSkip{}
	for _, reg := range s.opts.Config.Regions {
		if reg.Region == "" {
			continue
		}
		// The core's own call, as the lifecycle engine's: the caller's right is usage's.
		plugin, err := s.opts.Plugins.Region(reg.Region)
		if err == nil {
			var resp sdk.FleetResponse
			if resp, err = plugin.Fleet(ctx, sdk.FleetRequest{}); err == nil {
				for _, fr := range resp.Releases {
					if fr.Release.Metadata.Owner != "" { // installed without Basalt: no one to count it for
						out = append(out, usageService{region: reg, release: fr})
					}
				}
			}
		}
		if err != nil {
			skipped = append(skipped, UsageSkip{Region: reg.ID, Reason: "listing its services: " + err.Error()})
		}
	}
	slices.SortFunc(out, func(a, b usageService) int {
		return cmp.Or(cmp.Compare(a.region.ID, b.region.ID), cmp.Compare(a.release.Release.Namespace, b.release.Release.Namespace),
			cmp.Compare(a.release.Release.Name, b.release.Release.Name))
	})
	return out, skipped
}

// serviceUsage is what one service's history says, or why it could not be read.
type serviceUsage struct {
	region         string
	owner, project string
	history        []usage.Revision // nil: nothing to count
	short          bool
	skip           *UsageSkip
}

// serviceUsage reads a service's history, and the requests and pause of each revision that
// held in the period, as its owner: what the administrator may see is usage, not services.
func (s *Server) serviceUsage(ctx context.Context, svc usageService, p usage.Period, now time.Time) serviceUsage {
	rel := svc.release.Release
	out := serviceUsage{region: svc.region.ID, owner: rel.Metadata.Owner}
	skip := func(project string, err error) serviceUsage {
		if errors.Is(err, sdk.ErrNotFound) { // deleted meanwhile: its history went with it
			return serviceUsage{}
		}
		return serviceUsage{skip: &UsageSkip{Region: svc.region.ID, Project: project, Service: rel.Name, Reason: err.Error()}}
	}
	sc, err := s.serviceOwnerScope(svc)
	if err != nil {
		return skip(rel.Namespace, err)
	}
	out.project = sc.Project.ID
	region, err := sc.Services()
	if err != nil {
		return skip(out.project, err)
	}
	ctx = sc.Context(ctx)
	ref := sdk.ReleaseRef{Name: rel.Name}
	h, err := region.History(ctx, sdk.HistoryRequest{ReleaseRef: ref})
	if err != nil {
		return skip(out.project, err)
	}
	history := make([]usage.Revision, 0, len(h.Revisions))
	oldest := 0
	for _, r := range h.Revisions {
		history = append(history, usage.Revision{Number: r.Revision, At: r.Updated})
		if oldest == 0 || r.Revision < oldest {
			oldest = r.Revision
		}
	}
	out.short = oldest > 1
	for _, n := range usage.Within(history, p, now) {
		resp, err := region.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref, Revision: n, IncludeValues: true})
		if err != nil {
			return skip(out.project, err)
		}
		requests, err := usage.ManifestRequests(resp.Manifest)
		if err != nil {
			return skip(out.project, fmt.Errorf("revision %d: %w", n, err))
		}
		i := slices.IndexFunc(history, func(r usage.Revision) bool { return r.Number == n })
		history[i].Requests, history[i].Paused = requests, pausedIn(resp.Values)
	}
	out.history = history
	return out
}

// serviceOwnerScope is a service's owner in the service's project: the personal one, or the
// project of the group the region says holds it.
func (s *Server) serviceOwnerScope(svc usageService) (*scope.Scope, error) {
	u := &identity.User{Username: svc.release.Release.Metadata.Owner}
	project := ""
	if g := svc.release.Group; g != "" {
		u.Groups = []string{g}
		projects := s.scopes.Projects(u)
		if len(projects) < 2 {
			return nil, fmt.Errorf("group %q is no project of this instance", g)
		}
		project = projects[1].ID
	}
	return s.scopes.Resolve(u, project, svc.region.ID)
}

// pausedIn reads Onyxia's global.suspend from a revision's values.
func pausedIn(values []byte) bool {
	var v struct {
		Global struct {
			Suspend bool `json:"suspend"`
		} `json:"global"`
	}
	return json.Unmarshal(values, &v) == nil && v.Global.Suspend
}
