package basalttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// onyxiaCatalog serves Onyxia's charts of ../shared on the test environment's cluster.
const onyxiaCatalog = `
plugins:
  files: {enabled: false}
  secrets: {enabled: false}
  catalogs:
    config:
      catalogs:
        - {id: onyxia, name: {en: Onyxia}, location: %[1]q, multipleServicesMode: all}
  cluster:
    enabled: true
    config:
      kubeconfig: %[2]q
`

// TestUpgradeAndRollBackOnyxiasJupyter launches Onyxia's jupyter-python 2.1.11 on the test
// environment's cluster with a value of the user's, plans its upgrade to 2.5.2 (the user's
// value carried, the image and the manifests changed, nothing applied), upgrades it, and
// rolls it back to its first revision, all through the real core and plugins.
func TestUpgradeAndRollBackOnyxiasJupyter(t *testing.T) {
	shared := testenv.Require(t)
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	charts := filepath.Join(root, "..", "shared", "catalogs", "interactive")
	if _, err := os.Stat(filepath.Join(charts, "index.yaml")); err != nil {
		t.Fatalf("Onyxia's charts are read from ../shared beside the repository: %v", err)
	}
	dir := Build(t, "basalt-plugin-helmrepo", "basalt-plugin-kubernetes")
	cfg := filepath.Join(t.TempDir(), "basalt.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, onyxiaCatalog, charts, shared.Kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("up%d", time.Now().UnixNano()%1_000_000)
	p := Serve(t, dir, FreeAddress(t), nil, "--config", cfg, "--set", "auth.local.username="+user)
	services := p.URL + "/api/v1/projects/user-" + user + "/services"

	var launched struct{ Service struct{ ID string } }
	body := send(t, http.DefaultClient, http.MethodPost, services,
		`{"catalog":"onyxia","chart":"jupyter-python","version":"2.1.11","values":{"persistence":{"enabled":false},"resources":{"requests":{"cpu":"1500m"}}}}`,
		http.StatusAccepted)
	if err := json.Unmarshal([]byte(body), &launched); err != nil || launched.Service.ID == "" {
		t.Fatalf("launch: %s", body)
	}
	svc := services + "/" + launched.Service.ID
	t.Cleanup(func() { deleteQuietly(svc) })
	waitVersion(t, svc, "2.1.11")

	var plan struct {
		FromVersion, ToVersion string
		Diff                   struct {
			Values []struct {
				Path          string
				Before, After any
			}
			Manifest string
		}
	}
	body = send(t, http.DefaultClient, http.MethodPost, svc+"/change/plan", `{"version":"2.5.2"}`, http.StatusOK)
	if err := json.Unmarshal([]byte(body), &plan); err != nil {
		t.Fatal(err)
	}
	changed := map[string]any{}
	for _, v := range plan.Diff.Values {
		changed[v.Path] = v.After
	}
	if plan.FromVersion != "2.1.11" || plan.ToVersion != "2.5.2" || changed["service.image.version"] != "inseefrlab/onyxia-jupyter-python:py3.13.13" {
		t.Errorf("the upgrade's plan: from %s to %s, values changed %v", plan.FromVersion, plan.ToVersion, changed)
	}
	if _, ok := changed["resources.requests.cpu"]; ok {
		t.Errorf("the user's cpu request must be carried over, not changed")
	}
	if _, ok := changed["security.password"]; ok {
		t.Errorf("the service's password must stay")
	}
	if !strings.Contains(plan.Diff.Manifest, "py3.13.13") || !strings.Contains(plan.Diff.Manifest, "py3.12.6") {
		t.Errorf("the manifests' diff must show the image moving on: %.500s", plan.Diff.Manifest)
	}
	waitVersion(t, svc, "2.1.11") // the dry run changed nothing

	send(t, http.DefaultClient, http.MethodPost, svc+"/change", `{"version":"2.5.2"}`, http.StatusAccepted)
	waitVersion(t, svc, "2.5.2")

	var history struct {
		Revisions []struct {
			Revision     int
			ChartVersion string
		}
	}
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, http.MethodGet, svc+"/history", "", http.StatusOK)), &history); err != nil {
		t.Fatal(err)
	}
	if len(history.Revisions) != 2 || history.Revisions[0].ChartVersion != "2.5.2" || history.Revisions[1].ChartVersion != "2.1.11" {
		t.Fatalf("history: %+v", history.Revisions)
	}
	send(t, http.DefaultClient, http.MethodPost, svc+"/rollback", `{"revision":1}`, http.StatusAccepted)
	waitVersion(t, svc, "2.1.11")
	var details struct{ Values map[string]any }
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, http.MethodGet, svc, "", http.StatusOK)), &details); err != nil {
		t.Fatal(err)
	}
	resources, _ := details.Values["resources"].(map[string]any)
	requests, _ := resources["requests"].(map[string]any)
	if requests["cpu"] != "1500m" {
		t.Errorf("after the rollback, the user's cpu request: %v", requests["cpu"])
	}
}

// waitVersion waits until the service runs that chart version, deployed.
func waitVersion(t *testing.T, svc, version string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var details struct {
			Service struct{ Version, Status string }
		}
		_ = json.Unmarshal([]byte(send(t, http.DefaultClient, http.MethodGet, svc, "", http.StatusOK)), &details)
		if details.Service.Version == version && details.Service.Status == "deployed" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service runs %s (%s), want %s deployed", details.Service.Version, details.Service.Status, version)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
