package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/basalt-dev/basalt/config"
)

// appBackend stands for a service's pod: it tells what it received, and echoes WebSocket
// messages.
func appBackend(t *testing.T) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ws" {
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
			if err != nil {
				return
			}
			defer c.CloseNow()
			for {
				kind, msg, err := c.Read(r.Context())
				if err != nil {
					return
				}
				if err := c.Write(r.Context(), kind, append([]byte("echo: "), msg...)); err != nil {
					return
				}
			}
		}
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "host": r.Host, "authorization": r.Header.Get("Authorization"),
			"cookie": r.Header.Get("Cookie"), "user": r.Header.Get("X-Basalt-User"), "groups": r.Header.Get("X-Basalt-Groups"), "body": string(body)})
	}))
}

// appRig is a Basalt on the memory plugins with a backend standing for services' pods.
type appRig struct {
	base, listener, port, services, endpoint string
	srv                                      *Server
	clk                                      *clock
}

func newAppRig(t *testing.T, backend *httptest.Server, policy config.LifecyclePolicy, sets ...string) *appRig {
	t.Helper()
	r := &appRig{clk: &clock{now: time.Now()}, endpoint: strings.TrimPrefix(backend.URL, "http://")}
	r.base, r.srv, _ = startLifecycle(t, r.clk, policy, append([]string{"auth.local.username=alice"}, sets...)...)
	r.listener = strings.TrimPrefix(r.base, "http://")
	_, r.port, _ = net.SplitHostPort(r.listener)
	r.services = r.base + "/api/v1/projects/user-alice/services"
	return r
}

// launch launches a chart whose pages the backend serves, with more values as JSON members.
func (r *appRig) launch(t *testing.T, chart, values string) string {
	t.Helper()
	if values != "" {
		values = "," + values
	}
	code, body := postJSON(t, r.services, `{"catalog":"ide","chart":"`+chart+`","values":{"ingress":{"endpoint":"`+r.endpoint+`"}`+values+`}}`)
	return launchedID(t, code, body)
}

// launchedID reads the id of the service a launch's answer names.
func launchedID(t *testing.T, code int, body []byte) string {
	t.Helper()
	var launched LaunchResult
	if code != http.StatusAccepted || json.Unmarshal(body, &launched) != nil {
		t.Fatalf("launch: %d %s", code, body)
	}
	return launched.Service.ID
}

// host is a service's host on the apps domain.
func (r *appRig) host(id string) string {
	return fmt.Sprintf("%s--user-alice.localhost:%s", id, r.port)
}

// appBrowser reaches every host at Basalt's listener, as a browser resolves *.localhost, and keeps
// cookies per host.
func appBrowser(t *testing.T, listener string) *http.Client {
	jar, _ := cookiejar.New(nil)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, listener)
	}
	return &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dial}, Timeout: 10 * time.Second}
}

// TestGatewayOpensTheOwnersService: a browser opening a service's host is signed in through
// the portal (a one-time ticket bound to the host, traded for the host's own cookie) and
// reaches the service, HTTP and WebSocket, without Basalt's cookie or any Authorization
// header; a ticket replayed, forged or taken to another host is refused; the service's page
// shows its address and traffic.
func TestGatewayOpensTheOwnersService(t *testing.T) {
	backend := appBackend(t)
	defer backend.Close()
	rig := newAppRig(t, backend, config.LifecyclePolicy{})
	base, srv, listener, services, clk := rig.base, rig.srv, rig.listener, rig.services, rig.clk
	id := rig.launch(t, "jupyter", "")
	var details ServiceDetails
	getJSON(t, services+"/"+id, &details)
	app := "http://" + rig.host(id)
	if details.Service.Access == nil || details.Service.Access.URL != app+"/" {
		t.Fatalf("the service's address: %+v, want %s/", details.Service.Access, app)
	}
	if !strings.Contains(strings.Join(details.Commands, "\n"), "kubectl port-forward --namespace user-alice service/"+id+" 8080:80") {
		t.Errorf("the commands lack the port-forward: %v", details.Commands)
	}

	b := appBrowser(t, listener)
	var tickets []string
	b.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Path == "/_basalt/ticket" {
			tickets = append(tickets, req.URL.String())
		}
		return nil
	}
	req, _ := http.NewRequest(http.MethodGet, app+"/lab?x=1", nil)
	req.Header.Set("Authorization", "Bearer for-basalt-only")
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var seen map[string]string
	json.NewDecoder(resp.Body).Decode(&seen)
	resp.Body.Close()
	if resp.StatusCode != 200 || seen["path"] != "/lab" || seen["user"] != "alice" {
		t.Fatalf("opening the service: %d %v", resp.StatusCode, seen)
	}
	if seen["authorization"] != "" || strings.Contains(seen["cookie"], "basalt_app") || strings.Contains(seen["cookie"], "basalt_signin") {
		t.Errorf("the service received Basalt's credentials: %v", seen)
	}
	if seen["host"] != strings.TrimPrefix(app, "http://") {
		t.Errorf("the service saw host %q, want its own", seen["host"])
	}
	if len(tickets) != 1 {
		t.Fatalf("tickets: %v", tickets)
	}

	fresh := appBrowser(t, listener)
	fresh.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	refused := func(what, u string) {
		t.Helper()
		resp, err := fresh.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("%s: %d with cookies %v, want 403 and none", what, resp.StatusCode, resp.Cookies())
		}
	}
	refused("a ticket replayed", tickets[0])
	u, _ := url.Parse(tickets[0])
	q := u.Query()
	q.Set("t", q.Get("t")[:len(q.Get("t"))-2]+"xx")
	u.RawQuery = q.Encode()
	refused("a forged ticket", u.String())
	other := strings.Replace(tickets[0], id+"--user-alice", "other--user-alice", 1)
	refused("a ticket taken to another host", other)
	if resp, err := fresh.Get(app + "/lab"); err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), base+"/api/v1/gateway/authorize?") {
		t.Errorf("a browser without the host's cookie: %v %v, want a redirect to the portal's sign-in", resp, err)
	}

	// A WebSocket through the gateway, counted while open.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(app, "http://", "ws://", 1)+"/ws", &websocket.DialOptions{HTTPClient: b})
	if err != nil {
		t.Fatalf("websocket: %v", err)
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("print(1)")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.Read(ctx); err != nil || string(msg) != "echo: print(1)" {
		t.Fatalf("websocket echo: %q %v", msg, err)
	}
	getJSON(t, services+"/"+id, &details)
	if a := details.Service.Access; a.OpenWebSockets != 1 || a.Requests < 2 || a.LastRequest == nil || a.BytesOut == 0 || a.BytesIn == 0 {
		t.Errorf("traffic with a WebSocket open: %+v", a)
	}
	ws.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for getJSON(t, services+"/"+id, &details); details.Service.Access.OpenWebSockets != 0; getJSON(t, services+"/"+id, &details) {
		if time.Now().After(deadline) {
			t.Fatalf("the closed WebSocket is still counted: %+v", details.Service.Access)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Paused, the service closes the WebSockets open to it within 5 s, and answers so, in
	// Basalt's words.
	runCtx, stopRun := context.WithCancel(t.Context())
	defer stopRun()
	go srv.RunGateway(runCtx)
	ws, _, err = websocket.Dial(ctx, strings.Replace(app, "http://", "ws://", 1)+"/ws", &websocket.DialOptions{HTTPClient: b})
	if err != nil {
		t.Fatalf("websocket: %v", err)
	}
	defer ws.CloseNow()
	if code, body := postJSON(t, services+"/"+id+"/suspend", ""); code != 200 {
		t.Fatalf("pause: %d %s", code, body)
	}
	paused := time.Now()
	readCtx, stopRead := context.WithTimeout(t.Context(), 10*time.Second)
	defer stopRead()
	if _, _, err := ws.Read(readCtx); err == nil || readCtx.Err() != nil {
		t.Fatalf("the WebSocket to a paused service stayed open: %v", err)
	}
	if took := time.Since(paused); took > 5*time.Second {
		t.Errorf("the WebSocket closed %v after the pause, want within 5 s", took)
	}
	clk.advance(routeTTLForTests) // past the gateway's cached decision
	resp, err = b.Get(app + "/lab")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(page), "paused") {
		t.Errorf("a paused service: %d %s", resp.StatusCode, page)
	}
}

// routeTTLForTests outlasts the gateway's cached decisions.
const routeTTLForTests = 3100 * time.Millisecond

// TestTrafficThroughTheGatewayIsUse: a service whose pods idle (the region measures them) but
// which its owner keeps using through the gateway is never announced; once the requests stop,
// it is, after its idle time.
func TestTrafficThroughTheGatewayIsUse(t *testing.T) {
	backend := appBackend(t)
	defer backend.Close()
	rig := newAppRig(t, backend, config.LifecyclePolicy{Name: "Idle", SuspendAfterIdle: time.Hour}, "lifecycle.notices.before_suspend=10m")
	srv, listener, services, clk := rig.srv, rig.listener, rig.services, rig.clk
	id := rig.launch(t, "notebook", `"usage":{"cpuMillicores":2}`)
	app := "http://" + rig.host(id)
	b := appBrowser(t, listener)
	notice := func() *NoticeView { t.Helper(); return serviceAt(t, services+"/"+id).Lifecycle.Notice }
	step := func(use bool) {
		t.Helper()
		if use {
			resp, err := b.Get(app + "/lab/tree")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("using the service at %v: %v %v", clk.Now(), resp, err)
			}
			resp.Body.Close()
		}
		srv.gateway.Flush(t.Context())
		if err := srv.Lifecycle().Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
		clk.advance(10 * time.Minute)
	}
	for range 18 { // three hours of use, every ten minutes
		step(true)
		if n := notice(); n != nil {
			t.Fatalf("a service in use through the gateway was announced at %v: %+v", clk.Now(), n)
		}
	}
	for range 5 { // passes 10 to 50 min after the last request: the notice at 50, 10 min before the hour
		step(false)
	}
	var d ServiceDetails
	getJSON(t, services+"/"+id, &d)
	if n := d.Service.Lifecycle.Notice; n == nil || n.Reason != "idle" || d.Service.Suspended {
		t.Fatalf("50 min without requests (idle 1 h): notice %+v, suspended %v", n, d.Service.Suspended)
	}
	step(false)
	if getJSON(t, services+"/"+id, &d); !d.Service.Suspended || d.Service.Lifecycle.SuspendedBy != "idle" {
		t.Fatalf("an hour without requests: suspended %v by %q", d.Service.Suspended, d.Service.Lifecycle.SuspendedBy)
	}
}

// TestGatewaySignsInToJupyter: with the default configuration, a service of a Jupyter chart
// (lifecycle.probes' jupyter, token in security.password) is opened through the gateway with
// no password of its own: the gateway hands Jupyter the token the service was launched with,
// which the browser never sees. A chart not declared gets none.
func TestGatewaySignsInToJupyter(t *testing.T) {
	jupyter := &jupyterKernels{token: "launch-time-password"}
	jupyter.set(`[{"id":"k1","execution_state":"idle","token":"launch-time-password"}]`)
	backend := httptest.NewServer(jupyter)
	defer backend.Close()
	rig := newAppRig(t, backend, config.LifecyclePolicy{})
	b := appBrowser(t, rig.listener)
	for chart, want := range map[string]int{"jupyter": http.StatusOK, "notebook": http.StatusForbidden} {
		id := rig.launch(t, chart, `"security":{"password":"launch-time-password"}`)
		resp, err := b.Get("http://" + rig.host(id) + "/api/kernels")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || strings.Contains(string(body), "launch-time-password") {
			t.Errorf("%s's kernels through the gateway: %s %s, want %d and no token", chart, resp.Status, body, want)
		}
		if chart == "jupyter" && !strings.Contains(string(body), `"execution_state":"idle"`) {
			t.Errorf("Jupyter's answer: %s", body)
		}
	}
}

// TestGatewayForwardAuth answers an ingress controller's subrequests as nginx (X-Original-URL)
// and Traefik or Envoy (X-Forwarded-Host and -Uri) send them: a browser with the service
// host's session goes through with its user and groups named for the controller to pass on,
// one without is sent to sign in (nginx by a 401, which its auth-signin turns into the
// redirect; the others by the redirect itself), and a session of one host does not open
// another. Through the proxy, the service is told the same, whatever the browser claimed.
func TestGatewayForwardAuth(t *testing.T) {
	backend := appBackend(t)
	defer backend.Close()
	rig := newAppRig(t, backend, config.LifecyclePolicy{}, "auth.local.groups=[data-team, ml]")
	base, listener := rig.base, rig.listener
	id, other := rig.launch(t, "jupyter", ""), rig.launch(t, "jupyter", "")
	host := rig.host(id)

	// The browser signs in at the service's host as with the proxy: the ingress sends
	// /_basalt/ to Basalt.
	b := appBrowser(t, listener)
	resp, err := b.Get("http://" + host + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("signing in at %s: %v %v", host, resp, err)
	}
	resp.Body.Close()
	u, _ := url.Parse("http://" + host + "/")
	var session string
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == "basalt_app" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("no session cookie at the service's host")
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/who", nil)
	req.Header.Set("X-Basalt-User", "mallory")
	req.Header.Set("X-Basalt-Groups", "admins")
	var seen map[string]string
	if resp, err = b.Do(req); err != nil || json.NewDecoder(resp.Body).Decode(&seen) != nil || seen["user"] != "alice" || seen["groups"] != "data-team,ml" {
		t.Errorf("the service told who its visitor is, the browser claiming to be mallory of admins: %v %v", seen, err)
	}
	resp.Body.Close()
	ask := func(headers map[string]string, cookie string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/_basalt/auth", nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "basalt_app", Value: cookie})
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	nginx := map[string]string{"X-Original-URL": "http://" + host + "/lab?x=1", "X-Original-Method": "GET"}
	traefik := map[string]string{"X-Forwarded-Host": host, "X-Forwarded-Uri": "/lab?x=1", "X-Forwarded-Proto": "http", "X-Forwarded-Method": "GET"}
	for name, headers := range map[string]map[string]string{"nginx": nginx, "traefik": traefik} {
		if resp := ask(headers, session); resp.StatusCode != 200 || resp.Header.Get("X-Basalt-User") != "alice" || resp.Header.Get("X-Basalt-Groups") != "data-team,ml" {
			t.Errorf("%s, with the session: %d, user %q, groups %q", name, resp.StatusCode, resp.Header.Get("X-Basalt-User"), resp.Header.Get("X-Basalt-Groups"))
		}
	}
	if resp := ask(nginx, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("nginx, without a session: %d, want 401", resp.StatusCode)
	}
	resp = ask(traefik, "")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, base+"/api/v1/gateway/authorize?") || !strings.Contains(loc, url.QueryEscape("/lab?x=1")) {
		t.Errorf("traefik, without a session: %d to %q", resp.StatusCode, loc)
	}
	// Traefik passes the answer on whole: the browser gets the host's sign-in cookie with it,
	// whose hash the ticket will carry.
	if loc, _ := resp.Location(); len(resp.Cookies()) != 1 || resp.Cookies()[0].Name != "basalt_signin" || loc == nil || loc.Query().Get("binding") == "" {
		t.Errorf("traefik, without a session: cookies %v to %v, want the sign-in cookie and its binding", resp.Cookies(), loc)
	}
	elsewhere := map[string]string{"X-Forwarded-Host": rig.host(other), "X-Forwarded-Uri": "/"}
	if resp := ask(elsewhere, session); resp.StatusCode == 200 {
		t.Errorf("the session of one service's host opened another: %d", resp.StatusCode)
	}
}

// TestServiceAccessGrants: the owner lists and replaces who else may open a service; grants
// keep who made them and when across a replacement, and bad ones are refused at their field.
func TestServiceAccessGrants(t *testing.T) {
	backend := appBackend(t)
	defer backend.Close()
	rig := newAppRig(t, backend, config.LifecyclePolicy{})
	access := rig.services + "/" + rig.launch(t, "jupyter", "") + "/access"
	var got AccessGrants
	if code := getJSON(t, access, &got); code != 200 || len(got.Grants) != 0 {
		t.Fatalf("a new service's grants: %d %+v", code, got)
	}
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	code, body := putJSON(t, access, `{"grants":[{"kind":"user","name":"bob"},{"kind":"group","name":"data-team","expires":"`+until+`"}]}`)
	if code != 200 || json.Unmarshal(body, &got) != nil || len(got.Grants) != 2 || got.Grants[0].By != "alice" || got.Grants[0].Created == nil ||
		got.Grants[1].Expires == nil || got.Grants[1].Expires.Format(time.RFC3339) != until {
		t.Fatalf("granting: %d %s", code, body)
	}
	created := *got.Grants[0].Created
	code, body = putJSON(t, access, `{"grants":[{"kind":"user","name":"bob"}]}`)
	if code != 200 || json.Unmarshal(body, &got) != nil || len(got.Grants) != 1 || !got.Grants[0].Created.Equal(created) {
		t.Fatalf("keeping bob's grant alone: %d %s", code, body)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"grants":[{"kind":"everyone","name":"x"}]}`, "grants[0].kind"},
		{`{"grants":[{"kind":"user","name":""}]}`, "grants[0].name"},
		{`{"grants":[{"kind":"user","name":"alice"}]}`, "grants[0].name"},
		{`{"grants":[{"kind":"user","name":"bob","expires":"2020-01-01T00:00:00Z"}]}`, "grants[0].expires"},
		{`{"grants":[{"kind":"user","name":"bob"},{"kind":"user","name":"bob"}]}`, "grants[1]"},
	} {
		if code, body := putJSON(t, access, bad.body); code != 400 || !strings.Contains(string(body), bad.field) {
			t.Errorf("%s: %d %s, want 400 naming %s", bad.body, code, body, bad.field)
		}
	}
}

// TestGatewaySignInRefusedInWords: a browser that follows Open to a paused service gets a
// page saying so, an API client the error's JSON.
func TestGatewaySignInRefusedInWords(t *testing.T) {
	backend := appBackend(t)
	defer backend.Close()
	rig := newAppRig(t, backend, config.LifecyclePolicy{})
	id := rig.launch(t, "jupyter", "")
	if code, body := postJSON(t, rig.services+"/"+id+"/suspend", ""); code != 200 {
		t.Fatalf("pause: %d %s", code, body)
	}
	authorize := rig.base + "/api/v1/gateway/authorize?host=" + url.QueryEscape(rig.host(id))
	resp, body := do(t, http.MethodGet, authorize, nil, "Accept", "text/html,application/xhtml+xml")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(body), "paused") {
		t.Errorf("a browser opening a paused service: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = do(t, http.MethodGet, authorize, nil)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), `"error"`) {
		t.Errorf("an API client opening a paused service: %d %s", resp.StatusCode, body)
	}
}
