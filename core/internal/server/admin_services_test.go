package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// fleetWorld is an administrator's Basalt over a memory region whose services the test puts
// in place through the plugin, as their owners.
type fleetWorld struct {
	api    string
	region sdk.Region
	charts map[string][]byte // archives by chart name
}

func newFleetWorld(t *testing.T) *fleetWorld {
	t.Helper()
	base, host := startHost(t, map[string]config.Plugin{"k8s": {Kind: "region", Path: testplugin.Memory(t), Args: []string{"region"}}},
		"auth.local.username=root", "auth.local.roles=[admin]", "lifecycle.policies=[]")
	region, _ := host.Region("k8s")
	w := &fleetWorld{api: base + "/api/v1", region: region, charts: map[string][]byte{}}
	for _, name := range []string{"jupyter", "vscode"} {
		archive, err := memory.PackageChart(memory.Chart{Name: name, Version: "1.0.0", Values: "global:\n  suspend: false\n"})
		if err != nil {
			t.Fatal(err)
		}
		w.charts[name] = archive
	}
	return w
}

// install puts a service of chart in owner's personal project.
func (w *fleetWorld) install(t *testing.T, owner, chart, name, friendly string) {
	t.Helper()
	caller, project := sdk.Caller{Username: owner}, sdk.Project{ID: "user-" + owner}
	if _, err := w.region.Onboard(t.Context(), sdk.OnboardRequest{Caller: caller, Project: project}); err != nil {
		t.Fatal(err)
	}
	_, err := w.region.Install(t.Context(), sdk.InstallRequest{Caller: caller, Project: project, ReleaseName: name,
		Archive: bytes.NewReader(w.charts[chart]), Values: []byte(`{"global":{"suspend":false},"requests":{"cpuMillicores":250,"memoryBytes":1073741824,"gpus":1}}`),
		Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: chart, Owner: owner, FriendlyName: friendly}})
	if err != nil {
		t.Fatal(err)
	}
}

// delete deletes the services with a fleet action.
func (w *fleetWorld) delete(t *testing.T, services []FleetServiceRef) {
	t.Helper()
	body, _ := json.Marshal(FleetActionRequest{Action: "delete", Filter: FleetFilter{Services: services}})
	code, answer := postJSON(t, w.api+"/admin/services/actions", string(body))
	var r FleetActionResult
	if code != 200 || json.Unmarshal(answer, &r) != nil || len(r.Results) != len(services) {
		t.Fatalf("deleting %v: %d %s", services, code, answer)
	}
}

func (w *fleetWorld) list(t *testing.T, query string) FleetList {
	t.Helper()
	var l FleetList
	if code := getJSON(t, w.api+"/admin/services?"+query, &l); code != 200 {
		t.Fatalf("fleet ?%s: %d", query, code)
	}
	return l
}

// ids are the services of a listing as project/id.
func ids(l FleetList) []string {
	out := []string{}
	for _, s := range l.Services {
		out = append(out, s.Project+"/"+s.Service.ID)
	}
	return out
}

// seed puts 3 owners' services in place: 42 of two charts, every fifth suspended.
func (w *fleetWorld) seed(t *testing.T) []string {
	t.Helper()
	var all []string
	for i := range 42 {
		owner := []string{"alice", "bob", "carol"}[i%3]
		chart := []string{"jupyter", "vscode"}[i%2]
		name := fmt.Sprintf("svc-%02d", i)
		w.install(t, owner, chart, name, fmt.Sprintf("%s notebook %d", strings.ToUpper(owner[:1])+owner[1:], i))
		if i%5 == 0 {
			ref := sdk.ReleaseRef{Caller: sdk.Caller{Username: owner}, Project: sdk.Project{ID: "user-" + owner}, Name: name}
			if _, err := w.region.Suspend(t.Context(), sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, "user-"+owner+"/"+name)
	}
	return all
}

// TestFleetPagesCoverEveryServiceOnceInOrder reads the fleet a page at a time while services
// come and go: every service there from the first page to the last is read exactly once, the
// pages in the sort's order; each filter keeps what it says.
func TestFleetPagesCoverEveryServiceOnceInOrder(t *testing.T) {
	w := newFleetWorld(t)
	all := w.seed(t)

	whole := w.list(t, "")
	if whole.Total != 42 || whole.Next != "" || len(whole.Services) != 42 {
		t.Fatalf("the whole fleet: total %d, %d services, next %q", whole.Total, len(whole.Services), whole.Next)
	}
	sortedAll := slices.Sorted(slices.Values(all))
	if got := ids(whole); !slices.Equal(got, sortedAll) {
		t.Errorf("the whole fleet in project order:\n got %v\nwant %v", got, sortedAll)
	}
	asking := FleetRequests{CPUMillicores: 250, MemoryBytes: 1 << 30, GPUs: 1}
	for _, s := range whole.Services {
		if want := map[bool]FleetRequests{true: {}, false: asking}[s.State == "suspended"]; s.Requests != want {
			t.Errorf("%s (%s) requests %+v, want %+v", s.Service.ID, s.State, s.Requests, want)
		}
	}

	gone := map[string]bool{} // services deleted by now
	for _, sort := range []string{"owner", "-started", "name", "-chart"} {
		t.Run(sort, func(t *testing.T) {
			seen := map[string]int{}
			var order []FleetService
			added := 0
			cursor := ""
			for page := 0; ; page++ {
				q := url.Values{"limit": {"5"}, "sort": {sort}}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				l := w.list(t, q.Encode())
				if len(l.Services) > 5 {
					t.Fatalf("page %d has %d services, more than its limit", page, len(l.Services))
				}
				for _, s := range l.Services {
					seen[s.Project+"/"+s.Service.ID]++
					order = append(order, s)
				}
				if l.Next == "" {
					break
				}
				cursor = l.Next
				// Meanwhile, another service comes, and the administrator deletes one already
				// read and one still to come (the deletion makes the next page list the
				// regions again): pages counted by offset would skip one or read one twice.
				if page == 2 {
					added++
					w.install(t, "dave", "jupyter", fmt.Sprintf("%s-late-%d", strings.Trim(sort, "-"), added), "Late one")
					last, first := l.Services[len(l.Services)-1], order[0]
					picked := []FleetServiceRef{{Project: first.Project, Service: first.Service.ID}}
					for _, id := range sortedAll {
						if seen[id] == 0 && !gone[id] && id != last.Project+"/"+last.Service.ID {
							project, name, _ := strings.Cut(id, "/")
							picked = append(picked, FleetServiceRef{Project: project, Service: name})
							break
						}
					}
					w.delete(t, picked)
					for _, p := range picked {
						gone[p.Project+"/"+p.Service] = true
					}
				}
			}
			for _, id := range all {
				if gone[id] {
					continue
				}
				if seen[id] != 1 {
					t.Errorf("%s read %d times, want once", id, seen[id])
				}
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("%s read %d times", id, n)
				}
			}
			key, desc := fleetSorts[strings.TrimPrefix(sort, "-")], strings.HasPrefix(sort, "-")
			for i := 1; i < len(order); i++ {
				a, b := viewPlace(key, order[i-1]), viewPlace(key, order[i])
				if c := a.compare(b); (c >= 0 && !desc) || (c <= 0 && desc) {
					t.Errorf("sort %s: %s/%s came before %s/%s", sort, a.Project, a.Service, b.Project, b.Service)
				}
			}
		})
	}

	// Filters and search keep what they say; total counts them all, on every page.
	w2 := w.list(t, "")
	count := func(keep func(FleetService) bool) int {
		n := 0
		for _, s := range w2.Services {
			if keep(s) {
				n++
			}
		}
		return n
	}
	for _, c := range []struct {
		query string
		keep  func(FleetService) bool
	}{
		{"owner=bob", func(s FleetService) bool { return s.Service.Owner == "bob" }},
		{"project=user-carol&chart=vscode", func(s FleetService) bool { return s.Project == "user-carol" && s.Service.Chart == "vscode" }},
		{"state=suspended", func(s FleetService) bool { return s.Service.Suspended }},
		{"state=running", func(s FleetService) bool { return !s.Service.Suspended && s.Service.Ready }},
		{"q=ALICE+notebook", func(s FleetService) bool { return strings.HasPrefix(s.Service.FriendlyName, "Alice notebook") }},
		{"q=svc-1", func(s FleetService) bool { return strings.HasPrefix(s.Service.ID, "svc-1") }},
		{"q=nobody-has-this", func(FleetService) bool { return false }},
	} {
		want := count(c.keep)
		paged := w.list(t, c.query+"&limit=3")
		if paged.Total != want || len(paged.Services) != min(3, want) {
			t.Errorf("?%s: total %d and %d on the first page, want %d in all", c.query, paged.Total, len(paged.Services), want)
		}
		for _, s := range w.list(t, c.query).Services {
			if !c.keep(s) {
				t.Errorf("?%s kept %s/%s", c.query, s.Project, s.Service.ID)
			}
		}
	}
	if want := count(func(FleetService) bool { return true }); want == 0 || w.list(t, "state=running").Total+w.list(t, "state=suspended").Total != want {
		t.Errorf("running and suspended services do not add up to the %d of the fleet", want)
	}

	// Wrong listings say which field and why.
	for _, bad := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=ten", "limit"},
		{"sort=size", "sort"}, {"state=sleeping", "state"}, {"q=" + strings.Repeat("x", 129), "q"},
		{"limit=5&cursor=not-a-cursor", "cursor"},
		{"limit=5&sort=owner&cursor=" + w.list(t, "limit=5&sort=name").Next, "cursor"},
		{"cursor=" + w.list(t, "limit=5").Next, "limit"},
	} {
		resp, body := get(t, w.api+"/admin/services?"+bad.query)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"`+bad.field+`"`) {
			t.Errorf("?%.60s: %d %s, want 400 naming %s", bad.query, resp.StatusCode, body, bad.field)
		}
	}
}

// viewPlace is where a listed service stands in a sort.
func viewPlace(key func(m *lifecycle.Member) string, s FleetService) fleetPlace {
	r := sdk.Release{Name: s.Service.ID, Chart: s.Service.Chart, ChartVersion: s.Service.Version,
		Metadata: sdk.ReleaseMetadata{Owner: s.Service.Owner, FriendlyName: s.Service.FriendlyName}}
	if s.Service.Started != nil {
		r.Started = *s.Service.Started
	}
	m := lifecycle.Member{Region: s.Region, Project: s.Project, Release: r}
	if s.LastActive != nil {
		m.State.LastActive = *s.LastActive
	}
	return placeOf("", key, &m)
}

// TestFleetActsOnTheServicesPicked: the table's bulk delete, suspend and resume act on the
// services picked, after a dry run that changes nothing.
func TestFleetActsOnTheServicesPicked(t *testing.T) {
	w := newFleetWorld(t)
	w.seed(t)
	picked := `[{"region":"local","project":"user-alice","service":"svc-03"},{"project":"user-bob","service":"svc-04"}]`
	act := func(action string, dryRun bool) FleetActionResult {
		t.Helper()
		code, body := postJSON(t, w.api+"/admin/services/actions", fmt.Sprintf(`{"action":%q,"dryRun":%t,"filter":{"services":%s}}`, action, dryRun, picked))
		var r FleetActionResult
		if code != 200 || json.Unmarshal(body, &r) != nil {
			t.Fatalf("%s: %d %s", action, code, body)
		}
		return r
	}
	if got := w.list(t, "limit=50").Total; got != 42 { // the pages' listing, which the actions must forget
		t.Fatalf("the fleet's first page counts %d services", got)
	}
	dry := act("delete", true)
	var changes []string
	for _, o := range dry.Results {
		changes = append(changes, o.Service.Service.ID+": "+o.Change)
	}
	if !slices.Equal(changes, []string{"svc-03: running → deleted", "svc-04: running → deleted"}) ||
		!slices.ContainsFunc(dry.Commands, func(c string) bool { return c == "helm uninstall svc-03 --namespace user-alice" }) {
		t.Fatalf("delete dry run: %v, commands %v", changes, dry.Commands)
	}
	if got := w.list(t, "").Total; got != 42 {
		t.Fatalf("a dry run deleted services: %d left", got)
	}
	act("suspend", false)
	if l := w.list(t, "q=svc-03&state=suspended&limit=50"); l.Total != 1 {
		t.Errorf("svc-03 after the suspension: %+v", l.Services)
	}
	if r := act("delete", false); len(r.Results) != 2 || r.Results[0].Error != "" || r.Results[0].Change != "suspended → deleted" {
		t.Fatalf("delete: %+v", r.Results)
	}
	if got := ids(w.list(t, "q=svc-0&limit=50")); slices.Contains(got, "user-alice/svc-03") || slices.Contains(got, "user-bob/svc-04") || len(got) != 8 {
		t.Errorf("after the delete, the svc-0 services are %v", got)
	}
	// The region matters: a pick in another region names nothing here.
	code, body := postJSON(t, w.api+"/admin/services/actions", `{"action":"suspend","dryRun":true,"filter":{"services":[{"region":"elsewhere","project":"user-carol","service":"svc-05"}]}}`)
	var none FleetActionResult
	if code != 200 || json.Unmarshal(body, &none) != nil || len(none.Results) != 0 {
		t.Errorf("a pick in another region: %d %s", code, body)
	}
	code, body = postJSON(t, w.api+"/admin/services/actions", `{"action":"delete","filter":{"services":[{"service":"svc-05"}]}}`)
	if code != http.StatusBadRequest || !strings.Contains(string(body), `"field":"services[0]"`) {
		t.Errorf("a pick without its project: %d %s", code, body)
	}
}

// BenchmarkFleetFirstPage reads the first page of a fleet of 10,000 services in 100 projects
// (the memory region, whose plugin answers from memory: what remains is Basalt's own work).
func BenchmarkFleetFirstPage(b *testing.B) {
	base, host := startHost(b, map[string]config.Plugin{"k8s": {Kind: "region", Path: testplugin.Memory(b), Args: []string{"region"}}},
		"auth.local.username=root", "auth.local.roles=[admin]")
	region, _ := host.Region("k8s")
	archive, err := memory.PackageChart(memory.Chart{Name: "jupyter", Version: "1.0.0", Values: "global:\n  suspend: false\n"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	for i := range 10_000 {
		owner := fmt.Sprintf("user%02d", i%100)
		caller, project := sdk.Caller{Username: owner}, sdk.Project{ID: "user-" + owner}
		if i < 100 {
			if _, err := region.Onboard(ctx, sdk.OnboardRequest{Caller: caller, Project: project}); err != nil {
				b.Fatal(err)
			}
		}
		_, err := region.Install(ctx, sdk.InstallRequest{Caller: caller, Project: project, ReleaseName: fmt.Sprintf("jupyter-%d", i),
			Archive: bytes.NewReader(archive), Values: []byte(`{"global":{"suspend":false}}`),
			Metadata: sdk.ReleaseMetadata{Catalog: "ide", Chart: "jupyter", Owner: owner, FriendlyName: fmt.Sprintf("Notebook %d", i)}})
		if err != nil {
			b.Fatal(err)
		}
	}
	url := base + "/api/v1/admin/services?limit=100&sort=-started"
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		var l FleetList
		if err := json.NewDecoder(resp.Body).Decode(&l); err != nil || resp.StatusCode != 200 || l.Total != 10_000 || len(l.Services) != 100 {
			b.Fatalf("first page: %d, %d of %d services, %v", resp.StatusCode, len(l.Services), l.Total, err)
		}
		resp.Body.Close()
	}
}
