package server

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
)

// interval is a time a service held one state: running (with its requests) or paused.
type interval struct {
	from, to time.Time
	paused   bool
}

// hoursByDay splits intervals at UTC midnights: hours running, and hours existing (paused or
// not), by YYYY-MM-DD. The test's own arithmetic, to hold the report against.
func hoursByDay(intervals []interval) (running, existing map[string]float64) {
	running, existing = map[string]float64{}, map[string]float64{}
	for _, iv := range intervals {
		for from := iv.from; from.Before(iv.to); {
			midnight := from.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
			to := iv.to
			if midnight.Before(to) {
				to = midnight
			}
			day := from.UTC().Format(time.DateOnly)
			existing[day] += to.Sub(from).Hours()
			if !iv.paused {
				running[day] += to.Sub(from).Hours()
			}
			from = to
		}
	}
	return running, existing
}

// intervalsOf reads a service's history through the API: each revision holds until the
// next, the last until asOf; a revision made by a pause is paused.
func intervalsOf(t *testing.T, service string, asOf time.Time) []interval {
	t.Helper()
	var h RevisionList
	if code := getJSON(t, service+"/history", &h); code != 200 || len(h.Revisions) == 0 {
		t.Fatalf("history of %s: %d %+v", service, code, h)
	}
	revs := slices.Clone(h.Revisions)
	slices.Reverse(revs) // the oldest first
	var out []interval
	for i, r := range revs {
		end := asOf
		if i+1 < len(revs) {
			end = *revs[i+1].Updated
		}
		out = append(out, interval{from: *r.Updated, to: end})
	}
	return out
}

// closeTo allows for floating point only: the times compared are to the nanosecond.
func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestUsageShowback runs services on the memory region while the server's clock stands
// hours later: a notebook of alice's launched, paused and resumed, and one in the data
// team's project. The report's hours by day and by user or project are what the services'
// histories say, computed here; the CSV says the same; bad queries name their field; the cap
// is said when reached; a deleted service is not counted any more.
func TestUsageShowback(t *testing.T) {
	clk := &clock{now: time.Now().UTC()}
	base, _, _ := startLifecycle(t, clk, config.LifecyclePolicy{Name: "none"},
		"auth.local.username=alice", "auth.local.roles=[admin]", "auth.local.groups=[data-team]")
	api := base + "/api/v1"
	launch := func(project, chart string) string {
		t.Helper()
		code, body := postJSON(t, api+"/projects/"+project+"/services", `{"catalog":"ide","chart":"`+chart+`","version":"1.0.0"}`)
		var launched LaunchResult
		if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
			t.Fatalf("launch %s in %s: %d %s", chart, project, code, body)
		}
		return api + "/projects/" + project + "/services/" + launched.Service.ID
	}
	notebook := launch("user-alice", "notebook")
	team := launch("project-data-team", "jupyter")
	for _, step := range []string{"/suspend", "/resume"} {
		time.Sleep(time.Second) // each state held long enough to tell them apart
		if resp, body := do(t, http.MethodPost, notebook+step, nil); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", step, resp.StatusCode, body)
		}
	}
	// The server's now stands 26 hours after the resume: over one UTC midnight at least.
	clk.advance(26 * time.Hour)
	asOf := clk.Now()
	notebookTimes := intervalsOf(t, notebook, asOf)
	if len(notebookTimes) != 3 {
		t.Fatalf("the notebook's revisions: %+v, want its launch, pause and resume", notebookTimes)
	}
	notebookTimes[1].paused = true
	teamTimes := intervalsOf(t, team, asOf)
	first, last := notebookTimes[0].from.UTC().Format(time.DateOnly), asOf.Format(time.DateOnly)
	report := func(query string) UsageReport {
		t.Helper()
		var r UsageReport
		if code := getJSON(t, api+"/admin/usage?"+query, &r); code != 200 {
			t.Fatalf("usage %s: %d %+v", query, code, r)
		}
		if r.Basis != "requests" || !strings.Contains(r.Note, "requests × running time") || !strings.Contains(r.Note, "deleted") || !r.AsOf.Equal(asOf) ||
			r.Sources != (UsageSources{"requests", "requests", "requests", "requests", "requests"}) || len(r.MeasuredRegions) != 0 {
			t.Errorf("the report's basis %q, sources %+v, note %q, as of %v (want %v)", r.Basis, r.Sources, r.Note, r.AsOf, asOf)
		}
		return r
	}
	// byKey is the report's running hours as "day key" → hours.
	byKey := func(r UsageReport) map[string]float64 {
		out := map[string]float64{}
		for _, row := range r.Rows {
			out[row.Day+" "+row.Key] = row.Hours.Running
		}
		return out
	}
	expect := func(got map[string]float64, want map[string]float64, what string) {
		t.Helper()
		for k, w := range want {
			if w == 0 {
				continue
			}
			if !closeTo(got[k], w) {
				t.Errorf("%s: %s runs %v h, want %v", what, k, got[k], w)
			}
		}
		for k := range got {
			if want[k] == 0 {
				t.Errorf("%s: %s has a row, want none", what, k)
			}
		}
	}

	aliceNotebook, _ := hoursByDay(notebookTimes)
	teamJupyter, _ := hoursByDay(teamTimes)
	byUser, byProject := map[string]float64{}, map[string]float64{}
	for day, h := range aliceNotebook {
		byUser[day+" alice"] += h
		byProject[day+" user-alice"] += h
	}
	for day, h := range teamJupyter {
		byUser[day+" alice"] += h
		byProject[day+" project-data-team"] += h
	}
	if len(aliceNotebook) < 2 {
		t.Fatalf("the notebook ran on %d days, want two at least: %v", len(aliceNotebook), aliceNotebook)
	}
	users := report("from=" + first + "&to=" + last)
	expect(byKey(users), byUser, "by user")
	if users.From != first || users.To != last || users.By != "user" || users.ServicesExamined != 2 || users.CapReached || len(users.Skipped) != 0 {
		t.Errorf("the report by user: %+v", users)
	}
	var total float64
	for _, h := range byUser {
		total += h
	}
	if len(users.Keys) != 1 || users.Keys[0].Key != "alice" || !closeTo(users.Keys[0].Hours.Running, total) || !closeTo(users.Total.Running, total) ||
		total < 2*25.9 { // both services ran the 26 hours to now, but for the seconds of the test's steps
		t.Errorf("totals: %+v, all %+v, want %v h", users.Keys, users.Total, total)
	}
	projects := report("from=" + first + "&to=" + last + "&by=project")
	expect(byKey(projects), byProject, "by project")

	// The same as CSV, asked for with Accept or format.
	for _, ask := range []struct{ query, accept string }{{"&by=project", "text/csv"}, {"&by=project&format=csv", ""}} {
		resp, body := do(t, http.MethodGet, api+"/admin/usage?from="+first+"&to="+last+ask.query, nil, "Accept", cmp.Or(ask.accept, "*/*"))
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "usage-"+first+"-"+last+"-by-project.csv") {
			t.Fatalf("CSV %+v: %d %v %s", ask, resp.StatusCode, resp.Header, body)
		}
		lines, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil || len(lines) != len(projects.Rows)+1 {
			t.Fatalf("CSV lines %v %v, want a header and %d rows", lines, err, len(projects.Rows))
		}
		if strings.Join(lines[0], ",") != "day,project,running_hours,cpu_core_hours,memory_gib_hours,gpu_hours,storage_gib_hours,"+
			"running_source,cpu_source,memory_source,gpu_source,storage_source" {
			t.Errorf("CSV header %v", lines[0])
		}
		got := map[string]float64{}
		for _, l := range lines[1:] {
			h, err := strconv.ParseFloat(l[2], 64)
			if err != nil || len(l) != 12 || strings.Join(l[7:], ",") != "requests,requests,requests,requests,requests" {
				t.Fatalf("CSV line %v", l)
			}
			got[l[0]+" "+l[1]] = h
		}
		for k, w := range byProject {
			if math.Abs(got[k]-w) > 1e-6 { // six decimals
				t.Errorf("CSV %s: %v h, want %v", k, got[k], w)
			}
		}
	}

	// A period before the launch has no row; the cap is said when reached.
	if r := report("from=2020-01-01&to=2020-01-31"); len(r.Rows) != 0 || r.Total.Running != 0 {
		t.Errorf("a period before the launch: %+v", r.Rows)
	}
	saved := usageServiceCap
	t.Cleanup(func() { usageServiceCap = saved }) // should the report fail
	usageServiceCap = 1
	capped := report("from=" + first + "&to=" + last)
	usageServiceCap = saved
	if !capped.CapReached || capped.ServicesExamined != 1 || capped.ServiceCap != 1 {
		t.Errorf("with a cap of 1: reached %v, examined %d, cap %d", capped.CapReached, capped.ServicesExamined, capped.ServiceCap)
	}

	for query, field := range map[string]string{"from=yesterday": "from", "to=2026-02-30": "to", "by=team": "by", "format=xml": "format",
		"from=2026-01-01&to=2026-04-30": "from", "from=2026-05-02&to=2026-05-01": "to"} {
		resp, body := get(t, api+"/admin/usage?"+query)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", query, resp.StatusCode, body, field)
		}
	}

	// Deleted, the team's service is not counted any more: its history went with it.
	if resp, body := do(t, http.MethodDelete, team, nil); resp.StatusCode/100 != 2 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	after := report("from=" + first + "&to=" + last + "&by=project")
	for _, k := range after.Keys {
		if k.Key == "project-data-team" {
			t.Errorf("a deleted service still counted: %+v", after.Keys)
		}
	}
	if after.ServicesExamined != 1 {
		t.Errorf("services examined after the deletion: %d", after.ServicesExamined)
	}
}

// Usage is for administrators; the policy may let someone read it alone.
func TestUsageIsForAdministrators(t *testing.T) {
	api := startPlatform(t, "auth.local.roles=[]")
	if resp, body := get(t, api+"/admin/usage"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "permission_denied") {
		t.Errorf("usage as a user: %d %s", resp.StatusCode, body)
	}
	policy := filepath.Join(t.TempDir(), "policy.csv")
	if err := os.WriteFile(policy, []byte(config.DefaultPolicy+"\np, user:alice, platform, usage, read\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	accountant := startPlatform(t, "auth.local.roles=[]", "authz.policy="+policy)
	var r UsageReport
	if code := getJSON(t, accountant+"/admin/usage?by=project", &r); code != http.StatusOK || r.By != "project" || len(r.Rows) != 0 {
		t.Errorf("usage for someone the policy lets read it: %d %+v", code, r)
	}
	if resp, _ := get(t, accountant+"/admin/platform"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the platform for the same: %d", resp.StatusCode)
	}
}

// TestUsageOfAServiceOnTheCluster launches Basalt's jupyter chart on the test environment's
// cluster through the kubernetes region, pauses and resumes it: the report's hours are the
// chart's requests (100m CPU, 1 GiB memory while running, its 10 GiB volume all along) times
// the times its Helm history says, computed here.
func TestUsageOfAServiceOnTheCluster(t *testing.T) {
	env := testenv.Require(t)
	user := fmt.Sprintf("usage%d", time.Now().UnixNano()%1_000_000)
	api := startWithPlugins(t, clusterPlugins(t, env), "auth.local.username="+user, "auth.local.roles=[admin]") + "/api/v1"
	project := api + "/projects/user-" + user
	t.Cleanup(func() {
		do(t, http.MethodDelete, project+"/services", nil)
		deleteNamespace(t, env, "user-"+user)
	})

	code, body := postJSON(t, project+"/services", `{"catalog":"basalt","chart":"jupyter"}`)
	var launched LaunchResult
	if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
		t.Fatalf("launch: %d %s", code, body)
	}
	service := project + "/services/" + launched.Service.ID
	for deadline := time.Now().Add(2 * time.Minute); !serviceAt(t, service).Ready; time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the service is %+v two minutes after its launch", serviceAt(t, service))
		}
	}
	for _, step := range []string{"/suspend", "/resume"} {
		time.Sleep(1500 * time.Millisecond) // each state held long enough to tell them apart
		if resp, body := do(t, http.MethodPost, service+step, nil); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", step, resp.StatusCode, body)
		}
	}
	time.Sleep(time.Second)

	var r UsageReport
	if code := getJSON(t, api+"/admin/usage?by=user", &r); code != 200 {
		t.Fatalf("usage: %d %+v", code, r)
	}
	times := intervalsOf(t, service, r.AsOf)
	if len(times) != 3 {
		t.Fatalf("the service's revisions: %+v, want its launch, pause and resume", times)
	}
	times[1].paused = true
	running, existing := hoursByDay(times)
	got := map[string]UsageHours{}
	for _, row := range r.Rows {
		if row.Key == user {
			got[row.Day] = row.Hours
		}
	}
	t.Logf("%s: %+v (the report examined %d services of the cluster)", user, got, r.ServicesExamined)
	if len(got) != len(existing) {
		t.Errorf("days of %s: %+v, want %v", user, got, existing)
	}
	for day, hours := range existing {
		run := running[day]
		want := UsageHours{Running: run, CPU: 0.1 * run, MemoryGiB: run, StorageGiB: 10 * hours}
		g := got[day]
		if !closeTo(g.Running, want.Running) || !closeTo(g.CPU, want.CPU) || !closeTo(g.MemoryGiB, want.MemoryGiB) || g.GPU != 0 ||
			!closeTo(g.StorageGiB, want.StorageGiB) || g.Running >= g.StorageGiB/10 {
			t.Errorf("%s on %s: %+v, want %+v", user, day, g, want)
		}
	}
}

// clusterPlugins are the plugins of a region on the test environment's cluster, with Basalt's
// default catalog (config/catalog) as "basalt".
func clusterPlugins(t *testing.T, env *testenv.Env) map[string]config.Plugin {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	catalog := filepath.Join(t.TempDir(), "catalog")
	if out, err := exec.Command(testplugin.Path(t, "basalt-catalog"), "package", filepath.Join(root, "config", "catalog"), catalog).CombinedOutput(); err != nil {
		t.Fatalf("packaging the default catalog: %v\n%s", err, out)
	}
	return map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: testplugin.Path(t, "basalt-plugin-helmrepo"), Config: map[string]any{"cacheDir": t.TempDir(),
			"refreshInterval": "0s", "catalogs": []any{map[string]any{"id": "basalt", "location": catalog}}}},
		"k8s": {Kind: "region", Path: testplugin.Path(t, "basalt-plugin-kubernetes"), Config: map[string]any{"kubeconfig": env.Kubeconfig}},
	}
}
