package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// TestTicketNeedsTheBrowserThatStartedIt: the host starts a sign-in with a cookie of its own
// and the portal's ticket carries its hash; the ticket is traded only with that cookie, not
// with none, another sign-in's or a made-up one, and a refused try does not use it up. The
// portal asked without a binding sends the browser through the host, which sets the cookie;
// a malformed binding is refused at its field, and a path that would leave the host at its
// own; a page's background request starts no sign-in.
func TestTicketNeedsTheBrowserThatStartedIt(t *testing.T) {
	rig, _ := newTrustRig(t, nil)
	sc, _ := rig.g.o.Scopes.Resolve(rig.alice, "user-alice", "r")
	rig.launch(t, sc, "nb-1", "notebook", "127.0.0.1:1", "")
	host := "nb-1--user-alice.apps.test"
	listener := strings.TrimPrefix(rig.gateway.URL, "http://")
	c := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, listener)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string, header http.Header, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	start := func() (*http.Cookie, string) {
		t.Helper()
		resp := get("http://"+host+"/lab", nil)
		loc, err := resp.Location()
		if resp.StatusCode != http.StatusFound || err != nil || len(resp.Cookies()) != 1 || resp.Cookies()[0].Name != "basalt_signin" {
			t.Fatalf("starting a sign-in: %s %v", resp.Status, resp.Cookies())
		}
		if c := resp.Cookies()[0]; !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
			t.Errorf("the sign-in cookie: %+v, want HttpOnly, SameSite=Lax and a lifetime", c)
		}
		if loc.Query().Get("binding") != bindingOf(resp.Cookies()[0].Value) || loc.Query().Get("path") != "/lab" {
			t.Fatalf("the portal's address carries %q, want the cookie's hash and the path", loc)
		}
		return resp.Cookies()[0], loc.Query().Get("binding")
	}
	mine, binding := start()
	other, _ := start()
	ticket, err := rig.g.Authorize(t.Context(), rig.alice, host, "/lab", "", binding)
	if err != nil || !strings.Contains(ticket, ticketPath+"?") {
		t.Fatalf("the portal's ticket: %q %v", ticket, err)
	}
	madeUp := &http.Cookie{Name: "basalt_signin", Value: nonce()}
	for name, cookies := range map[string][]*http.Cookie{"no cookie": nil, "another sign-in's cookie": {other}, "a made-up cookie": {madeUp}} {
		if resp := get(ticket, nil, cookies...); resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("the ticket with %s: %s %v, want 403 and no cookie", name, resp.Status, resp.Cookies())
		}
	}
	resp := get(ticket, nil, mine)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/lab" || len(resp.Cookies()) != 1 || resp.Cookies()[0].Name != cookieName {
		t.Fatalf("the ticket in the browser that started the sign-in: %s to %q, cookies %v", resp.Status, loc, resp.Cookies())
	}
	if resp := get(ticket, nil, mine); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the ticket used twice: %s", resp.Status)
	}

	to, err := rig.g.Authorize(t.Context(), rig.alice, host, "/lab", "", "")
	if want := "http://" + host + signInPath + "?path=%2Flab"; err != nil || to != want {
		t.Errorf("the portal asked without a binding: %q %v, want %q", to, err, want)
	}
	if resp := get(to, nil); resp.StatusCode != http.StatusFound || len(resp.Cookies()) != 1 {
		t.Errorf("the host's sign-in start: %s %v, want a redirect with the sign-in cookie", resp.Status, resp.Cookies())
	} else if loc, _ := resp.Location(); loc.Query().Get("binding") != bindingOf(resp.Cookies()[0].Value) || loc.Query().Get("path") != "/lab" {
		t.Errorf("the host's sign-in start sends the browser to %s", loc)
	}
	for _, bad := range []string{"x", strings.Repeat("A", 44), url.QueryEscape(binding[:42] + "!")} {
		_, err := rig.g.Authorize(t.Context(), rig.alice, host, "/", "", bad)
		if fields := sdk.FieldsOf(err); !errors.Is(err, sdk.ErrInvalidArgument) || len(fields) != 1 || fields[0].Field != "binding" {
			t.Errorf("binding %q: %v, want an invalid argument naming binding", bad, err)
		}
	}
	// A path a browser would read as another host is refused, by the portal at its field and
	// by the host's sign-in start.
	for _, away := range []string{"//evil.example/", "/\\evil.example/", "/\tx"} {
		_, err := rig.g.Authorize(t.Context(), rig.alice, host, away, "", binding)
		if fields := sdk.FieldsOf(err); len(fields) != 1 || fields[0].Field != "path" {
			t.Errorf("the portal asked for path %q: %v, want an invalid argument naming path", away, err)
		}
		if resp := get("http://"+host+signInPath+"?"+url.Values{"path": {away}}.Encode(), nil); resp.StatusCode != http.StatusBadRequest || len(resp.Cookies()) != 0 {
			t.Errorf("the host's sign-in start for path %q: %s, want 400 and no cookie", away, resp.Status)
		}
	}
	if resp := get("http://"+host+"/api/contents", http.Header{"Sec-Fetch-Mode": {"cors"}}); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("a page's background request without a session: %s %v, want 401 and no cookie", resp.Status, resp.Cookies())
	}
}
