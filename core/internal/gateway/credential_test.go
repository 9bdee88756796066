package gateway

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/coder/websocket"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// memoryScopes resolves users' scopes over one in-memory region, wrapped by the authorizer
// as the server's resolver wraps its plugins.
type memoryScopes struct {
	projects config.Projects
	region   sdk.Region
}

func (m memoryScopes) Resolve(u *identity.User, projectID, regionID string) (*scope.Scope, error) {
	p, err := identity.FindProject(u, m.projects, projectID)
	if err != nil {
		return nil, err
	}
	return scope.New(u, p, m.Projects(u), config.Region{ID: regionID}, scope.Plugins{Services: m.region}), nil
}

func (m memoryScopes) Projects(u *identity.User) []identity.Project {
	return identity.Projects(u, m.projects)
}

// chartArchive is a chart's .tgz holding its Chart.yaml only, as the memory region reads it.
func chartArchive(t *testing.T, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	chart := []byte("apiVersion: v2\nname: " + name + "\nversion: 1.0.0\n")
	if err := tw.WriteHeader(&tar.Header{Name: name + "/Chart.yaml", Mode: 0o644, Size: int64(len(chart))}); err != nil {
		t.Fatal(err)
	}
	tw.Write(chart)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// jupyterStandIn stands for a Jupyter server that only answers with its token, as Jupyter
// does to the gateway: its pages carry the token in their configuration as JupyterLab's do,
// a redirect names it, and its kernel channels answer the code they are sent.
func jupyterStandIn(token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "token "+token {
			http.Error(w, "403: Forbidden (no token)", http.StatusForbidden)
			return
		}
		switch r.URL.Path {
		case "/api/kernels/k1/channels":
			// Any origin: the token alone lets a page in here.
			c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
			if err != nil {
				return
			}
			defer c.CloseNow()
			if _, code, err := c.Read(r.Context()); err == nil {
				_ = c.Write(r.Context(), websocket.MessageText, append([]byte("executed: "), code...))
			}
		case "/login":
			http.Redirect(w, r, "/tree?token="+token, http.StatusFound)
		default:
			w.Header().Set("Content-Type", "text/html")
			// Long enough that the token falls across the transport's reads.
			io.WriteString(w, `<!doctype html><title>Home</title><script id="jupyter-config-data">{"token": "`+token+`", "pad": "`+strings.Repeat("x", 70_000)+`"}</script>`)
		}
	})
}

// trustRig is a gateway over a memory region holding alice's services, each served by a
// stand-in for its pods.
type trustRig struct {
	g       *Gateway
	gateway *httptest.Server
	region  sdk.Region
	alice   *identity.User
}

func newTrustRig(t *testing.T, trusted []TrustedApp) (*trustRig, *logscan.Buffer) {
	t.Helper()
	cfg, err := config.Load(config.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := authz.New(cfg.Authz, logscan.Logger(t, "authz"))
	if err != nil {
		t.Fatal(err)
	}
	scopes := memoryScopes{projects: cfg.Projects, region: a.Region(memory.NewRegion())}
	log, logs := logscan.Capture(t, "core")
	g := New(Options{Apps: Apps{Domain: "apps.test", Scheme: "http"}, Key: []byte("test key"), TicketTTL: 30 * time.Second,
		SessionTTL: time.Hour, Portal: "http://portal.test", Regions: []string{"r"}, Scopes: scopes, Projects: cfg.Projects,
		TrustedApps: trusted, Log: log})
	gw := httptest.NewServer(g)
	t.Cleanup(gw.Close)
	r := &trustRig{g: g, gateway: gw, region: scopes.region, alice: &identity.User{Username: "alice"}}
	sc, err := scopes.Resolve(r.alice, "user-alice", "r")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.region.Onboard(sc.Context(t.Context()), sdk.OnboardRequest{}); err != nil {
		t.Fatal(err)
	}
	return r, logs
}

// launch installs a release of a chart for alice, served at endpoint, with Jupyter's token
// in security.password.
func (r *trustRig) launch(t *testing.T, sc *scope.Scope, name, chart, endpoint, token string) {
	t.Helper()
	values, _ := json.Marshal(map[string]any{"security": map[string]any{"password": token}, "ingress": map[string]any{"endpoint": endpoint}})
	_, err := r.region.Install(sc.Context(t.Context()), sdk.InstallRequest{ReleaseName: name, Archive: bytes.NewReader(chartArchive(t, chart)),
		Values: values, Metadata: sdk.ReleaseMetadata{Owner: "alice"}})
	if err != nil {
		t.Fatal(err)
	}
}

// browser signs a browser in at a service's host as the portal does and returns a client
// that reaches the gateway for every host, with that host's cookie.
func (r *trustRig) browser(t *testing.T, service string) (*http.Client, string) {
	t.Helper()
	host := service + "--user-alice.apps.test"
	listener := strings.TrimPrefix(r.gateway.URL, "http://")
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, listener)
	}
	c := &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The host sets its sign-in cookie and sends the browser to the portal with its hash.
	resp, err := c.Get("http://" + host + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	toPortal, err := resp.Location()
	if err != nil || len(resp.Cookies()) != 1 {
		t.Fatalf("starting a sign-in: %s %v", resp.Status, resp.Cookies())
	}
	started := resp.Cookies()[0]
	to, err := r.g.Authorize(t.Context(), r.alice, host, "/", "", toPortal.Query().Get("binding"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, to, nil)
	req.AddCookie(started)
	if resp, err = c.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || len(resp.Cookies()) != 1 {
		t.Fatalf("trading the ticket: %s %v", resp.Status, resp.Cookies())
	}
	cookie := resp.Cookies()[0]
	c.Transport = cookieTransport{next: c.Transport, cookie: cookie}
	return c, "http://" + host
}

// cookieTransport adds the host's session cookie to every request, as the browser does.
type cookieTransport struct {
	next   http.RoundTripper
	cookie *http.Cookie
}

func (c cookieTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.AddCookie(c.cookie)
	return c.next.RoundTrip(r)
}

// runOnKernel sends code on the kernel's channels through the gateway, as a page of origin
// does, and returns the answer.
func runOnKernel(ctx context.Context, b *http.Client, app, origin, code string) (string, error) {
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(app, "http")+"/api/kernels/k1/channels",
		&websocket.DialOptions{HTTPClient: b, HTTPHeader: http.Header{"Origin": {origin}}})
	if err != nil {
		return "", err
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(code)); err != nil {
		return "", err
	}
	_, got, err := ws.Read(ctx)
	return string(got), err
}

// TestTrustedAppAsksNoPassword: a Jupyter of a trusted chart gets its token from the gateway
// on pages, API calls and kernel WebSockets, never the browser's own Authorization, and the
// token reaches no response (page, header) and no log. A request another page of the apps
// domain sends, and a service of a chart not declared, get no token.
func TestTrustedAppAsksNoPassword(t *testing.T) {
	token := logscan.Canary()
	jupyter := httptest.NewServer(jupyterStandIn(token))
	defer jupyter.Close()
	endpoint := strings.TrimPrefix(jupyter.URL, "http://")
	rig, logs := newTrustRig(t, []TrustedApp{{Charts: []string{"jupyter-python", "jupyter"}, TokenValue: "security.password"}})
	sc, _ := rig.g.o.Scopes.Resolve(rig.alice, "user-alice", "r")
	rig.launch(t, sc, "jupyter-1", "jupyter", endpoint, token)
	rig.launch(t, sc, "other-1", "notebook", endpoint, token)

	b, app := rig.browser(t, "jupyter-1")
	req, _ := http.NewRequest(http.MethodGet, app+"/tree", nil)
	req.Header.Set("Authorization", "Bearer the-browsers-own")
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`<title>Home</title>`)) || !bytes.HasSuffix(page, []byte(`"}</script>`)) {
		t.Fatalf("Jupyter's page through the gateway: %s %.200s", resp.Status, page)
	}
	if bytes.Contains(page, []byte(token)) || !bytes.Contains(page, []byte(`{"token": "", "pad"`)) {
		t.Errorf("the page reached the browser with its token, or lost more than the token: %.120s", page)
	}

	resp, err = b.Get(app + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/tree?token=" {
		t.Errorf("a redirect naming the token: %s to %q, want /tree?token= (taken out)", resp.Status, loc)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if got, err := runOnKernel(ctx, b, app, app, "1+1"); err != nil || got != "executed: 1+1" {
		t.Fatalf("the kernel's answer through the gateway: %q %v", got, err)
	}

	// Another service's page on the apps domain (the same site) asking with alice's cookie.
	req, _ = http.NewRequest(http.MethodPost, app+"/api/kernels", strings.NewReader("{}"))
	req.Header.Set("Origin", "http://evil--user-mallory.apps.test")
	if resp, err = b.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a request from another page of the apps domain: %s, want Jupyter's own 403 (no token)", resp.Status)
	}
	if _, err := runOnKernel(ctx, b, app, "http://evil--user-mallory.apps.test", "1+1"); err == nil {
		t.Errorf("another page of the apps domain ran code on the kernel with the token")
	}

	// A chart no one declared gets no token: Jupyter asks its own.
	b2, other := rig.browser(t, "other-1")
	if resp, err = b2.Get(other + "/tree"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a service of an undeclared chart: %s, want 403 from the service (no token)", resp.Status)
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the token reached the log")
	}
}

// TestTrustWithoutTokenValue: with no trusted application, or a release whose value is empty,
// the gateway adds nothing and takes nothing out.
func TestTrustWithoutTokenValue(t *testing.T) {
	var seen []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	}))
	defer backend.Close()
	endpoint := strings.TrimPrefix(backend.URL, "http://")
	for name, trusted := range map[string][]TrustedApp{"none declared": nil, "empty value": {{Charts: []string{"jupyter"}, TokenValue: "security.password"}}} {
		t.Run(name, func(t *testing.T) {
			seen = nil
			rig, _ := newTrustRig(t, trusted)
			sc, _ := rig.g.o.Scopes.Resolve(rig.alice, "user-alice", "r")
			token := "a-token"
			if trusted != nil {
				token = ""
			}
			rig.launch(t, sc, "jupyter-1", "jupyter", endpoint, token)
			b, app := rig.browser(t, "jupyter-1")
			resp, err := b.Get(app + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "hello" || resp.ContentLength != 5 || len(seen) != 1 || seen[0] != "" {
				t.Errorf("got %q (length %d), the service saw Authorization %q", body, resp.ContentLength, seen)
			}
		})
	}
}

// TestRedactedStream: a secret is taken out wherever reads cut it, and nothing else is.
func TestRedactedStream(t *testing.T) {
	secret := "s3cr3t-t0ken"
	text := "a" + secret + "bc" + secret + secret + "d" + strings.Repeat("e", 100) + "s3cr3t" + "-" + secret + "s3cr3t-t0ke"
	want := "abcd" + strings.Repeat("e", 100) + "s3cr3t-" + "s3cr3t-t0ke"
	for name, r := range map[string]io.Reader{
		"one read":         strings.NewReader(text),
		"a byte at a time": iotest.OneByteReader(strings.NewReader(text)),
		"half reads":       iotest.HalfReader(strings.NewReader(text)),
	} {
		got, err := io.ReadAll(&redacted{body: io.NopCloser(r), secret: []byte(secret)})
		if err != nil || string(got) != want {
			t.Errorf("%s: %q %v, want %q", name, got, err, want)
		}
	}
	failing := &redacted{body: io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF)), secret: []byte(secret)}
	if _, err := io.ReadAll(failing); err != io.ErrUnexpectedEOF {
		t.Errorf("a failed read: %v", err)
	}
}

// TestCredentialInEveryForm: a credential a user chose, with characters that pages escape, is
// taken out as it is and as a URL, HTML or JSON writes it.
func TestCredentialInEveryForm(t *testing.T) {
	credential := `my pass&w"rd/+é<`
	quoted, _ := json.Marshal(credential)
	forms := []string{credential, url.QueryEscape(credential), url.PathEscape(credential), html.EscapeString(credential), string(quoted)}
	page := "<a href=\"/tree?token=" + strings.Join(forms, "\">|<x data-token=\"") + "\">"
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Location": {"/tree?token=" + url.QueryEscape(credential)}},
		Body: io.NopCloser(strings.NewReader(page)), ContentLength: int64(len(page))}
	withoutCredential(resp, credential)
	body, _ := io.ReadAll(resp.Body)
	if want := `<a href="/tree?token=">|<x data-token="">|<x data-token="">|<x data-token="">|<x data-token="""">`; string(body) != want {
		t.Errorf("body %s, want %s", body, want)
	}
	if loc := resp.Header.Get("Location"); loc != "/tree?token=" || resp.ContentLength != -1 {
		t.Errorf("Location %q, length %d", loc, resp.ContentLength)
	}
}

// TestFromItsOwnPages: only requests without an Origin, or from the service's own, carry
// the credential.
func TestFromItsOwnPages(t *testing.T) {
	for origin, want := range map[string]bool{"": true, "http://nb--user-a.apps.test": true, "HTTP://NB--USER-A.APPS.TEST": true,
		"http://other--user-a.apps.test": false, "https://nb--user-a.apps.test": false, "null": false} {
		r := &http.Request{Host: "nb--user-a.apps.test", Header: http.Header{}, URL: &url.URL{Path: "/"}}
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		if got := fromItsOwnPages(r, "http"); got != want {
			t.Errorf("Origin %q: %v, want %v", origin, got, want)
		}
	}
}
