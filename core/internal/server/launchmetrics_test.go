package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLaunchMetrics launches through the memory region and reads /metrics as Prometheus does.
func TestLaunchMetrics(t *testing.T) {
	api := launchServer(t, "alice", "[]")
	services := api + "/projects/user-alice/services"
	if code, body := postJSON(t, services, `{"catalog":"ide","chart":"notebook"}`); code != 202 {
		t.Fatalf("launch: %d %s", code, body)
	}
	if code, body := postJSON(t, services, `{"catalog":"ide","chart":"notebook","values":{"cpu":99}}`); code != 400 {
		t.Fatalf("invalid values: %d %s", code, body)
	}
	if code, body := postJSON(t, services, `{"catalog":"ide","chart":"no-such-chart"}`); code != 404 {
		t.Fatalf("unknown chart: %d %s", code, body)
	}

	resp, err := http.Get(strings.TrimSuffix(api, "/api/v1") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	metrics := string(raw)
	for _, want := range []string{
		`basalt_launches_total{catalog="ide",chart="notebook"} 1`,
		`basalt_launch_duration_seconds_count{catalog="ide",chart="notebook"} 1`,
		`basalt_launch_failures_total{reason="invalid_argument"} 1`,
		`basalt_launch_failures_total{reason="not_found"} 1`,
		`basalt_http_request_duration_seconds_count{method="POST",route="/api/v1/projects/:project/services",status="202"} 1`,
		`basalt_http_request_duration_seconds_count{method="POST",route="/api/v1/projects/:project/services",status="400"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, "no-such-chart") {
		t.Error("a chart that does not exist must not become a label")
	}
}
