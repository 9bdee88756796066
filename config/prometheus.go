package config

import (
	"crypto/x509"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// Prometheus is the Prometheus that measures a region's pods, for usage reports: what its
// HTTP API answers replaces requests × running time for running, CPU and memory hours.
type Prometheus struct {
	URL             string        `koanf:"url" doc:"The base URL of Prometheus' HTTP API (/api/v1/... is added), e.g. http://prometheus.monitoring:9090 or https://thanos.example.org; an http or https URL. Empty: usage reports count requests × running time for this region."`
	BearerTokenFile string        `koanf:"bearer_token_file" doc:"A file whose content (trimmed) is sent as Authorization: Bearer with every query, e.g. a service account's token; read at each report, so a rotated token is taken up. Empty: no Authorization header."`
	CAFile          string        `koanf:"ca_file" doc:"A PEM file of the certificate authorities an https:// url is checked against, instead of the system's. Empty: the system's."`
	Timeout         time.Duration `koanf:"timeout" doc:"The longest one report waits for this Prometheus (all its queries); past it the region's running, CPU and memory hours are counted as requests × running time, and the report says why. 0: 30s."`
	Step            time.Duration `koanf:"step" doc:"How often within a day Prometheus looks whether a pod is there and what memory it holds (a subquery's resolution): running and memory hours are counted a step at a time, so a pod's start and end are known to about a step, while CPU comes from the counter itself. Between 1s and 1h, dividing a day. 0: 1m."`
	Selector        string        `koanf:"selector" doc:"Label matchers added to every query, e.g. job=\"kubelet\",metrics_path=\"/metrics/cadvisor\", for a Prometheus that scrapes each container's series more than once (the kubelet's /metrics/cadvisor and /metrics/resource both give container_cpu_usage_seconds_total): each must be counted once. Empty: none."`
}

// The defaults of a region's Prometheus settings left at 0.
const (
	DefaultPrometheusTimeout = 30 * time.Second
	DefaultPrometheusStep    = time.Minute
)

// QueryTimeout is the time one report gives this Prometheus.
func (p Prometheus) QueryTimeout() time.Duration {
	if p.Timeout == 0 {
		return DefaultPrometheusTimeout
	}
	return p.Timeout
}

// Resolution is the step of the subqueries that count running and memory hours.
func (p Prometheus) Resolution() time.Duration {
	if p.Step == 0 {
		return DefaultPrometheusStep
	}
	return p.Step
}

// labelMatchers is PromQL's list of label matchers: name, operator, double-quoted value.
var labelMatchers = regexp.MustCompile(`^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*(,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*)*,?\s*$`)

func (p Prometheus) validate(key string, bad func(key, format string, args ...any)) {
	if p.URL == "" {
		for field, v := range map[string]string{"bearer_token_file": p.BearerTokenFile, "ca_file": p.CAFile, "selector": p.Selector} {
			if v != "" {
				bad(key+"."+field, "needs %s.url: without it no Prometheus is asked", key)
			}
		}
		return
	}
	if u, err := url.Parse(p.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad(key+".url", "must be an http or https URL without query or fragment, such as http://prometheus.monitoring:9090; got %q", p.URL)
	}
	if p.BearerTokenFile != "" {
		if data, err := os.ReadFile(p.BearerTokenFile); err != nil {
			bad(key+".bearer_token_file", "cannot read %s", p.BearerTokenFile)
		} else if strings.TrimSpace(string(data)) == "" {
			bad(key+".bearer_token_file", "%s is empty: it must hold the token", p.BearerTokenFile)
		}
	}
	if p.CAFile != "" {
		if pem, err := os.ReadFile(p.CAFile); err != nil {
			bad(key+".ca_file", "cannot read %s", p.CAFile)
		} else if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			bad(key+".ca_file", "%s holds no PEM certificate", p.CAFile)
		}
	}
	if p.Timeout < 0 {
		bad(key+".timeout", "must not be negative")
	}
	if s := p.Step; s != 0 && (s < time.Second || s > time.Hour || (24*time.Hour)%s != 0 || s%time.Second != 0) {
		bad(key+".step", "must be whole seconds between 1s and 1h that divide a day, such as 30s, 1m or 5m; got %s", s)
	}
	if p.Selector != "" && !labelMatchers.MatchString(p.Selector) {
		bad(key+".selector", `must be label matchers separated by commas, such as job="kubelet",metrics_path="/metrics/cadvisor"; got %q`, p.Selector)
	}
}
