package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/lifecycle"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// suspendable is one chart Onyxia-style: global.suspend takes its replicas away.
var suspendable = map[string]any{"catalogs": []any{map[string]any{"id": "ide", "status": "PROD", "charts": []any{
	map[string]any{"name": "notebook", "version": "1.0.0", "values": "global:\n  suspend: false\nimage: notebook:1\n"},
	map[string]any{"name": "notebook", "version": "2.0.0", "values": "global:\n  suspend: false\nimage: notebook:2\n"},
	map[string]any{"name": "jupyter", "version": "1.0.0", "values": "global:\n  suspend: false\nsecurity:\n  password: \"\"\ningress:\n  endpoint: \"\"\n"},
}}}}

// clock is a time the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// hooked records the lifecycle events a webhook receives.
type hooked struct {
	mu     sync.Mutex
	events []lifecycle.Event
}

func (h *hooked) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var e lifecycle.Event
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &e); err != nil || r.Header.Get("Authorization") != "Bearer hook-secret" {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.events = append(h.events, e)
	h.mu.Unlock()
}

func (h *hooked) kinds() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		out = append(out, e.Kind+" "+e.Action+" "+e.Reason)
	}
	return out
}

// startLifecycle serves Basalt on the memory plugins with the lifecycle engine on a clock the
// test moves; the engine runs only when the test ticks it.
func startLifecycle(t *testing.T, clk *clock, policy config.LifecyclePolicy, sets ...string) (string, *Server, *prometheus.Registry) {
	t.Helper()
	cfg, err := config.Load(config.Sources{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Lifecycle.Policies = []config.LifecyclePolicy{policy}
	mem := testplugin.Memory(t)
	cfg.Plugins = map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: suspendable},
		"k8s":    {Kind: "region", Path: mem, Args: []string{"region"}},
	}
	cfg.Regions[0].Storage, cfg.Regions[0].Secrets, cfg.Regions[0].Region = "", "", "k8s"
	log := logscan.Logger(t, "core")
	host, err := pluginhost.New(cfg.Plugins, log, pluginhost.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(host.Close)
	if err := host.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	registry := prometheus.NewRegistry()
	srv := mustNew(t, Options{Config: cfg, Plugins: host, Log: log, Registry: registry, Authz: newAuthz(t, cfg), LifecycleClock: clk.Now})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String(), srv, registry
}

func putJSON(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, data := do(t, http.MethodPut, url, strings.NewReader(body), "Content-Type", "application/json")
	return resp.StatusCode, data
}

// TestLifecycleNoticeKeepAndSuspend drives the engine with a clock: a service past its
// lifetime is announced (webhook, the owner's notices, the service's page), kept by its owner
// (the notice withdrawn), announced again when the keep ends, and suspended once the notice
// has been out for its lead time; then an administrator resumes it with a fleet action, after
// a dry run that changes nothing.
func TestLifecycleNoticeKeepAndSuspend(t *testing.T) {
	hook := &hooked{}
	receiver := httptest.NewServer(hook)
	defer receiver.Close()
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	base, srv, registry := startLifecycle(t, clk, config.LifecyclePolicy{Name: "Short", MaxLifetime: 2 * time.Hour, MaxKeep: 168 * time.Hour},
		"auth.local.username=alice", "auth.local.email=alice@example.org", "lifecycle.notices.before_suspend=30m", "lifecycle.notices.webhook.url="+receiver.URL,
		"lifecycle.notices.webhook.headers.Authorization=Bearer hook-secret")
	api := base + "/api/v1"
	services := api + "/projects/user-alice/services"
	code, body := postJSON(t, services, `{"catalog":"ide","chart":"notebook","version":"1.0.0"}`)
	var launched LaunchResult
	if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
		t.Fatalf("launch: %d %s", code, body)
	}
	svc := services + "/" + launched.Service.ID
	engine := srv.Lifecycle()
	tick := func() {
		t.Helper()
		if err := engine.Tick(t.Context()); err != nil {
			t.Fatalf("tick at %v: %v", clk.Now(), err)
		}
	}
	service := func() ServiceView { t.Helper(); return serviceAt(t, svc) }
	notices := func() []ServiceNotice {
		t.Helper()
		var n Notices
		if code := getJSON(t, api+"/me/notices", &n); code != 200 {
			t.Fatalf("notices: %d", code)
		}
		return n.Notices
	}

	var launcherPolicy LifecyclePolicy
	if code := getJSON(t, api+"/projects/user-alice/lifecycle?catalog=ide", &launcherPolicy); code != 200 || launcherPolicy.Lifecycle == nil ||
		launcherPolicy.Lifecycle.Policy != "Short" || launcherPolicy.Lifecycle.MaxLifetimeSeconds != 7200 || launcherPolicy.NoticeBeforeSuspendSeconds != 1800 {
		t.Fatalf("the launcher's policy: %d %+v", code, launcherPolicy)
	}
	tick()
	if v := service(); v.Lifecycle == nil || v.Lifecycle.MaxLifetimeSeconds != 7200 || v.Lifecycle.Notice != nil {
		t.Fatalf("a fresh service's lifecycle: %+v", v.Lifecycle)
	}
	clk.advance(89 * time.Minute)
	tick()
	if n := notices(); len(n) != 0 {
		t.Fatalf("notices 89 minutes in (lifetime 2 h, notice 30 min before): %+v", n)
	}
	clk.advance(2 * time.Minute)
	tick()
	n := notices()
	if len(n) != 1 || n[0].Action != "suspend" || n[0].Reason != "lifetime" || n[0].Service != launched.Service.ID {
		t.Fatalf("notices 91 minutes in: %+v, want the suspension for lifetime", n)
	}
	if got := hook.kinds(); len(got) != 1 || got[0] != "notice suspend lifetime" {
		t.Fatalf("webhook events: %v", got)
	}
	if e := hook.events[0]; !strings.Contains(e.KeepURL, "/my-services/"+launched.Service.ID) || !strings.Contains(e.KeepURL, "keep=1") || e.Owner != "alice" {
		t.Errorf("the notice's links and owner: %+v", e)
	}

	// The owner keeps it for a day: the notice goes, nothing happens past the due time.
	keep := clk.Now().Add(24 * time.Hour)
	if code, body := putJSON(t, svc+"/lifecycle", `{"keepUntil":"`+keep.Format(time.RFC3339)+`"}`); code != 200 {
		t.Fatalf("keep: %d %s", code, body)
	}
	if code, body := putJSON(t, svc+"/lifecycle", `{"keepUntil":"`+clk.Now().Add(30*24*time.Hour).Format(time.RFC3339)+`"}`); code != 400 || !strings.Contains(string(body), "keepUntil") && !strings.Contains(string(body), "until") {
		t.Errorf("keeping for 30 days past max_keep 168h: %d %s", code, body)
	}
	clk.advance(time.Hour)
	tick()
	if v := service(); v.Suspended || v.Lifecycle.Notice != nil || v.Lifecycle.KeepUntil == nil {
		t.Fatalf("a kept service an hour past its due time: suspended %v, lifecycle %+v", v.Suspended, v.Lifecycle)
	}
	clk.advance(23 * time.Hour)
	tick()
	if n := notices(); len(n) != 1 {
		t.Fatalf("notices once the keep ended: %+v", n)
	}
	clk.advance(29 * time.Minute)
	tick()
	if service().Suspended {
		t.Fatal("suspended 29 minutes after its notice (lead 30 min)")
	}
	clk.advance(time.Minute)
	tick()
	v := service()
	if !v.Suspended || v.Lifecycle.SuspendedBy != "lifetime" || v.Lifecycle.Notice != nil {
		t.Fatalf("30 minutes after the notice: suspended %v, lifecycle %+v", v.Suspended, v.Lifecycle)
	}
	if got := lifecycleActions(t, registry, "suspend", "lifetime"); got != 1 {
		t.Errorf("basalt_lifecycle_actions_total{action=suspend,reason=lifetime} = %v, want 1", got)
	}
	if got := hook.kinds(); strings.Join(got, ",") != "notice suspend lifetime,notice suspend lifetime,taken suspend lifetime" {
		t.Errorf("webhook events: %v", got)
	}

	// The administrator resumes every suspended service of the chart: a dry run first.
	var dry FleetActionResult
	code, body = postJSON(t, api+"/admin/services/actions", `{"action":"resume","filter":{"chart":"notebook"},"dryRun":true}`)
	if code != 200 || json.Unmarshal(body, &dry) != nil || len(dry.Results) != 1 || dry.Results[0].Change != "suspended → running" || !dry.DryRun {
		t.Fatalf("dry run: %d %s", code, body)
	}
	if !service().Suspended {
		t.Fatal("a dry run resumed the service")
	}
	code, body = postJSON(t, api+"/admin/services/actions", `{"action":"resume","filter":{"chart":"notebook"}}`)
	if code != 200 || service().Suspended {
		t.Fatalf("fleet resume: %d %s", code, body)
	}
	var fleet FleetList
	if code := getJSON(t, api+"/admin/services?chart=notebook&version=1.0.0", &fleet); code != 200 || len(fleet.Services) != 1 || fleet.Services[0].Project != "user-alice" {
		t.Fatalf("fleet listing: %d %+v", code, fleet)
	}
	if code := getJSON(t, api+"/admin/services?version=9.9.9", &fleet); code != 200 || len(fleet.Services) != 0 {
		t.Errorf("a filter matching nothing: %d %+v", code, fleet)
	}
	// Upgrading every notebook 1.0.0 to 2.0.0: planned first (nothing changes), then applied.
	code, body = postJSON(t, api+"/admin/services/actions", `{"action":"upgrade","version":"2.0.0","filter":{"version":"1.0.0"},"dryRun":true}`)
	if code != 200 || json.Unmarshal(body, &dry) != nil || len(dry.Results) != 1 || dry.Results[0].Change != "notebook 1.0.0 → 2.0.0" || dry.Results[0].Error != "" {
		t.Fatalf("upgrade dry run: %d %s", code, body)
	}
	if v := service(); v.Version != "1.0.0" {
		t.Fatalf("a dry run upgraded the service to %s", v.Version)
	}
	code, body = postJSON(t, api+"/admin/services/actions", `{"action":"upgrade","version":"2.0.0","filter":{"version":"1.0.0"}}`)
	if v := service(); code != 200 || v.Version != "2.0.0" {
		t.Fatalf("fleet upgrade: %d %s; the service runs %s", code, body, v.Version)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"action":"reboot"}`, "action"},
		{`{"action":"upgrade"}`, "version"},
		{`{"action":"suspend","filter":{"chart":"` + strings.Repeat("x", 200) + `"}}`, "chart"},
	} {
		if code, body := postJSON(t, api+"/admin/services/actions", bad.body); code != 400 || !strings.Contains(string(body), bad.field) {
			t.Errorf("fleet action %.60s: %d %s, want 400 naming %s", bad.body, code, body, bad.field)
		}
	}

	// Resumed: the engine counts its lifetime anew rather than suspending it at once.
	tick()
	if v := service(); v.Suspended || v.Lifecycle.Notice != nil {
		t.Errorf("after the resume: suspended %v, notice %+v", v.Suspended, v.Lifecycle.Notice)
	}
}

// lifecycleActions reads basalt_lifecycle_actions_total for one action and reason.
func lifecycleActions(t *testing.T, registry *prometheus.Registry, action, reason string) float64 {
	t.Helper()
	families, err := registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "basalt_lifecycle_actions_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["action"] == action && labels["reason"] == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// jupyterKernels stands for Jupyter Server's /api/kernels behind a service's endpoint: the
// kernels it reports, to callers with its token only.
type jupyterKernels struct {
	token string
	mu    sync.Mutex
	body  string
	asked int
}

func (j *jupyterKernels) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/kernels" || r.Header.Get("Authorization") != "token "+j.token {
		http.Error(w, "403 Forbidden", http.StatusForbidden)
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.asked++
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, j.body)
}

func (j *jupyterKernels) set(body string) { j.mu.Lock(); j.body = body; j.mu.Unlock() }

// TestLifecycleWritesArePaced: the engine's first pass writes a state for each service it has
// not seen; lifecycle.writes_per_second paces those writes, so that a platform's thousands of
// existing services do not crowd out users' calls. A pass with nothing to write is not held.
func TestLifecycleWritesArePaced(t *testing.T) {
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	base, srv, _ := startLifecycle(t, clk, config.LifecyclePolicy{Name: "Short", MaxLifetime: 2 * time.Hour},
		"auth.local.username=alice", "lifecycle.writes_per_second=2")
	services := base + "/api/v1/projects/user-alice/services"
	const launched = 4
	for range launched {
		if code, body := postJSON(t, services, `{"catalog":"ide","chart":"notebook","version":"1.0.0"}`); code != http.StatusAccepted {
			t.Fatalf("launch: %d %s", code, body)
		}
	}
	engine := srv.Lifecycle()
	began := time.Now()
	if err := engine.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The first write goes at once, each next one half a second later.
	if took := time.Since(began); took < 1400*time.Millisecond {
		t.Errorf("a first pass over %d services at 2 writes a second took %v, want at least 1.5 s", launched, took)
	}
	began = time.Now()
	if err := engine.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took >= time.Second {
		t.Errorf("a pass with nothing to write took %v", took)
	}
}

// launchProbedJupyter starts Basalt with an engine whose policy suspends after idle, and
// launches a Jupyter whose endpoint is a jupyterKernels that wants the launch's password; it
// returns the kernels, the engine's clock, the server and the service's URL.
func launchProbedJupyter(t *testing.T, idle time.Duration) (*jupyterKernels, *clock, *Server, string) {
	t.Helper()
	jupyter := &jupyterKernels{token: "launch-time-password"}
	backend := httptest.NewServer(jupyter)
	t.Cleanup(backend.Close)
	clk := &clock{now: time.Now().UTC().Truncate(time.Second)}
	base, srv, _ := startLifecycle(t, clk, config.LifecyclePolicy{Name: "Idle", SuspendAfterIdle: idle}, "auth.local.username=alice",
		"lifecycle.notices.before_suspend=10m")
	services := base + "/api/v1/projects/user-alice/services"
	endpoint := strings.TrimPrefix(backend.URL, "http://")
	code, body := postJSON(t, services, `{"catalog":"ide","chart":"jupyter","values":{"security":{"password":"launch-time-password"},"ingress":{"endpoint":"`+endpoint+`"}}}`)
	var launched LaunchResult
	if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
		t.Fatalf("launch: %d %s", code, body)
	}
	return jupyter, clk, srv, services + "/" + launched.Service.ID
}

// TestJupyterAskedWhetherItIsInUse: in a region without a metrics API, a Jupyter whose kernel
// computes for hours is never announced; once its kernels idle, an open tab notwithstanding,
// it is announced and suspended. The engine reaches Jupyter at the endpoint the region gives
// for the service, with the token the service was launched with.
func TestJupyterAskedWhetherItIsInUse(t *testing.T) {
	jupyter, clk, srv, svc := launchProbedJupyter(t, time.Hour)
	engine := srv.Lifecycle()
	service := func() ServiceView { t.Helper(); return serviceAt(t, svc) }
	tickFor := func(d time.Duration) {
		t.Helper()
		for end := clk.Now().Add(d); clk.Now().Before(end); clk.advance(5 * time.Minute) {
			jupyter.mu.Lock()
			if strings.Contains(jupyter.body, "busy") { // a kernel computing reports its last message as now
				jupyter.body = fmt.Sprintf(`[{"id":"k1","execution_state":"busy","last_activity":%q,"connections":0}]`, clk.Now().Format(time.RFC3339))
			}
			jupyter.mu.Unlock()
			if err := engine.Tick(t.Context()); err != nil {
				t.Fatalf("tick: %v", err)
			}
		}
	}
	jupyter.set(`[{"id":"k1","execution_state":"busy"}]`)
	tickFor(4 * time.Hour)
	if v := service(); v.Suspended || v.Lifecycle.Notice != nil {
		t.Fatalf("a kernel computing for 4 h (idle 1 h): suspended %v, notice %+v", v.Suspended, v.Lifecycle.Notice)
	}
	if jupyter.asked < 40 {
		t.Fatalf("Jupyter was asked %d times in 48 passes", jupyter.asked)
	}
	// The computation ends; a tab stays open on the idle kernel.
	jupyter.set(fmt.Sprintf(`[{"id":"k1","execution_state":"idle","last_activity":%q,"connections":1}]`, clk.Now().Format(time.RFC3339)))
	tickFor(55 * time.Minute)
	if v := service(); v.Lifecycle.Notice == nil || v.Lifecycle.Notice.Reason != "idle" {
		t.Fatalf("idle kernels for 55 min (idle 1 h, notice 10 min before): notice %+v", v.Lifecycle.Notice)
	}
	tickFor(10 * time.Minute)
	if v := service(); !v.Suspended || v.Lifecycle.SuspendedBy != "idle" {
		t.Fatalf("idle kernels for 65 min: suspended %v, lifecycle %+v", v.Suspended, v.Lifecycle)
	}
}

// TestJupyterAskedOncePerGrain: the engine passes every minute, but asks a service's Jupyter
// once per grain of its idle time (a tenth of it, at most 5 min): a kernel computing keeps it
// from being announced all the same, and the first pass after the grain asks again.
func TestJupyterAskedOncePerGrain(t *testing.T) {
	jupyter, clk, srv, svc := launchProbedJupyter(t, 30*time.Minute)
	engine := srv.Lifecycle()
	jupyter.set(`[{"id":"k1","execution_state":"busy"}]`)
	for range 60 { // an hour, a pass a minute; the grain is 3 min (idle 30 min)
		if err := engine.Tick(t.Context()); err != nil {
			t.Fatalf("tick: %v", err)
		}
		clk.advance(time.Minute)
	}
	if jupyter.asked < 20 || jupyter.asked > 21 {
		t.Errorf("Jupyter was asked %d times in 60 passes a minute apart, want once per 3 min", jupyter.asked)
	}
	if v := serviceAt(t, svc); v.Suspended || v.Lifecycle.Notice != nil {
		t.Errorf("a kernel computing for an hour (idle 30 min): suspended %v, notice %+v", v.Suspended, v.Lifecycle.Notice)
	}
}

// serviceAt reads one service through the API.
func serviceAt(t *testing.T, url string) ServiceView {
	t.Helper()
	var d ServiceDetails
	if code := getJSON(t, url, &d); code != 200 {
		t.Fatalf("get service %s: %d", url, code)
	}
	return d.Service
}
