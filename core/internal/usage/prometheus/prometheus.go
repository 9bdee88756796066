// Package prometheus measures what pods used through a Prometheus' HTTP API, per pod and day
// (UTC): CPU core-hours from the increase of container_cpu_usage_seconds_total, running hours
// and memory GiB-hours from container_memory_working_set_bytes looked at every step (a pod is
// running while it has a working set). These are the series a Prometheus has from the
// kubelets' /metrics/resource or /metrics/cadvisor. Queries are bounded in time and their
// answers in size; failures are said in Basalt's words.
package prometheus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/usage"
)

// Bounds of what one report reads from a Prometheus. Variables so that a test reaches them.
var (
	// MaxAnswerBytes bounds one answer's body: a period's pods, a point per day each.
	MaxAnswerBytes int64 = 64 << 20
	// MaxSeries bounds the pods one answer may hold.
	MaxSeries = 100_000
)

// The series read, and what each gives.
const (
	cpuSeries    = "container_cpu_usage_seconds_total"  // a counter of core-seconds per container
	memorySeries = "container_memory_working_set_bytes" // a gauge per container, there while it runs
)

// Source is one region's Prometheus.
type Source struct {
	api      v1.API
	where    string // its URL without credentials, to name it in errors
	timeout  time.Duration
	step     time.Duration
	selector string
}

// New makes the client of a region's Prometheus, as its configuration (validated) says.
func New(cfg config.Prometheus) (*Source, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("prometheus url: %w", err)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("prometheus ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("prometheus ca_file %s holds no PEM certificate", cfg.CAFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	client, err := api.NewClient(api.Config{Address: cfg.URL,
		RoundTripper: &boundedTransport{next: transport, tokenFile: cfg.BearerTokenFile, limit: MaxAnswerBytes}})
	if err != nil {
		return nil, fmt.Errorf("prometheus url: %w", err)
	}
	return &Source{api: v1.NewAPI(client), where: u.Redacted(), timeout: cfg.QueryTimeout(), step: cfg.Resolution(),
		selector: strings.TrimSuffix(strings.TrimSpace(cfg.Selector), ",")}, nil
}

// query is one expression and what to make of its value for a pod: hours to add.
type query struct {
	expr  func(window string) string
	hours func(v float64) usage.Hours
}

// queries are the three measures of a window, given the namespaces' selectors. Running and
// memory are sums over the steps of a subquery (each step counting for a step's time); CPU is
// the counter's increase, resets included.
func (s *Source) queries(namespaces []string) []query {
	step := s.step.Seconds()
	cpu, memory := s.match(cpuSeries, namespaces), s.match(memorySeries, namespaces)
	sub := strconv.FormatFloat(step, 'f', -1, 64) + "s"
	return []query{
		{
			expr:  func(w string) string { return fmt.Sprintf("sum by (namespace, pod) (increase(%s[%s]))", cpu, w) },
			hours: func(v float64) usage.Hours { return usage.Hours{CPU: v / 3600} },
		},
		{
			expr: func(w string) string {
				return fmt.Sprintf("count_over_time((count by (namespace, pod) (%s))[%s:%s])", memory, w, sub)
			},
			hours: func(v float64) usage.Hours { return usage.Hours{Running: v * step / 3600} },
		},
		{
			expr: func(w string) string {
				return fmt.Sprintf("sum_over_time((sum by (namespace, pod) (%s))[%s:%s])", memory, w, sub)
			},
			hours: func(v float64) usage.Hours { return usage.Hours{MemoryGiB: v * step / 3600 / (1 << 30)} },
		},
	}
}

// match selects a series' containers in the namespaces: the containers themselves, not a
// pod's total (container "") nor its sandbox ("POD"), as cAdvisor also reports them.
func (s *Source) match(series string, namespaces []string) string {
	quoted := make([]string, len(namespaces))
	for i, ns := range namespaces {
		quoted[i] = regexp.QuoteMeta(ns)
	}
	m := fmt.Sprintf(`%s{namespace=~%s,pod!="",container!="",container!="POD"`, series, strconv.Quote(strings.Join(quoted, "|")))
	if s.selector != "" {
		m += "," + s.selector
	}
	return m + "}"
}

// PodHours measures the pods of namespaces over windows (Period.Windows: whole days, then
// perhaps a part of today): the whole days in one range query per measure, a point per day,
// and the part of today in one instant query per measure, all at once and within the
// configured timeout.
func (s *Source) PodHours(ctx context.Context, namespaces []string, windows []usage.Window) ([]usage.PodHours, error) {
	if len(namespaces) == 0 || len(windows) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var whole []usage.Window
	var part *usage.Window
	for i, w := range windows {
		if w.Whole() {
			whole = append(whole, w)
		} else {
			part = &windows[i]
		}
	}
	type answer struct {
		q    query
		pods []usage.PodHours
		err  error
	}
	var answers []*answer
	var wg sync.WaitGroup
	for _, q := range s.queries(namespaces) {
		if len(whole) > 0 {
			a := &answer{q: q}
			answers = append(answers, a)
			wg.Go(func() { a.pods, a.err = s.wholeDays(ctx, q, whole) })
		}
		if part != nil {
			a := &answer{q: q}
			answers = append(answers, a)
			wg.Go(func() { a.pods, a.err = s.partOfDay(ctx, q, *part) })
		}
	}
	wg.Wait()
	var out []usage.PodHours
	for _, a := range answers {
		if a.err != nil {
			return nil, s.explain(ctx, a.err)
		}
		out = append(out, a.pods...)
	}
	return out, nil
}

func (s *Source) wholeDays(ctx context.Context, q query, days []usage.Window) ([]usage.PodHours, error) {
	r := v1.Range{Start: days[0].End, End: days[len(days)-1].End, Step: 24 * time.Hour}
	value, _, _, err := s.api.QueryRange(ctx, q.expr("1d"), r, v1.WithTimeout(s.timeout), v1.WithLimit(uint64(MaxSeries)+1))
	// The point at a day's end measures that day.
	return podHours(value, err, q, func(at time.Time) time.Time { return at.UTC().Add(-24 * time.Hour) })
}

func (s *Source) partOfDay(ctx context.Context, q query, w usage.Window) ([]usage.PodHours, error) {
	window := strconv.FormatInt(int64(w.End.Sub(w.Start)/time.Second), 10) + "s"
	value, _, _, err := s.api.Query(ctx, q.expr(window), w.End, v1.WithTimeout(s.timeout), v1.WithLimit(uint64(MaxSeries)+1))
	return podHours(value, err, q, func(time.Time) time.Time { return w.Day() })
}

// podHours reads an answer, a vector or a matrix of values per pod, as hours on the day each
// value's time measures.
func podHours(value model.Value, err error, q query, dayOf func(time.Time) time.Time) ([]usage.PodHours, error) {
	if err != nil {
		return nil, err
	}
	var out []usage.PodHours
	add := func(m model.Metric, at model.Time, v model.SampleValue) {
		out = append(out, usage.PodHours{Day: dayOf(at.Time()), Namespace: string(m["namespace"]), Pod: string(m["pod"]), Hours: q.hours(float64(v))})
	}
	switch answer := value.(type) {
	case model.Matrix:
		if len(answer) > MaxSeries {
			return nil, errTooManyPods
		}
		for _, series := range answer {
			for _, p := range series.Values {
				add(series.Metric, p.Timestamp, p.Value)
			}
		}
	case model.Vector:
		if len(answer) > MaxSeries {
			return nil, errTooManyPods
		}
		for _, sample := range answer {
			add(sample.Metric, sample.Timestamp, sample.Value)
		}
	default:
		return nil, fmt.Errorf("an answer of type %T, not a vector or a matrix", value)
	}
	return out, nil
}

var (
	errTooManyPods    = errors.New("too many pods")
	errAnswerTooLarge = errors.New("answer too large")
)

// explain says what went wrong in Basalt's words.
func (s *Source) explain(ctx context.Context, err error) error {
	var apiErr *v1.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the Prometheus at %s did not answer within %s (the region's prometheus.timeout): ask for a shorter period, or a longer prometheus.step", s.where, s.timeout)
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, errAnswerTooLarge):
		return fmt.Errorf("the Prometheus at %s answered more than %s: ask for a shorter period", s.where, sizeText(MaxAnswerBytes))
	case errors.Is(err, errTooManyPods):
		return fmt.Errorf("the Prometheus at %s measured more than %d pods in the period: ask for a shorter period", s.where, MaxSeries)
	case errors.As(err, &apiErr):
		return fmt.Errorf("the Prometheus at %s refused a query: %s", s.where, apiErr.Error())
	}
	return fmt.Errorf("the Prometheus at %s could not be reached: %w", s.where, err)
}

func sizeText(bytes int64) string {
	if bytes%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", bytes>>20)
	}
	return fmt.Sprintf("%d bytes", bytes)
}

// boundedTransport adds the bearer token, read at each request so that a rotated one is
// taken up, and cuts answers at limit bytes.
type boundedTransport struct {
	next      http.RoundTripper
	tokenFile string
	limit     int64
}

func (t *boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.tokenFile != "" {
		token, err := os.ReadFile(t.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("reading the bearer token: %w", err)
		}
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &boundedBody{body: resp.Body, left: t.limit}
	return resp, nil
}

type boundedBody struct {
	body io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one more byte tells a body of exactly the limit from a longer one
	}
	n, err := b.body.Read(p)
	if int64(n) > b.left {
		return int(b.left), errAnswerTooLarge
	}
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.body.Close() }
