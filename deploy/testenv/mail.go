package testenv

import (
	"context"
	"errors"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Mail is one message the mail catcher received.
type Mail struct {
	ID       string // mailpit's
	Received time.Time
	From     string   // address only
	To       []string // addresses only
	Subject  string
	Text     string   // the text/plain body, if any
	HTML     string   // the text/html body, if any
	Links    []string // http(s) URLs of the HTML body's href attributes and of the text body, once each
}

// Messages returns the messages the mail catcher received for the address to (in To, compared
// without regard to case), newest first; every message if to is empty. The catcher keeps
// messages until the environment stops: give each test addresses of its own.
func (e *Env) Messages(ctx context.Context, to string) ([]Mail, error) {
	if e.MailAPI == "" {
		return nil, errors.New("the environment runs no mail catcher (testenv up -only)")
	}
	type address struct{ Address string }
	type summary struct {
		ID      string
		Created time.Time
		To      []address
	}
	var ids []summary
	for start := 0; ; {
		q := url.Values{"start": {strconv.Itoa(start)}, "limit": {"100"}}
		path := "/api/v1/messages"
		if to != "" {
			// mailpit matches to: as a substring; the exact match is below.
			path = "/api/v1/search"
			q.Set("query", `to:"`+to+`"`)
		}
		var page struct {
			MessagesCount int `json:"messages_count"`
			Messages      []summary
		}
		if err := e.mailAPI(ctx, path+"?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		ids = append(ids, page.Messages...)
		start += len(page.Messages)
		if len(page.Messages) == 0 || start >= page.MessagesCount {
			break
		}
	}
	var mails []Mail
	for _, s := range ids {
		if to != "" && !slices.ContainsFunc(s.To, func(a address) bool { return strings.EqualFold(a.Address, to) }) {
			continue
		}
		var m struct {
			From          address
			To            []address
			Subject, Text string
			HTML          string
		}
		if err := e.mailAPI(ctx, "/api/v1/message/"+url.PathEscape(s.ID), &m); err != nil {
			return nil, err
		}
		mail := Mail{ID: s.ID, Received: s.Created, From: m.From.Address, Subject: m.Subject, Text: m.Text, HTML: m.HTML}
		for _, a := range m.To {
			mail.To = append(mail.To, a.Address)
		}
		mail.Links = links(m.HTML, m.Text)
		mails = append(mails, mail)
	}
	return mails, nil
}

func (e *Env) mailAPI(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.MailAPI+path, nil)
	if err != nil {
		return err
	}
	return doJSON(http.DefaultClient, req, out)
}

var (
	hrefPattern = regexp.MustCompile(`(?i)\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	urlPattern  = regexp.MustCompile(`https?://[^\s<>"']+`)
)

// links returns the http(s) links of an HTML body's href attributes, then the URLs written in
// a text body, each once, in order.
func links(htmlBody, text string) []string {
	var out []string
	add := func(u string) {
		u = strings.TrimSpace(u)
		if (strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")) && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	for _, m := range hrefPattern.FindAllStringSubmatch(htmlBody, -1) {
		add(html.UnescapeString(m[1] + m[2]))
	}
	for _, u := range urlPattern.FindAllString(text, -1) {
		// A sentence's full stop or a closing parenthesis is not part of the URL.
		add(strings.TrimRight(u, ".,;:!?)"))
	}
	return out
}
