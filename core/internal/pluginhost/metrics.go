package pluginhost

import "github.com/prometheus/client_golang/prometheus"

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
