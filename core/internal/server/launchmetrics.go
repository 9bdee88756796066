package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/basalt-dev/basalt/core/internal/httpapi"
)

// launchMetrics are the Prometheus series of launches. Charts label only launches that were
// accepted, so that a caller cannot grow the series with names of charts that do not exist.
type launchMetrics struct {
	accepted *prometheus.CounterVec
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

func newLaunchMetrics(reg prometheus.Registerer) *launchMetrics {
	m := &launchMetrics{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "basalt_launches_total",
			Help: "Launches the region accepted, by catalog and chart.",
		}, []string{"catalog", "chart"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "basalt_launch_duration_seconds",
			Help: "Time from a launch request to the region's acceptance of the release (form, values, chart archive, install call), by catalog and chart.",
			// A launch fetches a chart archive and asks the cluster: tens of milliseconds
			// to tens of seconds.
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"catalog", "chart"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "basalt_launch_failures_total",
			Help: "Launch requests that failed, by reason (the API's error code: invalid_argument, not_found, unavailable...).",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.accepted, m.duration, m.failures)
	return m
}

func (m *launchMetrics) launched(catalog, chart string, took time.Duration) {
	m.accepted.WithLabelValues(catalog, chart).Inc()
	m.duration.WithLabelValues(catalog, chart).Observe(took.Seconds())
}

// failed counts err, if any, under the code the API answers it with.
func (m *launchMetrics) failed(err error) {
	if err == nil {
		return
	}
	_, body := httpapi.Describe(err)
	m.failures.WithLabelValues(body.Error.Code).Inc()
}
