package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestTemplateLookupRefusedAtPlan is the cross-tenant lookup of issue 16 on the sandbox
// cluster: Onyxia's jupyter-python (whose library chart renders extraEnvVars[].value with
// Helm's tpl) through the helmrepo catalog and the kubernetes region. A value calling lookup
// on another user's namespace is refused at its field, whether it comes in the request's
// values, in a launch link or in a launch, and nothing reaches the cluster.
func TestTemplateLookupRefusedAtPlan(t *testing.T) {
	env := testenv.Require(t)
	repo, err := filepath.Abs(sharedCatalog)
	if err != nil {
		t.Fatal(err)
	}
	build := func(name string) string {
		return testplugin.Path(t, "basalt-plugin-"+name)
	}
	user := fmt.Sprintf("tpl%d", time.Now().UnixNano()%1_000_000)
	base := startWithPlugins(t, map[string]config.Plugin{
		"charts": {Kind: "catalog", Path: build("helmrepo"), Config: map[string]any{"cacheDir": t.TempDir(),
			"refreshInterval": "0s", "catalogs": []any{map[string]any{"id": "ide", "location": repo}}}},
		"k8s": {Kind: "region", Path: build("kubernetes"), Config: map[string]any{"kubeconfig": env.Kubeconfig}},
	}, "auth.local.username="+user)
	ns := "user-" + user
	p := base + "/api/v1/projects/" + ns
	t.Cleanup(func() { // a launch this test failed to refuse must not stay on the shared cluster
		var left struct{ Services []ServiceView }
		getJSON(t, p+"/services", &left)
		for _, s := range left.Services {
			do(t, http.MethodDelete, p+"/services/"+s.ID, nil)
		}
		deleteNamespace(t, env, ns)
	})
	lookup := `{{ (lookup "v1" "Secret" "user-bob" "").items | toJson }}`
	values, _ := json.Marshal(map[string]any{"extraEnvVars": []any{map[string]any{"name": "LEAK", "value": lookup}}})
	link := "extraEnvVars[0].name=%C2%ABLEAK%C2%BB&extraEnvVars[0].value=%C2%AB" + url.PathEscape(lookup) + "%C2%BB"
	linkJSON, _ := json.Marshal(link)
	chart := `"catalog":"ide","chart":"jupyter-python","version":"2.5.2"`

	for _, c := range []struct{ name, path, body string }{
		{"plan with values", "/launch/plan", `{` + chart + `,"values":` + string(values) + `}`},
		{"plan with a link", "/launch/plan", `{` + chart + `,"link":` + string(linkJSON) + `}`},
		{"launch with values", "/services", `{` + chart + `,"values":` + string(values) + `}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := postJSON(t, p+c.path, c.body)
			var e httpapi.ErrorBody
			_ = json.Unmarshal(body, &e)
			details, _ := json.Marshal(e.Error.Details)
			if code != http.StatusBadRequest || !strings.Contains(string(details), `"field":"extraEnvVars[0].value"`) ||
				!strings.Contains(string(details), "template delimiters") {
				t.Fatalf("%d %s, want 400 naming extraEnvVars[0].value and the template delimiters", code, body)
			}
		})
	}

	// Without the lookup, the same request plans: the refusal is the value's, not the chart's.
	plain, _ := json.Marshal(map[string]any{"extraEnvVars": []any{map[string]any{"name": "PLAIN", "value": "a value"}}})
	if code, body := postJSON(t, p+"/launch/plan", `{`+chart+`,"values":`+string(plain)+`}`); code != http.StatusOK {
		t.Fatalf("a plain value: %d %s", code, body)
	}
	var services struct{ Services []ServiceView }
	if code := getJSON(t, p+"/services", &services); code != http.StatusOK || len(services.Services) != 0 {
		t.Fatalf("services of %s after the refused launch: %d %+v, want none", ns, code, services.Services)
	}
}

// deleteNamespace removes a namespace the test's unique user made on the shared cluster.
func deleteNamespace(t *testing.T, env *testenv.Env, ns string) {
	kube, err := env.KubeHTTPClient()
	if err != nil {
		t.Error(err)
		return
	}
	req, _ := http.NewRequest(http.MethodDelete, env.KubeServer+"/api/v1/namespaces/"+ns, nil)
	req.Header.Set("Authorization", "Bearer "+env.KubeToken)
	if resp, err := kube.Do(req); err == nil {
		resp.Body.Close()
	}
}
