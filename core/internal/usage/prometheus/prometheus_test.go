package prometheus

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/usage"
	"github.com/basalt-dev/basalt/deploy/testenv"
)

// today is a window of the day so far, as a report of today asks for.
func today() []usage.Window {
	now := time.Now().UTC()
	return []usage.Window{{Start: now.Truncate(24 * time.Hour), End: now.Truncate(time.Second)}}
}

func TestQueriesSelectTheProjectsContainers(t *testing.T) {
	s, err := New(config.Prometheus{URL: "http://127.0.0.1:9090", Step: 30 * time.Second, Selector: ` job="kubelet", `})
	if err != nil {
		t.Fatal(err)
	}
	qs := s.queries([]string{"user-alice", "project-a.b"})
	want := []string{
		`sum by (namespace, pod) (increase(container_cpu_usage_seconds_total{namespace=~"user-alice|project-a\\.b",pod!="",container!="",container!="POD",job="kubelet"}[1d]))`,
		`count_over_time((count by (namespace, pod) (container_memory_working_set_bytes{namespace=~"user-alice|project-a\\.b",pod!="",container!="",container!="POD",job="kubelet"}))[1d:30s])`,
		`sum_over_time((sum by (namespace, pod) (container_memory_working_set_bytes{namespace=~"user-alice|project-a\\.b",pod!="",container!="",container!="POD",job="kubelet"}))[1d:30s])`,
	}
	for i, q := range qs {
		if got := q.expr("1d"); got != want[i] {
			t.Errorf("query %d:\n%s\nwant\n%s", i, got, want[i])
		}
	}
	// A value becomes hours: core-seconds, steps present, byte-steps.
	if h := qs[0].hours(7200); h != (usage.Hours{CPU: 2}) {
		t.Errorf("7200 core-seconds: %+v", h)
	}
	if h := qs[1].hours(240); h != (usage.Hours{Running: 2}) {
		t.Errorf("240 steps of 30 s: %+v", h)
	}
	if h := qs[2].hours(240 * (1 << 30)); h != (usage.Hours{MemoryGiB: 2}) {
		t.Errorf("240 steps of 30 s of 1 GiB: %+v", h)
	}
}

// The answer is cut past its limit, not before.
func TestBoundedBody(t *testing.T) {
	for size, fails := range map[int]bool{99: false, 100: false, 101: true, 5000: true} {
		b := &boundedBody{body: io.NopCloser(strings.NewReader(strings.Repeat("x", size))), left: 100}
		data, err := io.ReadAll(b)
		if fails != errors.Is(err, errAnswerTooLarge) || (!fails && len(data) != size) || len(data) > 100 {
			t.Errorf("%d bytes: read %d, %v", size, len(data), err)
		}
	}
}

// The token is read from its file at each request: a rotated one is sent from then on.
func TestBearerTokenFromItsFile(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Header.Get("Authorization"))
		_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	}))
	defer srv.Close()
	token := filepath.Join(t.TempDir(), "token")
	s := func() *Source {
		s, err := New(config.Prometheus{URL: srv.URL, BearerTokenFile: token})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}()
	for _, tok := range []string{"first\n", "second"} {
		if err := os.WriteFile(token, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := s.PodHours(t.Context(), []string{"user-alice"}, today()); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 6 || seen[0] != "Bearer first" || seen[5] != "Bearer second" {
		t.Errorf("Authorization headers %q, want three queries with each token", seen)
	}
}

// A Prometheus that accepts and never answers costs the timeout, not a hang; one that is not
// there is said so.
func TestSilentOrMissing(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	missing, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	missingURL := "http://" + missing.Addr().String()
	missing.Close()
	for url, want := range map[string]string{
		"http://" + silent.Addr().String(): "did not answer within 500ms (the region's prometheus.timeout)",
		missingURL:                         "the Prometheus at " + missingURL + " could not be reached",
	} {
		s, err := New(config.Prometheus{URL: url, Timeout: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		_, err = s.PodHours(context.Background(), []string{"user-alice"}, today())
		if err == nil || !strings.Contains(err.Error(), want) || time.Since(began) > 3*time.Second {
			t.Errorf("%s: %v after %s, want %q within the timeout", url, err, time.Since(began), want)
		}
	}
}

// The environment's Prometheus refuses a query it cannot parse, and an answer over the limit
// is refused by Basalt.
func TestRefusedAndTooLarge(t *testing.T) {
	env := testenv.Require(t)
	if env.PrometheusURL == "" {
		t.Fatal("the test environment runs no Prometheus: run `make testenv-up` again")
	}
	bad, err := New(config.Prometheus{URL: env.PrometheusURL, Selector: `job=~"("`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.PodHours(t.Context(), []string{"user-alice"}, today()); err == nil ||
		!strings.Contains(err.Error(), "the Prometheus at "+env.PrometheusURL+" refused a query: bad_data") {
		t.Errorf("an invalid regular expression: %v", err)
	}
	saved := MaxAnswerBytes
	t.Cleanup(func() { MaxAnswerBytes = saved })
	MaxAnswerBytes = 10
	small, err := New(config.Prometheus{URL: env.PrometheusURL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := small.PodHours(t.Context(), []string{"user-alice"}, today()); err == nil ||
		!strings.Contains(err.Error(), "answered more than 10 bytes: ask for a shorter period") {
		t.Errorf("an answer over 10 bytes: %v", err)
	}
}
