package kubernetes

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
)

// slowServer answers every request with the same body once released, counting requests.
type slowServer struct {
	asked   atomic.Int32
	release chan struct{}
}

func (s *slowServer) RoundTrip(req *http.Request) (*http.Response, error) {
	s.asked.Add(1)
	<-s.release
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"items":[]}`)), Request: req}, nil
}

// TestListOnItsWayIsShared: a render's lookup that asks for the Secret list read ahead while
// that read is on its way waits for its answer rather than asking the API server again.
func TestListOnItsWayIsShared(t *testing.T) {
	server := &slowServer{release: make(chan struct{})}
	rt := &memoTransport{next: server, discovery: &readMemo{}, lists: &readMemo{}}
	bodies := make([]string, 3)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://cluster/api/v1/namespaces/alice/secrets", nil)
			req.Header.Set("Accept", "application/json")
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			bodies[i] = string(body)
		})
	}
	for server.asked.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the others reach the memo meanwhile
	close(server.release)
	wg.Wait()
	if n := server.asked.Load(); n != 1 {
		t.Errorf("the API server was asked %d times, want once", n)
	}
	for i, b := range bodies {
		if b != `{"items":[]}` {
			t.Errorf("request %d got %q", i, b)
		}
	}
}

// TestCallsLookup: the list is read ahead for charts whose templates, or their subcharts',
// call lookup, and for no other.
func TestCallsLookup(t *testing.T) {
	plain := func(name, template string) *chart.Chart {
		return &chart.Chart{Metadata: &chart.Metadata{Name: name}, Templates: []*chart.File{{Name: "templates/a.yaml", Data: []byte(template)}}}
	}
	library := plain("library", `{{- range (lookup "v1" "Secret" .Release.Namespace "").items }}{{ end }}`)
	withLibrary := plain("app", "kind: ConfigMap")
	withLibrary.AddDependency(library)
	for _, c := range []struct {
		chart *chart.Chart
		want  bool
	}{
		{plain("app", "kind: ConfigMap"), false},
		{library, true},
		{withLibrary, true},
	} {
		if got := callsLookup(c.chart); got != c.want {
			t.Errorf("callsLookup(%s with %d dependencies) = %v, want %v", c.chart.Name(), len(c.chart.Dependencies()), got, c.want)
		}
	}
}
