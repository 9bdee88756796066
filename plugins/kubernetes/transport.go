package kubernetes

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
)

// Helm's lookup function, which Onyxia's charts call a dozen times per render to find
// discovery Secrets, builds a discovery client and lists the namespace's Secrets on every
// call, which makes those requests a large share of an install's time. The configuration Helm
// gets therefore remembers discovery documents for a while, and the Secret and ConfigMap
// lists of one render for a moment.

// discoveryPath is a discovery document: /api, /api/v1, /apis, /apis/group/version.
var discoveryPath = regexp.MustCompile(`^/(api|api/v1|apis|apis/[^/]+/[^/]+)$`)

// lookupList is a list of a namespace's Secrets or ConfigMaps, as lookup asks for them.
var lookupList = regexp.MustCompile(`^/api/v1/namespaces/[^/]+/(secrets|configmaps)$`)

const (
	discoveryTTL = capabilitiesTTL
	listTTL      = 2 * time.Second
)

type memoEntry struct {
	at     time.Time
	status int
	header http.Header
	body   []byte
	list   *corev1.SecretList // for recordedSecrets
}

// readMemo remembers the answers to GET requests by URL and Accept header.
type readMemo struct {
	mu sync.Mutex
	m  map[string]memoEntry
	// asking holds the requests on their way, for those who need the same answer to wait
	// for it rather than ask again.
	asking map[string]chan struct{}
}

// ask returns the answer to wait for when a request of that key is on its way, else nil and
// a function to call once the answer is kept, or not.
func (m *readMemo) ask(key string) (<-chan struct{}, func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if wait, ok := m.asking[key]; ok {
		return wait, nil
	}
	if m.asking == nil {
		m.asking = map[string]chan struct{}{}
	}
	done := make(chan struct{})
	m.asking[key] = done
	return nil, func() {
		m.mu.Lock()
		delete(m.asking, key)
		m.mu.Unlock()
		close(done)
	}
}

func (m *readMemo) get(key string, ttl time.Duration) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.m[key]
	if ok && time.Since(e.at) > ttl {
		delete(m.m, key)
		ok = false
	}
	return e, ok
}

// take returns an answer and forgets it.
func (m *readMemo) take(key string, ttl time.Duration) (memoEntry, bool) {
	e, ok := m.get(key, ttl)
	if ok {
		m.mu.Lock()
		delete(m.m, key)
		m.mu.Unlock()
	}
	return e, ok
}

func (m *readMemo) clear() {
	m.mu.Lock()
	clear(m.m)
	m.mu.Unlock()
}

func (m *readMemo) put(key string, e memoEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]memoEntry{}
	}
	m.m[key] = e
}

type memoTransport struct {
	next      http.RoundTripper
	discovery *readMemo // shared by every client of the plugin
	lists     *readMemo // one REST configuration's
	guesses   *readMemo // one install's "not found" answers to Helm's check of its objects, by path (kubeClient.Build); nil for others
}

func (t *memoTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || strings.Contains(req.URL.RawQuery, "watch") {
		return t.next.RoundTrip(req)
	}
	key := req.URL.RequestURI() + "\x00" + req.Header.Get("Accept")
	if t.guesses != nil {
		if e, ok := t.guesses.take(req.URL.Path, guessTTL); ok {
			return e.response(req), nil
		}
	}
	var memo *readMemo
	var ttl time.Duration
	var view func([]byte) []byte
	switch {
	case discoveryPath.MatchString(req.URL.Path):
		memo, ttl = t.discovery, discoveryTTL
	case lookupList.MatchString(req.URL.Path):
		memo, ttl = t.lists, listTTL
		if req.URL.RawQuery == "" { // lookup's own list, not a selected one
			view = lookupView
		}
	default:
		return t.next.RoundTrip(req)
	}
	for {
		if e, ok := memo.get(key, ttl); ok {
			return e.response(req), nil
		}
		wait, asked := memo.ask(key)
		if wait == nil {
			defer asked()
			return t.keep(memo, key, req, view)
		}
		// The same list is on its way (read ahead of the render): its answer, or a request of
		// our own if it failed.
		select {
		case <-wait:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
}

// notFoundEntry is the API server's "not found" for the object at path.
func notFoundEntry(path string) memoEntry {
	parts := strings.Split(path, "/")
	name, resource := parts[len(parts)-1], parts[len(parts)-2]
	status := metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: http.StatusNotFound,
		Message: resource + " \"" + name + "\" not found",
		Details: &metav1.StatusDetails{Name: name, Kind: resource},
	}
	body, _ := json.Marshal(status)
	return memoEntry{at: time.Now(), status: http.StatusNotFound, header: http.Header{"Content-Type": {"application/json"}}, body: body}
}

// keep asks the API server and remembers its answer, if a success. view, if any, rewrites a
// successful JSON answer before it is kept and given.
func (t *memoTransport) keep(memo *readMemo, key string, req *http.Request, view func([]byte) []byte) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if view != nil && resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		body = view(body)
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
	}
	memo.put(key, memoEntry{at: time.Now(), status: resp.StatusCode, header: resp.Header.Clone(), body: body})
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (e memoEntry) response(req *http.Request) *http.Response {
	return &http.Response{
		Status: http.StatusText(e.status), StatusCode: e.status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: e.header.Clone(), Body: io.NopCloser(bytes.NewReader(e.body)), ContentLength: int64(len(e.body)), Request: req,
	}
}

// lookupView is a namespace's Secret or ConfigMap list as charts' lookup sees it: Helm's
// release records and Basalt's chart archives keep their metadata but not their data. Those
// hold other services' values and charts, gzipped, which no chart reads; they are most of a
// namespace's bytes, and Helm decodes the whole list at each of a render's lookups. A list
// that does not parse is given as it came.
func lookupView(body []byte) []byte {
	var list map[string]json.RawMessage
	if json.Unmarshal(body, &list) != nil {
		return body
	}
	var items []map[string]json.RawMessage
	if json.Unmarshal(list["items"], &items) != nil {
		return body
	}
	trimmed := false
	for _, item := range items {
		var kind string // a Secret's type; ConfigMaps have none
		var meta struct{ Labels map[string]string }
		if t, ok := item["type"]; ok && json.Unmarshal(t, &kind) != nil {
			continue
		}
		if json.Unmarshal(item["metadata"], &meta) != nil {
			continue
		}
		_, archive := meta.Labels[archiveLabel]
		if kind == recordType || kind == archiveType || archive {
			delete(item, "data")
			delete(item, "binaryData")
			trimmed = true
		}
	}
	if !trimmed {
		return body
	}
	raw, err := json.Marshal(items)
	if err != nil {
		return body
	}
	list["items"] = raw
	out, err := json.Marshal(list)
	if err != nil {
		return body
	}
	return out
}

// secretsResource is what Helm's lookup lists for lookup "v1" "Secret" namespace "".
var secretsResource = corev1.SchemeGroupVersion.WithResource("secrets")

// readLookupsAhead lists the namespace's Secrets as the chart's lookup will, while Helm
// validates the values and parses the templates, so that the render finds the answer in the
// install's memo rather than waiting for it. Only for charts that call lookup (Onyxia's
// library chart lists the namespace's Secrets to find discovery Secrets); Helm's render and
// this read share the install's configuration, hence its identity and memo.
func (c *cluster) readLookupsAhead(ctx context.Context, cfg *action.Configuration, ns string) {
	getter, ok := cfg.RESTClientGetter.(*restGetter)
	if !ok || getter.lookups == nil {
		return
	}
	conf, err := getter.ToRESTConfig()
	if err != nil {
		return
	}
	client, err := dynamic.NewForConfig(conf)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, listTTL)
	defer cancel()
	// An error leaves the render to ask on its own, and to meet the error itself.
	_, _ = client.Resource(secretsResource).Namespace(ns).List(ctx, metav1.ListOptions{})
}

// callsLookup says whether a template of the chart or of its subcharts calls lookup.
func callsLookup(ch *chart.Chart) bool {
	for _, t := range ch.Templates {
		if bytes.Contains(t.Data, []byte("lookup")) {
			return true
		}
	}
	return slices.ContainsFunc(ch.Dependencies(), callsLookup)
}
