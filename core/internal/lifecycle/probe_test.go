package lifecycle

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
)

// TestProbeLeavesNoConnectionOpen: an application is asked whether it is in use minutes apart,
// so its connection closes with its answer instead of idling in a pool: kept, the connections
// to the last hundred services asked held two goroutines each, which bench-scale's leak check
// saw as goroutines that did not settle after the load.
func TestProbeLeavesNoConnectionOpen(t *testing.T) {
	closed := make(chan struct{}, 1)
	jupyter := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/kernels" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[{"execution_state":"busy","connections":1}]`))
	}))
	jupyter.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	jupyter.Start()
	defer jupyter.Close()

	p := newProber(config.Lifecycle{Interval: time.Minute})
	kernels, err := p.jupyterKernels(t.Context(), strings.TrimPrefix(jupyter.URL, "http://"), "")
	if err != nil || len(kernels) != 1 || kernels[0].ExecutionState != "busy" {
		t.Fatalf("kernels = %+v, %v; want the one busy kernel", kernels, err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection to the application is still open 5 s after its answer")
	}
}
