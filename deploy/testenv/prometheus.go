package testenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// PromSample is one series of a PromQL instant vector: its labels and its value.
type PromSample struct {
	Labels map[string]string
	Value  float64
}

// PrometheusQuery evaluates a PromQL expression whose value is an instant vector at a time,
// through the environment's Prometheus' HTTP API (GET /api/v1/query): Prometheus' own answer,
// for a test to hold what it read elsewhere against.
func (e *Env) PrometheusQuery(ctx context.Context, expr string, at time.Time) ([]PromSample, error) {
	if e.PrometheusURL == "" {
		return nil, errors.New("the environment runs no Prometheus: run `make testenv-up` again (its env file predates Prometheus, or -only left it out)")
	}
	q := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.PrometheusURL+"/api/v1/query?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var answer struct {
		Status string
		Error  string
		Data   struct {
			ResultType string
			Result     []struct {
				Metric map[string]string
				Value  [2]any // [time, "value"]
			}
		}
	}
	if err := doJSON(http.DefaultClient, req, &answer); err != nil {
		return nil, fmt.Errorf("prometheus query %s: %w", expr, err)
	}
	if answer.Data.ResultType != "vector" {
		return nil, fmt.Errorf("prometheus query %s: a %s, not an instant vector", expr, answer.Data.ResultType)
	}
	out := make([]PromSample, 0, len(answer.Data.Result))
	for _, r := range answer.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("prometheus query %s: value %v: %w", expr, r.Value[1], err)
		}
		out = append(out, PromSample{Labels: r.Metric, Value: v})
	}
	return out, nil
}
