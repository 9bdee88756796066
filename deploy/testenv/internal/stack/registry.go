package stack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// registry starts the OCI registry, with filesystem storage and no auth.
func (r *run) registry(ctx context.Context) error {
	t0 := time.Now()
	dir := r.l.dataDir("registry")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
`, dir, r.env.Registry)
	cfgPath := filepath.Join(r.l.State, "registry.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	p, err := r.l.start("registry", r.bins["registry"], []string{"serve", cfgPath},
		[]string{"OTEL_SDK_DISABLED=true", "OTEL_TRACES_EXPORTER=none"})
	if err != nil {
		return err
	}
	if err := p.waitFor(ctx, 30*time.Second, httpOK(http.DefaultClient, "http://"+r.env.Registry+"/v2/", "")); err != nil {
		return err
	}
	r.ready("registry (OCI)", t0)
	return nil
}
