package basalttest

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestGatewayTicketBoundToItsBrowser: two replicas of one configuration (same key, same apps
// domain) behind a load balancer. alice opens her service through replica A; the ticket her
// browser carried, taken on its way and presented by another client to replica B, which has
// not seen it spent, signs no one in: it is bound to a cookie only alice's browser holds.
// Taken before her browser uses it, it is refused as well and stays good for her browser.
func TestGatewayTicketBoundToItsBrowser(t *testing.T) {
	env := testenv.Require(t)
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "alice's notebook")
	}))
	defer service.Close()
	dir := Build(t, "basalt-plugin-memory")
	cfg := filepath.Join(t.TempDir(), "basalt.yaml")
	if err := os.WriteFile(cfg, []byte(gatewayConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	addrA, addrB := FreeAddress(t), FreeAddress(t)
	public := "http://" + addrA
	registerRedirect(t, env, public+"/auth/callback")
	args := []string{"--config", cfg,
		"--set", "auth.mode=oidc", "--set", "server.public_url=" + public,
		"--set", "auth.oidc.issuer_url=" + env.OIDCIssuer, "--set", "auth.oidc.client_id=" + env.PortalClientID,
		"--set", "gateway.apps_domain=apps.test", "--set", "gateway.scheme=http",
	}
	keys := []string{"BASALT_AUTH__OIDC__CLIENT_SECRET=" + env.PortalClientSecret, "BASALT_AUTH__SESSION__KEY=" + strings.Repeat("replica-key-", 4)}
	a := Serve(t, dir, addrA, keys, args...)
	Serve(t, dir, addrB, keys, args...)

	portal := signIn(t, env, a.URL, "alice")
	var launched struct{ Service struct{ ID string } }
	body := send(t, portal, http.MethodPost, a.URL+"/api/v1/projects/user-alice/services",
		`{"catalog":"ide","chart":"app","values":{"ingress":{"endpoint":"`+strings.TrimPrefix(service.URL, "http://")+`"}}}`, http.StatusAccepted)
	if err := json.Unmarshal([]byte(body), &launched); err != nil {
		t.Fatal(err)
	}
	host := launched.Service.ID + "--user-alice.apps.test"

	// alice's browser: the portal's cookies, and the apps domain at replica A.
	var tickets []string
	browser := &http.Client{Jar: portal.Jar, Timeout: 30 * time.Second, Transport: appsAt(addrA),
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if req.URL.Path == "/_basalt/ticket" {
				tickets = append(tickets, req.URL.String())
			}
			return nil
		}}
	if got := send(t, browser, http.MethodGet, "http://"+host+"/", "", http.StatusOK); got != "alice's notebook" || len(tickets) != 1 {
		t.Fatalf("alice opening her service through A: %q, tickets %v", got, tickets)
	}

	// Another client, with the ticket alone, at replica B.
	thief := &http.Client{Timeout: 30 * time.Second, Transport: appsAt(addrB),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := thief.Get(tickets[0])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		opened := ""
		for _, c := range resp.Cookies() { // what the replayed ticket gave, used at replica A
			req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/", nil)
			req.AddCookie(c)
			if r, err := (&http.Client{Transport: appsAt(addrA)}).Do(req); err == nil {
				got, _ := io.ReadAll(r.Body)
				r.Body.Close()
				opened = string(got)
			}
		}
		t.Fatalf("alice's ticket replayed by another client at replica B: %d with cookies %v (alice's service through A with them: %q), want 403 and none",
			resp.StatusCode, resp.Cookies(), opened)
	}

	// A ticket taken before alice's browser uses it: refused to the thief at either replica,
	// and still good for her browser.
	jar, _ := cookiejar.New(nil)
	starting := &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: appsAt(addrA),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	toPortal := redirect(t, starting, "http://"+host+"/fresh")
	portal.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ticket := redirect(t, portal, toPortal.String())
	if ticket.Path != "/_basalt/ticket" {
		t.Fatalf("the portal sent alice's browser to %s, want its ticket", ticket)
	}
	for name, addr := range map[string]string{"A": addrA, "B": addrB} {
		thief.Transport = appsAt(addr)
		if resp, err := thief.Get(ticket.String()); err != nil || resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
			t.Errorf("a ticket taken before its browser used it, at replica %s: %v %v, want 403 and no cookie", name, resp, err)
		} else {
			resp.Body.Close()
		}
	}
	starting.Transport = appsAt(addrB)
	if back := redirect(t, starting, ticket.String()); back.Path != "/fresh" {
		t.Errorf("alice's browser trading its ticket at replica B: to %s, want /fresh", back)
	}
	if cookies := jar.Cookies(&url.URL{Scheme: "http", Host: host}); !hasCookie(cookies, "basalt_app") {
		t.Errorf("alice's browser after trading its ticket: cookies %v, want the host's session", cookies)
	}
}

// appsAt reaches the apps domain's hosts at one replica's listener, as a load balancer would
// send them there, and every other address as it is.
func appsAt(addr string) *http.Transport {
	return &http.Transport{DialContext: func(ctx context.Context, network, to string) (net.Conn, error) {
		if h, _, _ := net.SplitHostPort(to); strings.HasSuffix(h, ".apps.test") {
			to = addr
		}
		return (&net.Dialer{}).DialContext(ctx, network, to)
	}}
}

func hasCookie(cookies []*http.Cookie, name string) bool {
	for _, c := range cookies {
		if c.Name == name {
			return true
		}
	}
	return false
}
