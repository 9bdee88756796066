package server

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// profile fetches path (with its query) from base, with token as a bearer when set.
func profile(t *testing.T, base, path, token string) (int, []byte) {
	t.Helper()
	var header []string
	if token != "" {
		header = append(header, "Authorization", "Bearer "+token)
	}
	resp, body := do(t, http.MethodGet, base+path, nil, header...)
	return resp.StatusCode, body
}

const goroutineDump = "/debug/pprof/goroutine?debug=1"

// TestProfilesOnTheMetricsListenerAlone: with server.profiling, Go's profiles are served on the
// metrics listener, and never on the main address.
func TestProfilesOnTheMetricsListenerAlone(t *testing.T) {
	main, metrics := serveMetrics(t, "server.profiling=true")
	if code, body := profile(t, metrics, goroutineDump, ""); code != http.StatusOK || !bytes.Contains(body, []byte("goroutine profile:")) {
		t.Errorf("goroutines on the metrics listener: %d %.200s", code, body)
	}
	for _, path := range []string{goroutineDump, "/debug/pprof/", "/debug/pprof", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1"} {
		if code, body := profile(t, main, path, ""); code != http.StatusNotFound || bytes.Contains(body, []byte("goroutine")) {
			t.Errorf("%s on the main address: %d %.200s, want 404", path, code, body)
		}
	}
	// The command line may hold settings given with --set.
	if code, _ := profile(t, metrics, "/debug/pprof/cmdline", ""); code != http.StatusNotFound {
		t.Errorf("the command line on the metrics listener: %d, want 404", code)
	}
}

// TestCPUProfileLongerThanTheWriteTimeout: a CPU profile is answered once taken, after its
// seconds; the write timeout bounds each write, not the profile's length.
func TestCPUProfileLongerThanTheWriteTimeout(t *testing.T) {
	_, metrics := serveMetrics(t, "server.profiling=true", "server.timeouts.write=1s")
	code, body := profile(t, metrics, "/debug/pprof/profile?seconds=2", "")
	if code != http.StatusOK || !bytes.HasPrefix(body, []byte{0x1f, 0x8b}) { // a gzipped protocol buffer
		t.Errorf("a 2 s CPU profile with a 1 s write timeout: %d %.200q", code, body)
	}
}

// TestNoProfilesUnlessTurnedOn: without server.profiling, neither listener serves them.
func TestNoProfilesUnlessTurnedOn(t *testing.T) {
	main, metrics := serveMetrics(t)
	for _, base := range []string{main, metrics} {
		if code, body := profile(t, base, goroutineDump, ""); code != http.StatusNotFound || bytes.Contains(body, []byte("goroutine profile:")) {
			t.Errorf("goroutines at %s without server.profiling: %d, want 404", base, code)
		}
	}
}

// TestProfilesBehindTheMetricsToken: server.metrics_token guards the profiles as it does /metrics.
func TestProfilesBehindTheMetricsToken(t *testing.T) {
	const token = "metrics-token-0123456789abcdef"
	_, metrics := serveMetrics(t, "server.profiling=true", "server.metrics_token="+token)
	for _, bad := range []string{"", "wrong"} {
		if code, body := profile(t, metrics, goroutineDump, bad); code != http.StatusUnauthorized || bytes.Contains(body, []byte("goroutine")) {
			t.Errorf("goroutines with token %q: %d %.200s, want 401", bad, code, body)
		}
	}
	if code, body := profile(t, metrics, goroutineDump, token); code != http.StatusOK || !strings.Contains(string(body), "goroutine profile:") {
		t.Errorf("goroutines with the token: %d %.200s", code, body)
	}
}
