package kubernetes_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	helmtime "helm.sh/helm/v3/pkg/time"
	corev1 "k8s.io/api/core/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// apiRequests are the requests a region made to the API server, its caches' watches apart.
type apiRequests struct {
	mu   sync.Mutex
	seen []string
}

// take returns the requests made since the last take.
func (a *apiRequests) take() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.seen
	a.seen = nil
	return out
}

// countedRegion configures a region that reaches the API server through a proxy counting its
// requests, and onboards a new user's personal project.
func countedRegion(t *testing.T) (*kubernetes.Plugin, k8s.Interface, *apiRequests, sdk.Caller, sdk.Project) {
	t.Helper()
	env := testenv.Require(t)
	conf, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := rest.TransportFor(conf)
	if err != nil {
		t.Fatal(err)
	}
	server, err := url.Parse(conf.Host)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(server)
	proxy.Transport, proxy.FlushInterval = upstream, -1
	requests := &apiRequests{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("watch") == "" {
			requests.mu.Lock()
			requests.seen = append(requests.seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
			requests.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	err = os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: counted, cluster: {server: %q}}]
users: [{name: proxied, user: {}}]
contexts: [{name: counted, context: {cluster: counted, user: proxied}}]
current-context: counted
`, front.URL), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	p, client := newRegion(t, map[string]any{"kubeconfig": kubeconfig})
	alice, personal, _ := teamMember()
	onboard(t, p, client, alice, personal)
	return p, client, requests, alice, personal
}

// recordService writes the Helm record of a deployed service with the given values, as
// Helm's tool would.
func recordService(t *testing.T, client k8s.Interface, project sdk.Project, name string, values map[string]any) *corev1.Secret {
	t.Helper()
	now := helmtime.Now()
	rel := &release.Release{
		Name: name, Namespace: project.ID, Version: 1, Config: values,
		Chart: &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "notes", Version: "0.1.0"}},
		Info:  &release.Info{Status: release.StatusDeployed, FirstDeployed: now, LastDeployed: now},
		Manifest: fmt.Sprintf("---\n# Source: notes/templates/notes.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  note: %q\n",
			name, fmt.Sprint(values)),
	}
	return writeRecord(t, client.CoreV1().Secrets(project.ID), nil, map[string]string{"owner": "helm", "status": "deployed", "version": "1"}, rel)
}

// listedNames waits until the caller lists want services in the project, and returns their
// names.
func listedNames(t *testing.T, p *kubernetes.Plugin, caller sdk.Caller, project sdk.Project, want int) []string {
	t.Helper()
	var names []string
	ok := eventually(func() bool {
		names = names[:0]
		for name := range listed(t, p, caller, project) {
			names = append(names, name)
		}
		return len(names) == want
	})
	if !ok {
		t.Fatalf("listed %v, want %d services", names, want)
	}
	slices.Sort(names)
	return names
}

// pageValues opens a service's page: its release with its values, which it returns.
func pageValues(t *testing.T, p *kubernetes.Plugin, caller sdk.Caller, project sdk.Project, name string) map[string]any {
	t.Helper()
	resp, err := p.GetRelease(t.Context(), sdk.GetReleaseRequest{
		ReleaseRef: sdk.ReleaseRef{Caller: caller, Project: project, Name: name}, IncludeValues: true,
	})
	if err != nil {
		t.Fatalf("GetRelease %s: %v", name, err)
	}
	var values map[string]any
	if err := json.Unmarshal(resp.Values, &values); err != nil {
		t.Fatalf("the values of %s: %v", name, err)
	}
	return values
}

func secretReads(requests []string) (lists, gets int) {
	for _, r := range requests {
		method, path, _ := strings.Cut(r, " ")
		path, _, _ = strings.Cut(path, "?")
		switch {
		case method == http.MethodGet && strings.HasSuffix(path, "/secrets"):
			lists++
		case method == http.MethodGet && strings.Contains(path, "/secrets/"):
			gets++
		}
	}
	return lists, gets
}

// fill waits until the caller lists want services in the project, no warm reading anything
// meanwhile, and returns their names.
func fill(t *testing.T, p *kubernetes.Plugin, caller sdk.Caller, project sdk.Project, want, warmAtMost int) []string {
	t.Helper()
	kubernetes.LimitPageWarms(p, 0)
	names := listedNames(t, p, caller, project, want)
	kubernetes.WaitForPageWarms(p)
	kubernetes.AgePageWarms(p, time.Hour)
	kubernetes.LimitPageWarms(p, warmAtMost)
	return names
}

// TestListingWarmsServicePages: once a project is listed and its warm is over, opening each
// listed service's page (its values and manifest) makes no request to the API server; the
// warm read the records in one list. A record changed behind the plugin's back (new values,
// new resource version) is read again: the page shows the new values; and the next listing,
// within the minute, warms it again.
func TestListingWarmsServicePages(t *testing.T) {
	p, client, requests, alice, personal := countedRegion(t)
	records := map[string]*corev1.Secret{}
	for i := range 3 {
		name := fmt.Sprintf("notes-%d", i)
		records[name] = recordService(t, client, personal, name, map[string]any{"n": float64(i)})
	}
	names := fill(t, p, alice, personal, 3, kubernetes.PageWarmsReadAtMost)

	requests.take()
	listed(t, p, alice, personal)
	kubernetes.WaitForPageWarms(p)
	warm := requests.take()
	if lists, gets := secretReads(warm); lists != 1 || gets != 0 {
		t.Errorf("the warm read Secrets with %d lists and %d GETs, want 1 list: %v", lists, gets, warm)
	}
	for i, name := range names {
		if got := pageValues(t, p, alice, personal, name); got["n"] != float64(i) {
			t.Errorf("the page of %s shows values %v, want n=%d", name, got, i)
		}
	}
	if made := requests.take(); len(made) != 0 {
		t.Errorf("opening the pages of a listed project made %d requests to the API server, want none: %v", len(made), made)
	}

	// Changed behind the plugin's back: read again when its page is opened.
	secrets := client.CoreV1().Secrets(personal.ID)
	rel, err := decodeRelease(records["notes-0"].Data["release"])
	if err != nil {
		t.Fatal(err)
	}
	rel.Config = map[string]any{"n": float64(100)}
	changed := writeRecord(t, secrets, records["notes-0"], nil, rel)
	if !eventually(func() bool { return pageValues(t, p, alice, personal, "notes-0")["n"] == float64(100) }) {
		t.Errorf("the page of notes-0 still shows %v after its record changed", pageValues(t, p, alice, personal, "notes-0"))
	}

	// Changed again: warmed by the next listing, though within the minute.
	rel.Config, rel.Info.Notes = map[string]any{"n": float64(200)}, "changed again"
	writeRecord(t, secrets, changed, nil, rel)
	ref := sdk.ReleaseRef{Caller: alice, Project: personal, Name: "notes-0"}
	waitFor(t, p, ref, "changed again", func(r sdk.Release) bool { return r.Notes == "changed again" })
	requests.take()
	listed(t, p, alice, personal)
	kubernetes.WaitForPageWarms(p)
	if lists, gets := secretReads(requests.take()); lists != 1 || gets != 0 {
		t.Errorf("the listing after notes-0 changed read Secrets with %d lists and %d GETs, want 1 list", lists, gets)
	}
	if got := pageValues(t, p, alice, personal, "notes-0"); got["n"] != float64(200) {
		t.Errorf("the page of notes-0 shows %v, want n=200", got)
	}
	if made := requests.take(); len(made) != 0 {
		t.Errorf("opening the page of notes-0, warmed again, made requests to the API server: %v", made)
	}
}

// TestPageWarmsAreBounded: a warm reads at most its cap of records; a second listing within
// the minute, of the same records, reads nothing; a minute later, the next ones are read.
func TestPageWarmsAreBounded(t *testing.T) {
	p, client, requests, alice, personal := countedRegion(t)
	for i := range 5 {
		recordService(t, client, personal, fmt.Sprintf("notes-%d", i), map[string]any{"n": float64(i)})
	}
	names := fill(t, p, alice, personal, 5, 2)
	if kept := kubernetes.KeptPageDetails(p); kept != 0 {
		t.Fatalf("warms limited to no record kept %d", kept)
	}
	listed(t, p, alice, personal)
	kubernetes.WaitForPageWarms(p)
	if kept := kubernetes.KeptPageDetails(p); kept != 2 {
		t.Fatalf("a warm limited to 2 records kept %d", kept)
	}
	requests.take()
	listed(t, p, alice, personal)
	kubernetes.WaitForPageWarms(p)
	if made := requests.take(); len(made) != 0 || kubernetes.KeptPageDetails(p) != 2 {
		t.Errorf("a second listing within the minute made %d requests (%v) and kept %d records, want none and 2", len(made), made, kubernetes.KeptPageDetails(p))
	}

	kubernetes.AgePageWarms(p, time.Minute)
	listed(t, p, alice, personal)
	kubernetes.WaitForPageWarms(p)
	if kept := kubernetes.KeptPageDetails(p); kept != 4 {
		t.Errorf("a listing a minute later kept %d records, want 4", kept)
	}
	requests.take()
	for i, name := range names {
		if got := pageValues(t, p, alice, personal, name); got["n"] != float64(i) {
			t.Errorf("the page of %s shows values %v, want n=%d", name, got, i)
		}
	}
	if lists, gets := secretReads(requests.take()); lists != 0 || gets != 1 {
		t.Errorf("opening the 5 pages read %d lists and %d records, want the one record never warmed", lists, gets)
	}
}
