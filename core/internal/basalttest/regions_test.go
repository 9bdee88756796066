package basalttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/deploy/testenv/sandbox"
)

// twoRegions is a configuration with regions a and b, each its own cluster through its own
// Kubernetes plugin instance with its own settings: the namespaces it makes are labelled with
// the region, and only b sets a quota. The default catalog is the packaged config/catalog.
const twoRegions = `
plugins:
  files: {enabled: false}
  secrets: {enabled: false}
  catalogs:
    config:
      catalogs:
        - {id: ide, name: {en: Services}, location: %[1]q}
  cluster-a:
    kind: region
    path: basalt-plugin-kubernetes
    config:
      kubeconfig: %[2]q
      namespaces: {namespaceLabels: {basalt.dev/test-region: a}}
  cluster-b:
    kind: region
    path: basalt-plugin-kubernetes
    config:
      kubeconfig: %[3]q
      namespaces: {namespaceLabels: {basalt.dev/test-region: b}}
      quotas: {user: {count/pods: "7"}}
regions:
  - {id: a, name: Region A, region: cluster-a}
  - {id: b, name: Region B, description: The second cluster., region: cluster-b}
`

// noVolume launches without a volume claim: what the test checks is where services run, and an
// environment set up before the test environment had a default StorageClass binds no claim.
const noVolume = `"values":{"persistence":{"enabled":false}}`

// TestTwoRegionsTwoClusters runs one basalt with two regions, the test environment's cluster
// and a private one. The same user launches jupyter in each: each service runs on its own
// cluster only, each region lists only its own, and deleting one leaves the other.
func TestTwoRegionsTwoClusters(t *testing.T) {
	shared := testenv.Require(t)
	second := sandbox.Kube(t)
	dir, work, catalog := withDefaultCatalog(t)
	cfg := filepath.Join(work, "basalt.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, twoRegions, catalog, shared.Kubeconfig, second.Kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("regions%d", time.Now().UnixNano()%1_000_000)
	p := Serve(t, dir, FreeAddress(t), nil, "--config", cfg, "--set", "auth.local.username="+user)

	var config struct {
		Regions []struct {
			ID       string
			Services bool
		}
	}
	getJSON(t, p.URL+"/api/v1/config", &config)
	if len(config.Regions) != 2 || config.Regions[0].ID != "a" || config.Regions[1].ID != "b" ||
		!config.Regions[0].Services || !config.Regions[1].Services {
		t.Fatalf("/api/v1/config regions: %+v", config.Regions)
	}

	ns := "user-" + user
	services := p.URL + "/api/v1/projects/" + ns + "/services"
	clusters := map[string]*testenv.Env{"a": shared, "b": second}
	ids := map[string]string{}
	for _, region := range []string{"a", "b"} {
		var launched struct{ Service struct{ ID string } }
		resp, err := http.Post(services+"?region="+region, "application/json",
			strings.NewReader(`{"catalog":"ide","chart":"jupyter","name":"in `+region+`",`+noVolume+`}`))
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&launched)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted || err != nil || launched.Service.ID == "" {
			t.Fatalf("launch in %s: %s %v", region, resp.Status, err)
		}
		ids[region] = launched.Service.ID
		t.Cleanup(func() { deleteQuietly(services + "/" + launched.Service.ID + "?region=" + region) })
	}
	if ids["a"] == ids["b"] {
		t.Fatalf("both launches are %s", ids["a"])
	}
	for region, id := range ids {
		waitReady(t, services+"/"+id+"?region="+region)
	}

	for region, cluster := range clusters {
		other := map[string]string{"a": "b", "b": "a"}[region]
		pods := podsOn(t, cluster, ns)
		if !hasPrefixed(pods, ids[region]+"-") || hasPrefixed(pods, ids[other]+"-") {
			t.Errorf("pods of %s on region %s's cluster: %v; want %s's only", ns, region, pods, ids[region])
		}
		var namespace struct {
			Metadata struct{ Labels map[string]string }
		}
		kubeGet(t, cluster, "/api/v1/namespaces/"+ns, &namespace)
		if got := namespace.Metadata.Labels["basalt.dev/test-region"]; got != region {
			t.Errorf("namespace %s on region %s's cluster labelled %q: not its own plugin's settings", ns, region, got)
		}
		var quotas struct {
			Items []struct {
				Spec struct{ Hard map[string]string }
			}
		}
		kubeGet(t, cluster, "/api/v1/namespaces/"+ns+"/resourcequotas", &quotas)
		podQuota := slices.ContainsFunc(quotas.Items, func(q struct {
			Spec struct{ Hard map[string]string }
		}) bool {
			return q.Spec.Hard["count/pods"] == "7"
		})
		if podQuota != (region == "b") {
			t.Errorf("region %s's cluster has the count/pods quota: %v; only b sets it", region, podQuota)
		}
	}

	for region, id := range ids {
		if got := listed(t, services+"?region="+region); !slices.Equal(got, []string{id}) {
			t.Errorf("region %s lists %v, want [%s]", region, got, id)
		}
	}
	send(t, http.DefaultClient, http.MethodDelete, services+"/"+ids["a"]+"?region=a", "", http.StatusOK)
	if got := listed(t, services+"?region=a"); len(got) != 0 {
		t.Errorf("region a after deleting its service: %v", got)
	}
	if got := listed(t, services+"?region=b"); !slices.Equal(got, []string{ids["b"]}) {
		t.Errorf("region b after deleting a's service: %v, want [%s]", got, ids["b"])
	}
	send(t, http.DefaultClient, http.MethodGet, services+"/"+ids["b"]+"?region=b", "", http.StatusOK)
	send(t, http.DefaultClient, http.MethodGet, services+"/"+ids["b"]+"?region=a", "", http.StatusNotFound)
	send(t, http.DefaultClient, http.MethodGet, services+"?region=c", "", http.StatusNotFound)
}

// withDefaultCatalog builds basalt with the helmrepo and kubernetes plugins and packages the
// default catalog: the binaries' directory, a temporary one for the test, and the catalog.
func withDefaultCatalog(t *testing.T) (dir, work, catalog string) {
	t.Helper()
	dir = Build(t, "basalt-plugin-helmrepo", "basalt-catalog", "basalt-plugin-kubernetes")
	work = t.TempDir()
	return dir, work, packageDefaultCatalog(t, dir, filepath.Join(work, "catalog"))
}

// packageDefaultCatalog packages config/catalog into out with basalt-catalog from dir, as
// make build does into bin/catalog.
func packageDefaultCatalog(t *testing.T, dir, out string) string {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := testenv.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "basalt-catalog"), "package", filepath.Join(root, "config", "catalog"), out)
	if data, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("basalt-catalog package: %v\n%s", err, data)
	}
	return out
}

func getJSON(t *testing.T, u string, out any) {
	t.Helper()
	if err := json.Unmarshal([]byte(send(t, http.DefaultClient, http.MethodGet, u, "", http.StatusOK)), out); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}

func waitReady(t *testing.T, u string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		body := send(t, http.DefaultClient, http.MethodGet, u, "", http.StatusOK)
		var detail struct{ Service struct{ Ready bool } }
		if err := json.Unmarshal([]byte(body), &detail); err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		if detail.Service.Ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 3 minutes: %s", u, body)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func listed(t *testing.T, u string) []string {
	t.Helper()
	var list struct{ Services []struct{ ID string } }
	getJSON(t, u, &list)
	var ids []string
	for _, s := range list.Services {
		ids = append(ids, s.ID)
	}
	return ids
}

// deleteQuietly removes a service the test may have deleted already, so that a failed run
// leaves nothing on the shared cluster.
func deleteQuietly(u string) {
	req, _ := http.NewRequest(http.MethodDelete, u, nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// podsOn lists the pods of namespace running on a kwok node of the cluster.
func podsOn(t *testing.T, cluster *testenv.Env, namespace string) []string {
	t.Helper()
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Spec     struct{ NodeName string }
			Status   struct{ Phase string }
		}
	}
	kubeGet(t, cluster, "/api/v1/namespaces/"+namespace+"/pods", &list)
	var names []string
	for _, p := range list.Items {
		if p.Status.Phase == "Running" && strings.HasPrefix(p.Spec.NodeName, "kwok-") {
			names = append(names, p.Metadata.Name)
		}
	}
	return names
}

// kubeGet reads path from the cluster's API server as its administrator.
func kubeGet(t *testing.T, cluster *testenv.Env, path string, out any) {
	t.Helper()
	client, err := cluster.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, cluster.KubeServer+path, nil)
	req.Header.Set("Authorization", "Bearer "+cluster.KubeToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s: %s", cluster.KubeServer, path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func hasPrefixed(names []string, prefix string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, prefix) })
}
