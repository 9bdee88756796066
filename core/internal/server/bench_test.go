package server

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// BenchmarkHTTPListCharts measures listing a catalog's charts through the API, in process,
// with the catalog plugin as a real subprocess (goal: under 2 ms at the median).
func BenchmarkHTTPListCharts(b *testing.B) {
	measureGET(b, startWithCatalog(b)+"/api/v1/catalogs/ide/charts")
}

// measureGET requests url b.N times (after one request that warms the connections) and
// reports the median and 99th percentile latencies.
func measureGET(b *testing.B, url string) {
	client := &http.Client{}
	get := func() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	get() // warm the connections
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		began := time.Now()
		get()
		durations = append(durations, time.Since(began))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-us")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-us")
}
