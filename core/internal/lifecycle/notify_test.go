package lifecycle

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestNoticeByEmail sends a notice through the test environment's SMTP server (mailpit) and
// reads it back: the owner's address, the subject, the due time and the keep link; an owner
// without an address gets one from the template, and an event that is no notice sends nothing.
func TestNoticeByEmail(t *testing.T) {
	env := testenv.Require(t)
	stamp := time.Now().UnixNano()
	cfg := config.LifecycleEmail{SMTP: env.SMTPAddr, From: "Datalab <datalab@example.org>", TLS: "none",
		AddressTemplate: fmt.Sprintf("{username}-%d@example.org", stamp)}
	m, err := newMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 12, 7, 19, 0, 0, 0, time.UTC)
	to := fmt.Sprintf("alice-%d@example.org", stamp)
	ev := Event{Kind: EventNotice, Action: ActSuspend, Reason: ReasonIdle, Due: due, Project: "user-alice", Service: "jupyter-1",
		FriendlyName: "My notebook", Chart: "jupyter-python", Owner: "alice", email: to,
		ServiceURL: "https://datalab.example.org/my-services/jupyter-1?project=user-alice", KeepURL: "https://datalab.example.org/my-services/jupyter-1?project=user-alice&keep=1"}
	if err := m.Notify(t.Context(), ev); err != nil {
		t.Fatalf("notify: %v", err)
	}
	withdrawn := ev
	withdrawn.Kind = EventWithdrawn
	if err := m.Notify(t.Context(), withdrawn); err != nil {
		t.Fatalf("notify a withdrawal: %v", err)
	}
	mails, err := env.Messages(t.Context(), to)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 {
		t.Fatalf("mails to %s: %d, want the notice alone", to, len(mails))
	}
	mail := mails[0]
	if mail.Subject != "Your service My notebook will be suspended on Mon 7 Dec 2026 19:00 UTC" || !strings.Contains(mail.From, "datalab@example.org") {
		t.Errorf("subject %q from %q", mail.Subject, mail.From)
	}
	if !strings.Contains(mail.Text, "has not been used for a while") || !strings.Contains(mail.Text, "resume it from the portal") {
		t.Errorf("body: %s", mail.Text)
	}
	keep := false
	for _, l := range mail.Links {
		keep = keep || l == ev.KeepURL
	}
	if !keep {
		t.Errorf("links %v lack the keep link %s", mail.Links, ev.KeepURL)
	}

	templated := ev
	templated.email, templated.Owner = "", "bob"
	if err := m.Notify(t.Context(), templated); err != nil {
		t.Fatal(err)
	}
	if got, err := env.Messages(t.Context(), fmt.Sprintf("bob-%d@example.org", stamp)); err != nil || len(got) != 1 {
		t.Errorf("an owner without an address, through the template: %d mails (%v)", len(got), err)
	}
}

// TestUnreachableMailServer: a notice that cannot be sent says so (the engine logs it and the
// portal still shows the notice).
func TestUnreachableMailServer(t *testing.T) {
	m, err := newMailer(config.LifecycleEmail{SMTP: "127.0.0.1:1", From: "basalt@example.org", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Notify(t.Context(), Event{Kind: EventNotice, Action: ActDelete, Owner: "alice", email: "alice@example.org", Due: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "alice") {
		t.Fatalf("a mail server that does not answer: %v", err)
	}
}
