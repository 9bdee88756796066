package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/api"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
)

// start serves a real server on a loopback port and returns its base URL.
func start(t *testing.T, portal fstest.MapFS, sets ...string) string {
	t.Helper()
	opts := testOptions(t, sets...)
	if portal != nil {
		opts.Portal = portal
	}
	srv := mustNew(t, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	return "http://" + ln.Addr().String()
}

func newAuthz(t testing.TB, cfg *config.Config) *authz.Authorizer {
	t.Helper()
	a, err := authz.New(cfg.Authz, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestHealthReadinessMetrics(t *testing.T) {
	base := start(t, nil)
	if resp, body := get(t, base+"/healthz"); resp.StatusCode != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, body := get(t, base+"/readyz")
	var r Readiness
	if err := json.Unmarshal([]byte(body), &r); err != nil || resp.StatusCode != 200 || !r.Ready {
		t.Fatalf("readyz with no plugin: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, base+"/api/v1/version"); resp.Header.Get("X-Request-Id") == "" {
		t.Fatal("responses must carry a request id")
	}
	_, metrics := get(t, base+"/metrics")
	if !strings.Contains(metrics, `basalt_http_request_duration_seconds_count{method="GET",route="/api/v1/version",status="200"} 1`) {
		t.Fatalf("metrics do not count the request:\n%s", metrics)
	}
}

func TestErrorsHaveOneShape(t *testing.T) {
	base := start(t, nil)
	for _, path := range []string{"/api/v1/no-such-thing", "/api/v1/"} {
		resp, body := get(t, base+path)
		var e httpapi.ErrorBody
		if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 404 || e.Error.Code != "not_found" {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e httpapi.ErrorBody
	if json.NewDecoder(resp.Body).Decode(&e) != nil || resp.StatusCode != 405 || e.Error.Code != "method_not_allowed" {
		t.Errorf("POST /healthz: %d %+v", resp.StatusCode, e)
	}
	resp.Body.Close()
}

// TestOpenAPIMatchesRoutes fails when a route of /api/v1 is not documented or a documented
// path has no route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" /api/v1"+openAPIToEcho(path)] = false
		}
	}
	cfg, _ := config.Load(config.Sources{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	host, _ := pluginhost.New(nil, log, pluginhost.NewMetrics(nil))
	srv := mustNew(t, Options{Config: cfg, Plugins: host, Log: log, Registry: prometheus.NewRegistry(), Authz: newAuthz(t, cfg)})
	for _, r := range srv.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasSuffix(r.Path, "/*") || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		key := r.Method + " " + r.Path
		if _, ok := documented[key]; !ok {
			t.Errorf("route %s is not in core/api/openapi.yaml", key)
		}
		documented[key] = true
	}
	for key, seen := range documented {
		if !seen {
			t.Errorf("openapi.yaml documents %s, which has no route", key)
		}
	}
}

func openAPIToEcho(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = ":" + strings.Trim(p, "{}")
		}
	}
	return strings.Join(parts, "/")
}

func TestPortalFallsBackToIndex(t *testing.T) {
	base := start(t, fstest.MapFS{
		"index.html":      {Data: []byte("<html>portal</html>")},
		"assets/app-1.js": {Data: []byte("console.log(1)")},
	})
	if resp, body := get(t, base+"/launcher/ide/jupyter"); resp.StatusCode != 200 || body != "<html>portal</html>" {
		t.Fatalf("a client route must get index.html: %d %q", resp.StatusCode, body)
	}
	resp, body := get(t, base+"/assets/app-1.js")
	if body != "console.log(1)" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("assets are served and cached for good: %q %q", body, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := get(t, base+"/api/v1/unknown"); resp.StatusCode != 404 {
		t.Fatalf("the API must not fall back to the portal: %d", resp.StatusCode)
	}
}

func TestPortalNotBuilt(t *testing.T) {
	base := start(t, nil)
	if _, body := get(t, base+"/"); !strings.Contains(body, "not been built") {
		t.Fatalf("without a portal, / must say so: %q", body)
	}
}

func TestMeInLocalMode(t *testing.T) {
	base := start(t, nil)
	resp, body := get(t, base+"/api/v1/me")
	var me Me
	if err := json.Unmarshal([]byte(body), &me); err != nil || resp.StatusCode != 200 {
		t.Fatalf("me: %d %s", resp.StatusCode, body)
	}
	if me.Username == "" || len(me.Projects) != 1 || me.Projects[0].ID != "user-"+me.Username {
		t.Fatalf("the local user has one personal project: %+v", me)
	}
}

func TestPluginsAreForAdministrators(t *testing.T) {
	admin := start(t, nil, "auth.local.roles=[admin]")
	if resp, body := get(t, admin+"/api/v1/plugins"); resp.StatusCode != 200 || !strings.Contains(body, `"plugins"`) {
		t.Fatalf("admin: %d %s", resp.StatusCode, body)
	}
	user := start(t, nil, "auth.local.roles=[]")
	resp, body := get(t, user+"/api/v1/plugins")
	var e httpapi.ErrorBody
	if json.Unmarshal([]byte(body), &e) != nil || resp.StatusCode != 403 || e.Error.Code != "permission_denied" {
		t.Fatalf("non-admin: %d %s", resp.StatusCode, body)
	}
}

func mustNew(t testing.TB, opts Options) *Server {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.http.Handler = checkAnswers(t, srv.http.Handler)
	return srv
}
