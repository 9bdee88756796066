package onyxiaimport

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/basalttest"
	"github.com/basalt-dev/basalt/deploy/testenv"
)

func TestMain(m *testing.M) {
	os.Exit(basalttest.Run(m))
}

// shared finds a path of the shared folder that lies beside the repository, made absolute
// for the processes the tests start elsewhere.
func shared(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "shared", rel))
	if err == nil {
		_, err = os.Stat(p)
	}
	if err != nil {
		t.Fatalf("the shared folder must lie beside the repository: %v", err)
	}
	return p
}

// TestImportedConfigStarts runs `basalt import onyxia` (the built binary) on the reference's
// Onyxia files and our chart values, then `basalt serve` on the result against the test
// environment's Hydra and Kubernetes, and lists the imported catalogs through the API.
func TestImportedConfigStarts(t *testing.T) {
	env := testenv.Require(t)
	ref := shared(t, "reference/onyxia-config-examples")
	// A Helm repository of Onyxia's interactive charts: the imported catalogs point at it, the
	// test having no internet.
	localCharts := shared(t, "catalogs/interactive")
	dir := basalttest.Build(t, "basalt-plugin-helmrepo", "basalt-plugin-kubernetes")

	work := t.TempDir()
	var catalogs map[string][]map[string]any
	if err := json.Unmarshal(readFile(t, ref+"/catalogs.json"), &catalogs); err != nil {
		t.Fatal(err)
	}
	for _, c := range catalogs["catalogs"] {
		c["location"] = localCharts
	}
	local, _ := json.Marshal(catalogs)
	if err := os.WriteFile(filepath.Join(work, "catalogs.json"), local, 0o600); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(work, "imported", "basalt.yaml")
	var stdout, stderr bytes.Buffer
	imp := exec.Command(filepath.Join(dir, "basalt"), "import", "onyxia", "--regions", ref+"/regions.json",
		"--catalogs", filepath.Join(work, "catalogs.json"), "--values", "testdata/values.yaml", "--out", out)
	imp.Stdout, imp.Stderr = &stdout, &stderr
	if err := imp.Run(); err != nil {
		t.Fatalf("basalt import onyxia: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "no equivalent: regions.json: regions[0].services.namespaceAnnotationsDynamic") ||
		!strings.Contains(stderr.String(), "no equivalent: values.yaml: web.env.FAVICON") {
		t.Errorf("the settings without an equivalent must be listed on stderr:\n%s", stderr.String())
	}

	// Only what the test environment cannot be is changed: its identity provider and cluster.
	addr := basalttest.FreeAddress(t)
	p := basalttest.Serve(t, dir, addr,
		[]string{"BASALT_AUTH__SESSION__KEY=" + strings.Repeat("k", 40), "BASALT_AUTH__OIDC__CLIENT_SECRET=" + env.PortalClientSecret},
		"--config", out,
		"--set", "server.public_url=http://"+addr,
		"--set", "auth.oidc.issuer_url="+env.OIDCIssuer, "--set", "auth.oidc.client_id="+env.PortalClientID,
		"--set", "auth.oidc.audience=",
		"--set", "plugins.kub-kubernetes.config.inCluster=false",
		"--set", "plugins.kub-kubernetes.config.kubeconfig="+env.Kubeconfig,
		"--set", "plugins.catalogs.config.cacheDir="+filepath.Join(work, "cache"))

	tok, err := env.Login(t.Context(), testenv.LoginRequest{User: "alice", ClientID: env.PortalClientID,
		ClientSecret: env.PortalClientSecret, RedirectURL: env.PortalRedirectURLs[0]})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, p.URL+"/api/v1/catalogs", nil)
	req.Header.Set("Authorization", "Bearer "+tok.IDToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Catalogs []struct {
			ID          string   `json:"id"`
			Highlighted []string `json:"highlightedCharts"`
			ChartCount  int      `json:"chartCount"`
			Error       string   `json:"error"`
		} `json:"catalogs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("catalogs: %d %v", resp.StatusCode, err)
	}
	if len(list.Catalogs) != 3 || list.Catalogs[0].ID != "ide" || list.Catalogs[0].ChartCount == 0 ||
		strings.Join(list.Catalogs[0].Highlighted, ",") != "jupyter-python,rstudio,vscode-python" {
		t.Fatalf("imported catalogs as served: %+v", list.Catalogs)
	}
}
