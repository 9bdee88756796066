package stack

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// mail starts the mail catcher: SMTP without authentication or TLS, and its HTTP API, both on
// loopback. Messages are kept in a database under the state directory until `down`.
func (r *run) mail(ctx context.Context) error {
	t0 := time.Now()
	dir := r.l.dataDir("mailpit")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p, err := r.l.start("mailpit", r.bins["mailpit"], []string{
		"--smtp=" + r.env.SMTPAddr,
		fmt.Sprintf("--listen=127.0.0.1:%d", r.ports["mail-api"]),
		"--database=" + filepath.Join(dir, "mailpit.db"),
		"--smtp-disable-rdns",     // no name lookups of the loopback clients
		"--disable-version-check", // the machine has no way out
		"--max=0",                 // keep every message: tests look for theirs by recipient
	}, nil)
	if err != nil {
		return err
	}
	if err := p.waitFor(ctx, 30*time.Second, httpOK(http.DefaultClient, r.env.MailAPI+"/readyz", "")); err != nil {
		return err
	}
	r.ready("mailpit (SMTP, API)", t0)
	return nil
}
