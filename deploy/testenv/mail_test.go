package testenv_test

import (
	"context"
	"fmt"
	"net/smtp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// A message sent over SMTP, without authentication or TLS, is read back through the mail
// catcher's API with its parts and links; one for an address that merely contains the
// recipient's is not.
func TestMailCatcherReceivesSMTP(t *testing.T) {
	env := testenv.Require(t)
	ctx := context.Background()
	to := fmt.Sprintf("proof-%d@example.org", time.Now().UnixNano())
	send := func(rcpt, subject, body string) {
		t.Helper()
		msg := "From: Basalt <basalt@example.org>\r\nTo: " + rcpt + "\r\nSubject: " + subject + "\r\n" + body
		if err := smtp.SendMail(env.SMTPAddr, nil, "basalt@example.org", []string{rcpt}, []byte(msg)); err != nil {
			t.Fatalf("sending to %s: %v", rcpt, err)
		}
	}
	send("x"+to, "not yours", "Content-Type: text/plain\r\n\r\nfor someone else\r\n")
	send(to, "Your service jupyter-1 was suspended", strings.Join([]string{
		"MIME-Version: 1.0",
		`Content-Type: multipart/alternative; boundary="b1"`,
		"",
		"--b1",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"It was idle for 2 hours: see https://basalt.example/services/jupyter-1.",
		"--b1",
		"Content-Type: text/html; charset=utf-8",
		"",
		`<p>It was idle for 2 hours. <a href="https://basalt.example/resume?service=jupyter-1&amp;ns=user-alice">Resume it</a></p>`,
		"--b1--",
		"",
	}, "\r\n"))

	var mails []testenv.Mail
	deadline := time.Now().Add(10 * time.Second)
	for {
		var err error
		mails, err = env.Messages(ctx, to)
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(mails) != 1 {
		t.Fatalf("messages for %s: %+v, want the one sent to it", to, mails)
	}
	m := mails[0]
	if m.Subject != "Your service jupyter-1 was suspended" || m.From != "basalt@example.org" || !slices.Equal(m.To, []string{to}) {
		t.Errorf("subject %q, from %q, to %q", m.Subject, m.From, m.To)
	}
	if !strings.Contains(m.Text, "idle for 2 hours") || !strings.Contains(m.HTML, "<a href=") {
		t.Errorf("text %q, html %q", m.Text, m.HTML)
	}
	want := []string{"https://basalt.example/resume?service=jupyter-1&ns=user-alice", "https://basalt.example/services/jupyter-1"}
	if !slices.Equal(m.Links, want) {
		t.Errorf("links %q, want %q", m.Links, want)
	}
}
