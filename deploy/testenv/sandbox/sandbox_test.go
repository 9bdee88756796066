package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestKubeIsItsOwnCluster starts a private cluster and checks that it answers with its own
// nodes, and that a namespace made in it does not exist in the shared environment's cluster.
func TestKubeIsItsOwnCluster(t *testing.T) {
	shared := testenv.Require(t)
	own := Kube(t)
	if own.KubeServer == shared.KubeServer {
		t.Fatalf("the sandbox reuses the shared API server %s", own.KubeServer)
	}
	var nodes struct {
		Items []struct{ Metadata struct{ Name string } }
	}
	if code := kube(t, own, http.MethodGet, "/api/v1/nodes", "", &nodes); code != http.StatusOK || len(nodes.Items) == 0 {
		t.Fatalf("nodes of the sandbox: %d %+v", code, nodes)
	}
	const ns = `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"sandbox-only"}}`
	if code := kube(t, own, http.MethodPost, "/api/v1/namespaces", ns, nil); code != http.StatusCreated {
		t.Fatalf("creating a namespace in the sandbox: %d", code)
	}
	if code := kube(t, shared, http.MethodGet, "/api/v1/namespaces/sandbox-only", "", nil); code != http.StatusNotFound {
		t.Fatalf("the sandbox's namespace in the shared cluster: %d, want 404", code)
	}
}

func kube(t *testing.T, env *testenv.Env, method, path, body string, out any) int {
	t.Helper()
	client, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, env.KubeServer+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+env.KubeToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}
