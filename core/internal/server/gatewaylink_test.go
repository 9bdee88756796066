package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// seenByBackend is every request a service's pod received, as it received it: its request
// line, headers and cookies.
type seenByBackend struct {
	mu       sync.Mutex
	requests []string
}

func (s *seenByBackend) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.RequestURI)
		_ = r.Header.Write(&b)
		s.mu.Lock()
		s.requests = append(s.requests, b.String())
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (s *seenByBackend) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.requests, "\n")
}

func (s *seenByBackend) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// linkWorld is Basalt in oidc mode on the test environment's provider, with the memory
// plugins, its gateway running as in production on a clock the test moves, and one backend
// standing for every service's pod.
type linkWorld struct {
	env                *testenv.Env
	base, api, appPort string
	listener           string
	aliceToken         string
	clk                *clock
	log                *logscan.Buffer
	seen               *seenByBackend
	endpoint           string
}

func newLinkWorld(t *testing.T) *linkWorld {
	t.Helper()
	env := testenv.Require(t)
	ctx := t.Context()
	seen := &seenByBackend{}
	inner := appBackend(t)
	t.Cleanup(inner.Close)
	backend := httptest.NewServer(seen.wrap(inner.Config.Handler))
	t.Cleanup(backend.Close)

	cfg, ln, base := oidcConfig(t, env, "log.level=debug")
	mem := testplugin.Memory(t)
	cfg.Plugins = map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: mem, Args: []string{"catalog"}, Config: suspendable},
		"k8s":    {Kind: "region", Path: mem, Args: []string{"region"}},
	}
	cfg.Regions[0].Storage, cfg.Regions[0].Secrets, cfg.Regions[0].Region = "", "", "k8s"
	log, logs := logscan.Capture(t, "core")
	clk := &clock{now: time.Now()}
	_, srv := serveOIDCOnClock(t, cfg, ln, base, log, clk.Now)
	run, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go srv.RunGateway(run)

	token, err := env.IDToken(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &linkWorld{env: env, base: base, api: base + "/api/v1/projects/user-alice/services", appPort: port, listener: ln.Addr().String(),
		aliceToken: token, clk: clk, log: logs, seen: seen, endpoint: strings.TrimPrefix(backend.URL, "http://")}
}

// alice calls the API with her token.
func (w *linkWorld) alice(t *testing.T, method, path, body string) (int, []byte) {
	t.Helper()
	resp, raw := do(t, method, w.api+path, strings.NewReader(body), jsonAs(w.aliceToken, body)...)
	return resp.StatusCode, raw
}

// launch starts a service of alice's served by the backend.
func (w *linkWorld) launch(t *testing.T) string {
	t.Helper()
	code, body := w.alice(t, http.MethodPost, "", `{"catalog":"ide","chart":"jupyter","values":{"ingress":{"endpoint":"`+w.endpoint+`"}}}`)
	return launchedID(t, code, body)
}

func (w *linkWorld) app(service string) string {
	return fmt.Sprintf("http://%s--user-alice.localhost:%s", service, w.appPort)
}

// link makes a new link grant of a service with an optional expiry and returns its address.
func (w *linkWorld) link(t *testing.T, service, expires string) string {
	t.Helper()
	grant := `{"kind":"link"}`
	if expires != "" {
		grant = `{"kind":"link","expires":"` + expires + `"}`
	}
	code, body := w.alice(t, http.MethodPut, "/"+service+"/access", `{"grants":[`+grant+`]}`)
	var got AccessGrants
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Grants) != 1 {
		t.Fatalf("making a link: %d %s", code, body)
	}
	return got.Grants[0].URL
}

// browse makes b a browser that reaches services' hosts at Basalt's listener (as browsers
// resolve *.localhost) and everything else as usual, follows no redirect by itself and asks
// for pages.
func (w *linkWorld) browse(b *http.Client) *http.Client {
	dialer := &net.Dialer{}
	b.Transport = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, _, _ := net.SplitHostPort(addr); strings.HasSuffix(host, ".localhost") {
			addr = w.listener
		}
		return dialer.DialContext(ctx, network, addr)
	}}
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return b
}

// visit follows a browser's redirects from u, up to the portal's sign-in, and returns the
// last answer's status and body and every address on the way.
func visit(t *testing.T, b *http.Client, u string) (int, string, []string) {
	t.Helper()
	hops := []string{u}
	for range 10 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		resp, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if resp.StatusCode/100 != 3 || err != nil {
			return resp.StatusCode, string(body), hops
		}
		u = loc.String()
		hops = append(hops, u)
		if loc.Path == "/auth/login" { // the provider's pages are a person's to fill in
			return resp.StatusCode, string(body), hops
		}
	}
	t.Fatalf("more than 10 redirects from %s: %v", hops[0], hops)
	return 0, "", nil
}

// TestGatewayLinkGrants: alice makes a link to her service; bob, a stranger to her project,
// follows it, signs in to Basalt and gets in, as himself and audited, the link's id kept from
// the service (address, headers, cookies) and from the log; an anonymous visitor is sent to
// sign in; a forged id, a malformed one and a link of one service at another's host open
// nothing; taking the link away closes bob's WebSocket within 5 s and refuses his next
// request; an expired link is refused, and a link still valid outlives the host's session.
func TestGatewayLinkGrants(t *testing.T) {
	w := newLinkWorld(t)
	svc, other := w.launch(t), w.launch(t)
	app := w.app(svc)

	// The owner makes a link; its id is Basalt's, never the client's, and only she lists it.
	linkURL := w.link(t, svc, "")
	id, ok := strings.CutPrefix(linkURL, app+"/_basalt/link/")
	if !ok || !sdk.LinkID.MatchString(id) || len(id) < 32 {
		t.Fatalf("the link's address: %q, want %s/_basalt/link/<at least 128 random bits>", linkURL, app)
	}
	if again := w.link(t, other, ""); strings.Contains(again, id) {
		t.Fatalf("two links share an id: %s and %s", linkURL, again)
	}
	var listed AccessGrants
	if code, body := w.alice(t, http.MethodGet, "/"+svc+"/access", ""); code != 200 || json.Unmarshal(body, &listed) != nil ||
		len(listed.Grants) != 1 || listed.Grants[0].Kind != "link" || listed.Grants[0].URL != linkURL || listed.Grants[0].By != "alice" {
		t.Fatalf("the owner's list: %d %s", code, body)
	}
	for body, field := range map[string]string{
		`{"grants":[{"kind":"link","name":"chosen-by-the-client-0123456789"}]}`:                "grants[0].name",
		`{"grants":[{"kind":"link","name":"` + id + `"},{"kind":"link","name":"` + id + `"}]}`: "grants[1]",
	} {
		if code, raw := w.alice(t, http.MethodPut, "/"+svc+"/access", body); code != 400 || !strings.Contains(string(raw), field) {
			t.Errorf("%s: %d %s, want 400 naming %s", body, code, raw, field)
		}
	}
	bobToken, err := w.env.IDToken(t.Context(), "bob")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := do(t, http.MethodGet, w.api+"/"+svc+"/access", nil, jsonAs(bobToken, "")...); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob listing alice's grants: %d, want 404", resp.StatusCode)
	}

	// Someone not signed in is sent to sign in, the link kept for the way back; the service
	// sees nothing of them.
	before := w.seen.count()
	anonymous := w.browse(browser())
	code, _, hops := visit(t, anonymous, linkURL)
	last, _ := url.Parse(hops[len(hops)-1])
	if code != http.StatusFound || last.Path != "/auth/login" || !strings.Contains(last.Query().Get("return_to"), "link="+id) {
		t.Fatalf("an anonymous visitor following the link: %d through %v, want the sign-in", code, hops)
	}
	if w.seen.count() != before {
		t.Errorf("the service received %d requests of an anonymous visitor", w.seen.count()-before)
	}

	// Bob signs in and comes back: he is in, as himself, at the service's first page, the id
	// in no address the service sees. It is the browser that followed the link, holding the
	// sign-in cookie the service's host set then.
	bob := w.browse(signIn(t, w.env, w.base, "bob"))
	appURL, _ := url.Parse(app)
	bob.Jar.SetCookies(appURL, anonymous.Jar.Cookies(appURL))
	code, body, hops := visit(t, bob, w.base+last.Query().Get("return_to"))
	var got map[string]string
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil || got["user"] != "bob" || got["path"] != "/" {
		t.Fatalf("bob after signing in: %d %s through %v", code, body, hops)
	}
	if end := hops[len(hops)-1]; end != app+"/" {
		t.Errorf("bob ends at %s, want %s/", end, app)
	}
	code, body, _ = visit(t, bob, app+"/lab?x=1")
	if code != 200 || !strings.Contains(body, `"user":"bob"`) {
		t.Fatalf("bob's next page through the link: %d %s", code, body)
	}
	// Following it again, signed in already, goes straight in.
	if code, body, _ := visit(t, bob, linkURL); code != 200 || !strings.Contains(body, `"user":"bob"`) {
		t.Errorf("bob following the link again: %d %s", code, body)
	}

	// A forged id, a malformed one, and the link of one service at another's host open nothing.
	forged := id[:len(id)-4] + "AAAA"
	if forged == id {
		forged = id[:len(id)-4] + "BBBB"
	}
	dave := w.browse(signIn(t, w.env, w.base, "dave"))
	for what, u := range map[string]string{
		"a forged id":                        app + "/_basalt/link/" + forged,
		"a malformed id":                     app + "/_basalt/link/short",
		"the link at another service's host": w.app(other) + "/_basalt/link/" + id,
	} {
		if code, body, hops := visit(t, dave, u); code != http.StatusForbidden {
			t.Errorf("dave following %s: %d %.200s through %v, want 403", what, code, body, hops)
		}
	}
	if code, _, _ := visit(t, bob, w.app(other)+"/"); code != http.StatusForbidden {
		t.Errorf("bob at the other service's host with this service's link: %d, want 403", code)
	}

	// Taking the link away closes bob's WebSocket within 5 s and refuses his next request.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(app, "http://", "ws://", 1)+"/ws", &websocket.DialOptions{HTTPClient: bob})
	if err != nil {
		t.Fatalf("bob's WebSocket through the link: %v", err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte("1+1")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.Read(ctx); err != nil || string(msg) != "echo: 1+1" {
		t.Fatalf("bob's WebSocket: %q %v", msg, err)
	}
	if code, body := w.alice(t, http.MethodPut, "/"+svc+"/access", `{"grants":[]}`); code != 200 {
		t.Fatalf("taking the link away: %d %s", code, body)
	}
	revoked := time.Now()
	if _, _, err := ws.Read(ctx); err == nil || ctx.Err() != nil {
		t.Fatalf("bob's WebSocket stayed open after the link was taken away: %v", err)
	}
	if took := time.Since(revoked); took > 5*time.Second {
		t.Errorf("bob's WebSocket closed %v after the link was taken away, want within 5 s", took)
	}
	if code, body, _ := visit(t, bob, app+"/lab"); code != http.StatusForbidden {
		t.Errorf("bob's next request after the link was taken away: %d %.200s, want 403", code, body)
	}
	if code, _, _ := visit(t, bob, linkURL); code != http.StatusForbidden {
		t.Errorf("bob following the link taken away: %d, want 403", code)
	}

	// A link until tomorrow outlives the host's session (12 h): its holder is signed in again
	// with it. Once it expires, it opens nothing.
	tomorrow := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	linkURL = w.link(t, svc, tomorrow)
	if code, _, _ := visit(t, bob, linkURL); code != 200 {
		t.Fatalf("bob following a new link: %d", code)
	}
	w.clk.advance(13 * time.Hour)
	if code, body, hops := visit(t, bob, app+"/lab"); code != 200 || !strings.Contains(body, `"user":"bob"`) {
		t.Errorf("bob, his session over, the link valid: %d %.200s through %v, want in again", code, body, hops)
	}
	w.clk.advance(11*time.Hour + 30*time.Minute)
	if code, body, _ := visit(t, bob, app+"/lab"); code != http.StatusForbidden {
		t.Errorf("bob with a link expired: %d %.200s, want 403", code, body)
	}

	// The service never saw a link's id, nor Basalt's cookie; the log has neither id; each
	// opening through a link is audited under bob's name.
	ids := []string{id, strings.TrimPrefix(linkURL, app+"/_basalt/link/")}
	seen := w.seen.all()
	for _, id := range ids {
		if strings.Contains(seen, id) {
			t.Errorf("the service received a link's id:\n%s", seen)
		}
		if strings.Contains(w.log.String(), id) {
			t.Errorf("the log holds a link's id")
		}
	}
	if strings.Contains(seen, "basalt_app") {
		t.Errorf("the service received Basalt's cookie:\n%s", seen)
	}
	opened := 0
	for _, line := range strings.Split(w.log.String(), "\n") {
		if strings.Contains(line, "gateway.open") {
			opened++
			if !strings.Contains(line, `"actor":"bob"`) || !strings.Contains(line, "owner alice, with a link") {
				t.Errorf("an audit event of opening a service: %s", line)
			}
		}
	}
	if opened < 3 {
		t.Errorf("audit events of bob opening the service through a link: %d, want one per sign-in (3 or more)", opened)
	}
}
