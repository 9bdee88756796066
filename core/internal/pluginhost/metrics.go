package pluginhost

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the plugin host's Prometheus series.
type Metrics struct {
	calls    *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	restarts *prometheus.CounterVec
}

// NewMetrics creates the series and registers them with reg (nil: not exported).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "basalt_plugin_call_duration_seconds",
			Help:    "Duration of calls from the core to plugins.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"plugin", "kind", "method"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "basalt_plugin_call_errors_total",
			Help: "Calls to plugins that returned an error, by error kind.",
		}, []string{"plugin", "kind", "method", "error"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "basalt_plugin_restarts_total",
			Help: "Plugin processes restarted after they exited on their own.",
		}, []string{"plugin", "kind"}),
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.errors, m.restarts)
	}
	return m
}

// CallStats are what the host measured of one plugin's calls since this process started.
type CallStats struct {
	Calls  uint64
	Errors uint64
	// P50 and P99 are estimated from the call histogram's buckets, as Prometheus'
	// histogram_quantile does (linearly within a bucket); zero without calls.
	P50, P99 time.Duration
}

// callsOf sums the series of one plugin over its methods.
func (m *Metrics) callsOf(plugin string) CallStats {
	var out CallStats
	var bounds []float64
	var cumulative []uint64
	for _, d := range collect(m.calls) {
		if !hasLabel(d, "plugin", plugin) {
			continue
		}
		h := d.GetHistogram()
		out.Calls += h.GetSampleCount()
		buckets := h.GetBucket()
		if bounds == nil {
			bounds, cumulative = make([]float64, len(buckets)), make([]uint64, len(buckets))
			for i, b := range buckets {
				bounds[i] = b.GetUpperBound()
			}
		}
		for i, b := range buckets {
			cumulative[i] += b.GetCumulativeCount()
		}
	}
	for _, d := range collect(m.errors) {
		if hasLabel(d, "plugin", plugin) {
			out.Errors += uint64(d.GetCounter().GetValue())
		}
	}
	out.P50 = seconds(quantile(0.5, bounds, cumulative, out.Calls))
	out.P99 = seconds(quantile(0.99, bounds, cumulative, out.Calls))
	return out
}

func collect(c prometheus.Collector) []*dto.Metric {
	ch := make(chan prometheus.Metric, 64)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	var out []*dto.Metric
	for m := range ch {
		d := &dto.Metric{}
		if m.Write(d) == nil {
			out = append(out, d)
		}
	}
	return out
}

func hasLabel(d *dto.Metric, name, value string) bool {
	for _, l := range d.GetLabel() {
		if l.GetName() == name {
			return l.GetValue() == value
		}
	}
	return false
}

// quantile estimates the q-quantile of total observations from cumulative bucket counts
// under upper bounds: linearly within the bucket where it falls, the last finite bound when
// it falls beyond it.
func quantile(q float64, bounds []float64, cumulative []uint64, total uint64) float64 {
	if total == 0 || len(bounds) == 0 {
		return 0
	}
	rank := q * float64(total)
	lower, below := 0.0, uint64(0)
	for i, upper := range bounds {
		if float64(cumulative[i]) >= rank {
			return lower + (upper-lower)*(rank-float64(below))/float64(cumulative[i]-below)
		}
		lower, below = upper, cumulative[i]
	}
	return bounds[len(bounds)-1]
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
