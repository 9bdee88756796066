package scale

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// APICounter stands between Basalt's region plugin and the API server, on loopback, and
// counts the requests that pass: a figure then carries its own API server cost, even on a
// cluster that other clients (other tests, the controllers) use at the same time. A watch
// counts once, when it starts.
type APICounter struct {
	URL   string // http://127.0.0.1:port, without credentials: the counter adds them
	srv   *http.Server
	total atomic.Int64

	mu    sync.Mutex
	byKey map[string]int64 // "verb resource", e.g. "list secrets"
}

// StartAPICounter serves the counting proxy to env's API server, as its administrator.
func StartAPICounter(env *testenv.Env) (*APICounter, error) {
	upstream, err := url.Parse(env.KubeServer)
	if err != nil {
		return nil, err
	}
	client, err := env.KubeHTTPClient()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &APICounter{URL: "http://" + ln.Addr().String(), byKey: map[string]int64{}}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.Out.Header.Set("Authorization", "Bearer "+env.KubeToken)
		},
		Transport:     client.Transport,
		FlushInterval: -1, // watches stream
	}
	c.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.count(r)
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = c.srv.Serve(ln) }()
	return c, nil
}

func (c *APICounter) count(r *http.Request) {
	c.total.Add(1)
	v, res := verb(r), resource(r.URL.Path)
	if v == "get" && !strings.Contains(res, "/") && res != "discovery" {
		v = "list"
	}
	key := v + " " + res
	c.mu.Lock()
	c.byKey[key]++
	c.mu.Unlock()
}

// verb names a request as the API server's metrics do (get, list, watch, create, update,
// patch, delete).
func verb(r *http.Request) string {
	switch r.Method {
	case http.MethodGet:
		if r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1" {
			return "watch"
		}
		return "get" // or list: count tells them apart by the path
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	return strings.ToLower(r.Method)
}

// resource is the kind of object a path reaches, with "/name" when it names one object:
// /api/v1/namespaces/ns/secrets is "secrets", /api/v1/namespaces/ns/secrets/x "secrets/name".
func resource(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	// /api/v1/... or /apis/group/version/...
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return path
	}
	if len(parts) >= 2 && parts[0] == "namespaces" && len(parts) > 2 {
		parts = parts[2:]
	}
	switch len(parts) {
	case 0:
		return "discovery"
	case 1:
		return parts[0]
	case 2:
		return parts[0] + "/name"
	default:
		return parts[0] + "/name/" + strings.Join(parts[2:], "/")
	}
}

// Count is the number of requests so far.
func (c *APICounter) Count() int64 { return c.total.Load() }

// ByKey is a copy of the counts by verb and resource.
func (c *APICounter) ByKey() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.byKey))
	for k, v := range c.byKey {
		out[k] = v
	}
	return out
}

// Since lists the requests made since before (a ByKey copy), as "count× verb resource".
func (c *APICounter) Since(before map[string]int64) []string {
	var out []string
	for k, n := range c.ByKey() {
		if d := n - before[k]; d > 0 {
			out = append(out, fmt.Sprintf("%d× %s", d, k))
		}
	}
	slices.Sort(out)
	return out
}

// Kubeconfig writes, in dir, a kubeconfig that reaches the API server through the counter.
func (c *APICounter) Kubeconfig(dir string) (string, error) {
	path := filepath.Join(dir, "kubeconfig-counted")
	data := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: sandbox
  cluster: {server: %q}
users:
- name: admin
  user: {}
contexts:
- name: sandbox
  context: {cluster: sandbox, user: admin}
current-context: sandbox
`, c.URL)
	return path, os.WriteFile(path, []byte(data), 0o600)
}

// Close stops the proxy; open watches end.
func (c *APICounter) Close() error { return c.srv.Close() }
