package launch

import (
	"sort"
	"testing"
	"time"
)

// BenchmarkLaunchResolve measures what planning one launch of jupyter-python costs a user:
// resolution (cached per chart and roles after the first call, as the server does),
// personalisation, pre-filling and validation.
func BenchmarkLaunchResolve(b *testing.B) {
	c := loadChart(b, catalogDir+"/jupyter-python-2.5.2.tgz")
	p, err := NewPlanner(nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := NewContext(contextCases()[0].in)
	req := Request{Chart: c, Context: ctx, Values: []map[string]any{{"persistence": map[string]any{"size": "30Gi"}}}}
	if _, err := p.Plan(req); err != nil {
		b.Fatal(err)
	}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := p.Plan(req); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds())/1e3, "p50-us")
}

// BenchmarkLaunchResolveCold adds resolving and compiling the schema to every call: the
// cost of the first launch of a chart version.
func BenchmarkLaunchResolveCold(b *testing.B) {
	c := loadChart(b, catalogDir+"/jupyter-python-2.5.2.tgz")
	ctx := NewContext(contextCases()[0].in)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, _ := NewPlanner(nil)
		if _, err := p.Plan(Request{Chart: c, Context: ctx}); err != nil {
			b.Fatal(err)
		}
	}
}
