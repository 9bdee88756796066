package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// TrustedApp is an application that takes the gateway's word for its user: the gateway
// presents the application's own credential, read from the release, on every request it
// forwards, as Jupyter (classic Notebook or Jupyter Server) takes its token for pages, API
// and kernel WebSockets alike: Authorization: token <credential>. The service asks no
// password of its own, and the credential never goes to the browser.
type TrustedApp struct {
	Charts []string // the charts whose services take it
	// TokenValue is the path of the release's value holding the credential, e.g.
	// security.password.
	TokenValue string
}

// credentialOf reads, in the scope the release was read in, the credential the gateway
// presents to its service; "" when its chart takes none or its value is empty.
func (g *Gateway) credentialOf(ctx context.Context, sc *scope.Scope, rel sdk.Release) (string, error) {
	i := slices.IndexFunc(g.o.TrustedApps, func(a TrustedApp) bool { return slices.Contains(a.Charts, rel.Chart) })
	if i < 0 || g.o.TrustedApps[i].TokenValue == "" {
		return "", nil
	}
	services, err := sc.Services()
	if err != nil {
		return "", err
	}
	got, err := services.GetRelease(sc.Context(ctx), sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Name}, Unmasked: true})
	if err != nil {
		return "", err
	}
	return stringAt(got.Values, g.o.TrustedApps[i].TokenValue), nil
}

// stringAt is the string at a dotted path of a values document; "" when there is none.
func stringAt(values []byte, path string) string {
	var node any
	if json.Unmarshal(values, &node) != nil {
		return ""
	}
	for key := range strings.SplitSeq(path, ".") {
		m, _ := node.(map[string]any)
		node = m[key]
	}
	s, _ := node.(string)
	return s
}

// fromItsOwnPages reports whether a request comes from the service's own pages, or from no
// page at all (a navigation): another page's request (another service on the apps domain,
// which is the same site and so carries the host's cookie) would act as the user with the
// service's credential.
func fromItsOwnPages(r *http.Request, scheme string) bool {
	origin := r.Header.Get("Origin")
	return origin == "" || strings.EqualFold(origin, scheme+"://"+r.Host)
}

// redacted is a response body with every occurrence of a secret taken out, read as it
// streams: the tail that could begin an occurrence is held back until the next read.
type redacted struct {
	body    io.ReadCloser
	secret  []byte
	buf     []byte
	pending []byte // read, not yet returned: its end may begin the secret
	out     []byte // redacted, ready to return
	eof     bool
}

func (r *redacted) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		if r.buf == nil {
			r.buf = make([]byte, 32<<10)
		}
		n, err := r.body.Read(r.buf)
		r.pending = bytes.ReplaceAll(append(r.pending, r.buf[:n]...), r.secret, nil)
		keep := 0
		switch {
		case err == nil:
			keep = min(len(r.pending), len(r.secret)-1)
		case err == io.EOF:
			r.eof = true
		default:
			return 0, err
		}
		cut := len(r.pending) - keep
		r.out = append(r.out[:0], r.pending[:cut]...)
		r.pending = append(r.pending[:0], r.pending[cut:]...)
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

func (r *redacted) Close() error { return r.body.Close() }

// writtenForms are the ways a page may write a credential: as it is, and escaped in a URL,
// in HTML and in a JSON string.
func writtenForms(credential string) []string {
	quoted, _ := json.Marshal(credential)
	forms := []string{credential}
	for _, f := range []string{url.QueryEscape(credential), url.PathEscape(credential), html.EscapeString(credential), string(quoted[1 : len(quoted)-1])} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

// withoutCredential takes the service's credential out of a response, headers and body,
// wherever the application writes it (Jupyter's pages carry their token, for their own
// scripts): the browser gets none, and its scripts go without, through the gateway.
func withoutCredential(resp *http.Response, credential string) {
	forms := writtenForms(credential)
	for _, values := range resp.Header {
		for i := range values {
			for _, f := range forms {
				values[i] = strings.ReplaceAll(values[i], f, "")
			}
		}
	}
	if resp.StatusCode == http.StatusSwitchingProtocols || resp.Body == nil || resp.Body == http.NoBody {
		return // an upgraded connection carries what the user's code prints, as the user may see it
	}
	for _, f := range forms {
		resp.Body = &redacted{body: resp.Body, secret: []byte(f)}
	}
	resp.ContentLength = -1
	resp.Header.Del("Content-Length")
}
