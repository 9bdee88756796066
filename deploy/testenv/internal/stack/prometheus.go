package stack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// prometheus starts a Prometheus that scrapes what a cluster's Prometheus scrapes for its
// containers' usage: every node's kubelet resource metrics (container_cpu_usage_seconds_total,
// container_memory_working_set_bytes, ...), the nodes found through the API server as its
// kubernetes_sd finds them. kwok serves its nodes' metrics on its own port at the path each
// node's metrics.k8s.io/resource-metrics-path annotation names (as metrics-server reads it);
// the real node's kubelet serves /metrics/resource itself. Data under the state directory, for
// two days; the web UI is not built in, the HTTP API answers.
func (r *run) prometheus(ctx context.Context) error {
	t0 := time.Now()
	dir := r.l.dataDir("prometheus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	token := filepath.Join(r.l.State, "pki", "prometheus-token")
	if err := os.WriteFile(token, []byte(r.env.KubeToken), 0o600); err != nil {
		return err
	}
	cfg := filepath.Join(r.l.State, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(prometheusConfig(r.env.Kubeconfig, r.pki.caCert, token)), 0o644); err != nil {
		return err
	}
	p, err := r.l.start("prometheus", r.bins["prometheus"], []string{
		"--config.file=" + cfg,
		"--storage.tsdb.path=" + dir,
		"--storage.tsdb.retention.time=2d",
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", r.ports["prometheus"]),
		"--log.level=warn",
	}, nil)
	if err != nil {
		return err
	}
	if err := p.waitFor(ctx, 60*time.Second, httpOK(http.DefaultClient, r.env.PrometheusURL+"/-/ready", "")); err != nil {
		return err
	}
	r.ready("prometheus", t0)
	return nil
}

// prometheusConfig scrapes every node's resource metrics at testenv.PrometheusScrapeInterval,
// short so that tests have samples within seconds. The admin token lets the real kubelet's
// webhook authorisation pass; kwok asks for none.
func prometheusConfig(kubeconfig, caFile, tokenFile string) string {
	interval := testenv.PrometheusScrapeInterval
	return fmt.Sprintf(`global:
  scrape_interval: %s
  scrape_timeout: %s
scrape_configs:
  - job_name: kubelet-resource
    scheme: https
    metrics_path: /metrics/resource
    tls_config:
      ca_file: %q
    authorization:
      credentials_file: %q
    kubernetes_sd_configs:
      - role: node
        kubeconfig_file: %q
    relabel_configs:
      - source_labels: [__meta_kubernetes_node_annotation_metrics_k8s_io_resource_metrics_path]
        regex: (.+)
        target_label: __metrics_path__
      - source_labels: [__meta_kubernetes_node_name]
        target_label: node
`, interval, interval-time.Second, caFile, tokenFile, kubeconfig)
}
