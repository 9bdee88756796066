package server

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// testOptions are the options of a server without plugins, configured by sets.
func testOptions(t *testing.T, sets ...string) Options {
	t.Helper()
	cfg, err := config.Load(config.Sources{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	log := logscan.Logger(t, "core")
	host, err := pluginhost.New(nil, log, pluginhost.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	return Options{Config: cfg, Plugins: host, Log: log, Registry: prometheus.NewRegistry(), Authz: newAuthz(t, cfg)}
}

// serveMetrics serves the server with sets on a loopback port and, when it has a metrics
// listener, that listener on another; it returns both base URLs.
func serveMetrics(t *testing.T, sets ...string) (mainURL, metricsURL string) {
	t.Helper()
	cfgSets := append([]string{"server.metrics_address=127.0.0.1:0"}, sets...)
	srv := mustNew(t, testOptions(t, cfgSets...))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	go srv.ServeMetrics(mln)
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	return "http://" + ln.Addr().String(), "http://" + mln.Addr().String()
}

func metricsAnswer(t *testing.T, url, token string) (int, string) {
	t.Helper()
	header := []string{}
	if token != "" {
		header = append(header, "Authorization", "Bearer "+token)
	}
	resp, body := do(t, http.MethodGet, url+"/metrics", nil, header...)
	return resp.StatusCode, string(body)
}

const someMetric = "basalt_http_request_duration_seconds"

// TestMetricsOnTheirOwnListener: with server.metrics_address, /metrics is served there and
// nowhere else.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	main, metrics := serveMetrics(t)
	get(t, main+"/api/v1/version")
	if code, body := metricsAnswer(t, main, ""); code != http.StatusNotFound || strings.Contains(body, someMetric) {
		t.Errorf("/metrics on the main listener: %d, want 404 without metrics", code)
	}
	if code, body := metricsAnswer(t, metrics, ""); code != 200 || !strings.Contains(body, someMetric) {
		t.Errorf("/metrics on the metrics listener: %d %.200s", code, body)
	}
	if resp, _ := get(t, metrics+"/api/v1/version"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the API on the metrics listener: %d, want 404", resp.StatusCode)
	}
}

// TestMetricsToken: with server.metrics_token, /metrics answers only that bearer token,
// wherever it is served.
func TestMetricsToken(t *testing.T) {
	const token = "metrics-token-0123456789abcdef"
	base := start(t, nil, "server.metrics_token="+token)
	get(t, base+"/api/v1/version")
	for _, bad := range []string{"", "wrong", token + "x"} {
		if code, body := metricsAnswer(t, base, bad); code != http.StatusUnauthorized || strings.Contains(body, someMetric) || strings.Contains(body, token) {
			t.Errorf("/metrics with token %q: %d %.200s, want 401 without metrics", bad, code, body)
		}
	}
	if code, body := metricsAnswer(t, base, token); code != 200 || !strings.Contains(body, someMetric) {
		t.Errorf("/metrics with the token: %d %.200s", code, body)
	}

	main, metrics := serveMetrics(t, "server.metrics_token="+token)
	get(t, main+"/api/v1/version")
	if code, _ := metricsAnswer(t, metrics, ""); code != http.StatusUnauthorized {
		t.Errorf("the metrics listener without the token: %d, want 401", code)
	}
	if code, body := metricsAnswer(t, metrics, token); code != 200 || !strings.Contains(body, someMetric) {
		t.Errorf("the metrics listener with the token: %d %.200s", code, body)
	}
}
