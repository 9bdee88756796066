package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/audit"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

func TestSecurityHeaders(t *testing.T) {
	base := start(t, nil)
	for _, path := range []string{"/", "/api/v1/me", "/api/v1/nowhere"} {
		resp, _ := get(t, base+path)
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			!strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, h.Get("Content-Security-Policy"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

// A page of another origin cannot change state with the user's cookie (CSRF), unless that
// origin is configured; API clients, which send no Origin, are not concerned.
func TestCrossOriginStateChangesAreRefused(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"files": {Kind: "storage", Path: testplugin.Memory(t), Args: []string{"storage"}},
	}, "auth.local.username=alice", "server.cors_origins=[https://notebooks.example.org]")
	mkdir := func(name string, header ...string) (*http.Response, []byte) {
		return do(t, http.MethodPost, base+"/api/v1/projects/user-alice/files/folders",
			strings.NewReader(`{"path":"user-alice/`+name+`"}`), append([]string{"Content-Type", "application/json"}, header...)...)
	}
	for _, h := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example.org"}} {
		resp, body := mkdir("from-elsewhere", h...)
		var e httpapi.ErrorBody
		if resp.StatusCode != 403 || json.Unmarshal(body, &e) != nil || e.Error.Code != "permission_denied" {
			t.Errorf("%v: %d %s, want 403 permission_denied", h, resp.StatusCode, body)
		}
	}
	var list FileList
	if code := getJSON(t, base+"/api/v1/projects/user-alice/files?path=user-alice/", &list); code != 200 {
		t.Fatal(code)
	}
	for _, f := range list.Folders {
		if strings.Contains(f.Name, "from-elsewhere") {
			t.Fatal("a refused cross-origin request created its folder")
		}
	}
	for _, h := range [][]string{nil, {"Sec-Fetch-Site", "same-origin"}, {"Origin", "https://notebooks.example.org"}} {
		if resp, body := mkdir("ok", h...); resp.StatusCode != 201 {
			t.Errorf("%v: %d %s, want 201", h, resp.StatusCode, body)
		}
	}
}

func TestCORSOnlyForConfiguredOrigins(t *testing.T) {
	preflight := func(base, origin string) string {
		resp, _ := do(t, http.MethodOptions, base+"/api/v1/me", nil, "Origin", origin, "Access-Control-Request-Method", "GET")
		return resp.Header.Get("Access-Control-Allow-Origin")
	}
	closed := start(t, nil)
	if got := preflight(closed, "https://notebooks.example.org"); got != "" {
		t.Errorf("no origins configured, yet Access-Control-Allow-Origin %q", got)
	}
	open := start(t, nil, "server.cors_origins=[https://notebooks.example.org]")
	if got := preflight(open, "https://notebooks.example.org"); got != "https://notebooks.example.org" {
		t.Errorf("configured origin: Access-Control-Allow-Origin %q", got)
	}
	if got := preflight(open, "https://evil.example.org"); got != "" {
		t.Errorf("other origin: Access-Control-Allow-Origin %q", got)
	}
}

func TestBodyCapSparesUploads(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"files": {Kind: "storage", Path: testplugin.Memory(t), Args: []string{"storage"}},
	}, "auth.local.username=alice", "server.max_body_bytes=1024")
	big := strings.Repeat("x", 4096)
	resp, body := do(t, http.MethodPost, base+"/api/v1/projects/user-alice/files/folders",
		strings.NewReader(`{"path":"user-alice/`+big+`"}`), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "too_large") {
		t.Errorf("oversized JSON body: %d %s, want 413 too_large", resp.StatusCode, body)
	}
	if resp, body := do(t, http.MethodPut, base+"/api/v1/projects/user-alice/files/content?path=user-alice/big.txt",
		strings.NewReader(big), "Content-Type", "text/plain"); resp.StatusCode != 201 {
		t.Errorf("upload above the cap: %d %s, want 201 (uploads are exempt)", resp.StatusCode, body)
	}
}

func TestLaunchesAreRateLimitedPerUser(t *testing.T) {
	base := start(t, nil, "auth.local.username=alice", "server.rate_limit.launch_per_minute=1", "server.rate_limit.burst=2")
	launch := func() *http.Response {
		resp, _ := do(t, http.MethodPost, base+"/api/v1/projects/user-alice/services", strings.NewReader(`{}`), "Content-Type", "application/json")
		return resp
	}
	for i := range 2 {
		if resp := launch(); resp.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("launch %d refused within the burst", i+1)
		}
	}
	resp := launch()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("third launch: %d Retry-After %q, want 429 and 60", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Other calls are not limited.
	if resp, _ := get(t, base+"/api/v1/me"); resp.StatusCode != 200 {
		t.Errorf("me after the limit: %d", resp.StatusCode)
	}
}

// TestLaunchFormsAndPlansAreRateLimitedPerUser: computing a form or a plan costs a launch
// context (credentials from the storage and secrets plugins), so both take the launch rate,
// in a bucket of their own: reading forms does not use up launches.
func TestLaunchFormsAndPlansAreRateLimitedPerUser(t *testing.T) {
	base := start(t, nil, "auth.local.username=alice", "server.rate_limit.launch_per_minute=1", "server.rate_limit.burst=2")
	p := base + "/api/v1/projects/user-alice"
	form := func() int {
		resp, _ := get(t, p+"/launch/form?catalog=ide&chart=jupyter")
		return resp.StatusCode
	}
	plan := func() *http.Response {
		resp, _ := do(t, http.MethodPost, p+"/launch/plan", strings.NewReader(`{}`), "Content-Type", "application/json")
		return resp
	}
	if code := form(); code == http.StatusTooManyRequests {
		t.Fatal("first form refused")
	}
	if resp := plan(); resp.StatusCode == http.StatusTooManyRequests {
		t.Fatal("first plan refused")
	}
	resp := plan()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("third form or plan: %d Retry-After %q, want 429 and 60", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if code := form(); code != http.StatusTooManyRequests {
		t.Fatalf("a form after the limit: %d, want 429", code)
	}
	resp, _ = do(t, http.MethodPost, p+"/services", strings.NewReader(`{}`), "Content-Type", "application/json")
	if resp.StatusCode == http.StatusTooManyRequests {
		t.Errorf("a launch after forms and plans: 429; launches have their own bucket")
	}
}

func TestSignInLimitIsPerClientAddress(t *testing.T) {
	// login serves a rate-limited sign-in page with the client address taken by extract.
	login := func(extract echo.IPExtractor) func(peer, forwardedFor string) int {
		e := echo.New()
		e.IPExtractor = extract
		e.GET("/auth/login", func(c echo.Context) error { return c.NoContent(http.StatusFound) },
			limiter(1, 1, func(c echo.Context) string { return c.RealIP() }, "sign-in attempts"))
		return func(peer, forwardedFor string) int {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/auth/login", nil)
			req.RemoteAddr = peer
			req.Header.Set("X-Forwarded-For", forwardedFor)
			e.ServeHTTP(rec, req)
			return rec.Code
		}
	}
	// The server's own choice: X-Forwarded-For believed from a proxy on loopback only.
	try := login(mustNew(t, Options{Config: mustLoad(t), Plugins: emptyHost(t), Log: quiet(), Registry: prometheus.NewRegistry(),
		Authz: newAuthz(t, mustLoad(t))}).echo.IPExtractor)
	if a, b := try("127.0.0.1:4000", "192.0.2.1"), try("127.0.0.1:4000", "192.0.2.1"); a != http.StatusFound || b != http.StatusTooManyRequests {
		t.Errorf("same address behind the proxy: %d then %d, want 302 then 429", a, b)
	}
	if c := try("127.0.0.1:4000", "192.0.2.2"); c != http.StatusFound {
		t.Errorf("another address behind the proxy: %d, want 302", c)
	}
	// From a public peer, X-Forwarded-For is not believed: spoofing it does not reset the limit.
	if a, b := try("203.0.113.9:4000", "198.51.100.1"), try("203.0.113.9:4000", "198.51.100.2"); a != http.StatusFound || b != http.StatusTooManyRequests {
		t.Errorf("spoofed X-Forwarded-For from a public peer: %d then %d, want 302 then 429", a, b)
	}
	if limiter(0, 1, nil, "x") != nil {
		t.Error("a rate of 0 must turn the limit off")
	}
}

// Every route that can change state is named for the audit trail, and the table names no
// route that does not exist.
func TestEveryStateChangingRouteIsAudited(t *testing.T) {
	cfg := mustLoad(t)
	srv := mustNew(t, Options{Config: cfg, Plugins: emptyHost(t), Log: quiet(), Registry: prometheus.NewRegistry(), Authz: newAuthz(t, cfg)})
	seen := map[string]bool{}
	for _, r := range srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true // a read that reveals a secret is audited too
		switch r.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			if _, ok := auditActions[key]; !ok {
				t.Errorf("%s changes state but has no audit action", key)
			}
		}
	}
	for key := range auditActions {
		if !seen[key] {
			t.Errorf("audit action for %s, which is not a route", key)
		}
	}
}

type hook struct {
	mu     sync.Mutex
	events []audit.Event
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var e audit.Event
	body, _ := io.ReadAll(r.Body)
	if json.Unmarshal(body, &e) == nil {
		h.mu.Lock()
		h.events = append(h.events, e)
		h.mu.Unlock()
	}
}

func (h *hook) wait(t *testing.T, n int) []audit.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.mu.Lock()
		got := append([]audit.Event(nil), h.events...)
		h.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStateChangesReachTheAuditWebhook(t *testing.T) {
	h := &hook{}
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	base := startWithPlugins(t, map[string]config.Plugin{
		"files":   {Kind: "storage", Path: testplugin.Memory(t), Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: testplugin.Memory(t), Args: []string{"secrets"}},
	}, "auth.local.username=alice", "auth.local.groups=[data-team]", "audit.webhook_url="+receiver.URL)
	api := base + "/api/v1/projects/"

	do(t, http.MethodPut, api+"user-alice/files/content?path=user-alice/notes.txt", strings.NewReader("hello"), "Content-Type", "text/plain")
	do(t, http.MethodPut, api+"user-alice/secrets/secret?path=db", strings.NewReader(`{"data":{"password":"s3cr3t-value"}}`), "Content-Type", "application/json")
	do(t, http.MethodDelete, api+"project-other/secrets/secret?path=db", nil)                                         // not her project
	do(t, http.MethodPost, api+"user-alice/launch/plan", strings.NewReader(`{}`), "Content-Type", "application/json") // computes only
	get(t, api+"user-alice/files")                                                                                    // reads are not audited

	events := h.wait(t, 3)
	if len(events) != 3 {
		t.Fatalf("webhook got %d events, want 3: %+v", len(events), events)
	}
	want := []audit.Event{
		{Actor: "alice", Project: "user-alice", Action: "files.upload", Target: "user-alice/notes.txt", Outcome: audit.Success},
		{Actor: "alice", Project: "user-alice", Action: "secrets.write", Target: "db", Outcome: audit.Success},
		{Actor: "alice", Project: "project-other", Action: "secrets.delete", Target: "db", Outcome: audit.Denied},
	}
	for i, w := range want {
		g := events[i]
		if g.Actor != w.Actor || g.Project != w.Project || g.Action != w.Action || g.Target != w.Target || g.Outcome != w.Outcome ||
			g.RequestID == "" || g.Status == 0 {
			t.Errorf("event %d: got %+v, want %+v", i, g, w)
		}
		raw, _ := json.Marshal(g)
		if strings.Contains(string(raw), "s3cr3t-value") {
			t.Errorf("event %d carries a secret value: %s", i, raw)
		}
	}
}

func mustLoad(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func emptyHost(t *testing.T) *pluginhost.Host {
	t.Helper()
	host, err := pluginhost.New(nil, quiet(), pluginhost.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	return host
}

func TestLaunchIsAuditedWithTheServiceItCreated(t *testing.T) {
	h := &hook{}
	receiver := httptest.NewServer(h)
	defer receiver.Close()
	mem := testplugin.Memory(t)
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts":  {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: launchCatalog},
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
		"k8s":     {Kind: "region", Path: mem, Args: []string{"region"}},
	}, "auth.local.username=alice", "audit.webhook_url="+receiver.URL)
	code, body := postJSON(t, base+"/api/v1/projects/user-alice/services", `{"catalog":"ide","chart":"notebook"}`)
	var launched struct{ Service struct{ ID string } }
	if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil || launched.Service.ID == "" {
		t.Fatalf("launch: %d %s", code, body)
	}
	events := h.wait(t, 1)
	if len(events) != 1 || events[0].Action != "services.launch" || events[0].Target != launched.Service.ID ||
		events[0].Outcome != audit.Success || events[0].Status != http.StatusAccepted {
		t.Fatalf("audit events %+v, want one services.launch of %s", events, launched.Service.ID)
	}
}
