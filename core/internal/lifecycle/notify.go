package lifecycle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/basalt-dev/basalt/config"
)

// Event kinds the engine tells of.
const (
	EventNotice    = "notice"    // a step announced
	EventWithdrawn = "withdrawn" // an announced step that will not happen
	EventTaken     = "taken"     // a step taken
)

// Event is one thing the engine tells an owner (and the webhook) of a service.
type Event struct {
	Kind         string    `json:"kind"`
	Action       string    `json:"action"`
	Reason       string    `json:"reason"`
	Due          time.Time `json:"due"`
	Region       string    `json:"region"`
	Project      string    `json:"project"`
	Service      string    `json:"service"`
	FriendlyName string    `json:"friendlyName"`
	Chart        string    `json:"chart"`
	Owner        string    `json:"owner"`
	// ServiceURL is the service's page in the portal; KeepURL the same page offering to keep
	// it, one click once signed in.
	ServiceURL string `json:"serviceUrl"`
	KeepURL    string `json:"keepUrl,omitempty"`
	email      string
}

// Notifier delivers events. The portal needs none: it shows the notices kept with each
// release.
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// Notifiers delivers to each, and joins their errors.
type Notifiers []Notifier

func (ns Notifiers) Notify(ctx context.Context, e Event) error {
	var errs []error
	for _, n := range ns {
		errs = append(errs, n.Notify(ctx, e))
	}
	return errors.Join(errs...)
}

// NewNotifiers makes the channels the configuration sets.
func NewNotifiers(cfg config.LifecycleNotices) (Notifiers, error) {
	var out Notifiers
	if cfg.Webhook.URL != "" {
		out = append(out, &webhook{cfg: cfg.Webhook, client: &http.Client{Timeout: cfg.Webhook.Timeout}})
	}
	if cfg.Email.SMTP != "" {
		m, err := newMailer(cfg.Email)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

type webhook struct {
	cfg    config.LifecycleWebhook
	client *http.Client
}

func (w *webhook) Notify(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range w.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("lifecycle webhook: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("lifecycle webhook: answered %s", resp.Status)
	}
	return nil
}

// mailer e-mails notices (not withdrawals nor steps taken: the portal and the webhook have
// those) to the owner's address.
type mailer struct {
	cfg  config.LifecycleEmail
	opts []gomail.Option
	host string
}

func newMailer(cfg config.LifecycleEmail) (*mailer, error) {
	host, portText, err := net.SplitHostPort(cfg.SMTP)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("lifecycle.notices.email.smtp: port %q: %w", portText, err)
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(30 * time.Second)}
	switch cfg.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	return &mailer{cfg: cfg, opts: opts, host: host}, nil
}

// address is where an owner's notices go: the address their token gave at launch, else the
// template's.
func (m *mailer) address(e Event) string {
	if e.email != "" {
		return e.email
	}
	if m.cfg.AddressTemplate == "" || e.Owner == "" {
		return ""
	}
	return strings.ReplaceAll(m.cfg.AddressTemplate, "{username}", e.Owner)
}

func (m *mailer) Notify(ctx context.Context, e Event) error {
	to := m.address(e)
	if e.Kind != EventNotice || to == "" {
		return nil
	}
	msg := gomail.NewMsg()
	if err := msg.From(m.cfg.From); err != nil {
		return fmt.Errorf("lifecycle e-mail: sender: %w", err)
	}
	if err := msg.To(to); err != nil {
		return fmt.Errorf("lifecycle e-mail: the address of %s: %w", e.Owner, err)
	}
	subject, text := NoticeText(e)
	msg.Subject(subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, text)
	c, err := gomail.NewClient(m.host, m.opts...)
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("lifecycle e-mail to %s: %w", e.Owner, err)
	}
	return nil
}

// NoticeText is a notice's subject and plain-text body, in the words the portal uses.
func NoticeText(e Event) (subject, body string) {
	name := e.FriendlyName
	if name == "" {
		name = e.Service
	}
	verb := map[string]string{ActSuspend: "suspended", ActDelete: "deleted", ActResume: "resumed"}[e.Action]
	why := map[string]string{
		ReasonIdle:      "it has not been used for a while",
		ReasonLifetime:  "it has reached the longest time a service may run",
		ReasonSchedule:  "working hours end",
		ReasonSuspended: "it has been suspended for a long time",
	}[e.Reason]
	at := e.Due.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
	subject = fmt.Sprintf("Your service %s will be %s on %s", name, verb, at)
	var b strings.Builder
	fmt.Fprintf(&b, "Your service %s (%s, project %s) will be %s on %s, because %s.\n\n", name, e.Chart, e.Project, verb, at, why)
	if e.Action == ActSuspend {
		b.WriteString("A suspended service keeps its files and settings; you can resume it from the portal.\n\n")
	} else {
		b.WriteString("A deleted service is gone, with whatever it kept outside your files and secrets.\n\n")
	}
	if e.KeepURL != "" {
		fmt.Fprintf(&b, "To keep it, open:\n%s\n\n", e.KeepURL)
	}
	fmt.Fprintf(&b, "The service's page: %s\n", e.ServiceURL)
	return subject, b.String()
}
