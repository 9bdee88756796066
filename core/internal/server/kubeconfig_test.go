package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// A user downloads a kubeconfig of their own for their project on the test environment's
// cluster: YAML as an attachment that kubectl's loader takes, never cached, whose token lists
// the namespace's pods and nothing of another namespace's; the same as JSON with kubectl
// commands; audited, and the token in no log. A bad format is named.
func TestKubeconfigOnTheCluster(t *testing.T) {
	env := testenv.Require(t)
	user := fmt.Sprintf("kc%d", time.Now().UnixNano()%1_000_000)
	personal := "user-" + user
	log, logs := logscan.Capture(t, "core")
	base, _ := startHostLogging(t, log, map[string]config.Plugin{
		"k8s": {Kind: "region", Path: testplugin.Path(t, "basalt-plugin-kubernetes"), Config: map[string]any{"kubeconfig": env.Kubeconfig,
			"clusterAccess": map[string]any{"mode": "serviceAccountToken"}}},
	}, "auth.local.username="+user, "auth.local.roles=[admin]")
	api := base + "/api/v1"
	t.Cleanup(func() { deleteNamespace(t, env, personal) })

	resp, raw := do(t, http.MethodGet, api+"/projects/"+personal+"/kubeconfig", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("kubeconfig: %d %s", resp.StatusCode, raw)
	}
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "application/yaml" ||
		cd != `attachment; filename="kubeconfig-local-`+personal+`.yaml"` {
		t.Errorf("Content-Type %q, Content-Disposition %q: want a YAML attachment", ct, cd)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q: a kubeconfig holds a token, never cached", cc)
	}
	kc, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatalf("kubectl's loader refuses the kubeconfig: %v\n%s", err, raw)
	}
	ctx := kc.Contexts[kc.CurrentContext]
	if ctx == nil || ctx.Namespace != personal || kc.Clusters[ctx.Cluster] == nil || kc.AuthInfos[ctx.AuthInfo] == nil {
		t.Fatalf("the kubeconfig's current context: %+v", ctx)
	}
	cluster, token := kc.Clusters[ctx.Cluster], kc.AuthInfos[ctx.AuthInfo].Token
	if cluster.Server != env.KubeServer || len(cluster.CertificateAuthorityData) == 0 || token == "" {
		t.Errorf("server %q (want %q), CA %d bytes, token set %v", cluster.Server, env.KubeServer, len(cluster.CertificateAuthorityData), token != "")
	}
	kube, err := env.KubeHTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	asToken := func(path string) int {
		req, _ := http.NewRequest(http.MethodGet, env.KubeServer+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := kube.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := asToken("/api/v1/namespaces/" + personal + "/pods"); code != 200 {
		t.Errorf("the token lists its namespace's pods: %d", code)
	}
	if code := asToken("/api/v1/namespaces/kube-system/pods"); code != 403 {
		t.Errorf("the token lists kube-system's pods: %d, want 403", code)
	}

	var view ClusterAccess
	if code := getJSON(t, api+"/projects/"+personal+"/kubeconfig?format=json", &view); code != 200 {
		t.Fatalf("kubeconfig as JSON: %d", code)
	}
	if view.Namespace != personal || view.Credential != "serviceAccount" || view.Expires == nil || time.Until(*view.Expires) > time.Hour ||
		!strings.Contains(view.Kubeconfig, "namespace: "+personal) || len(view.Commands) == 0 ||
		view.Commands[0] != "kubectl --kubeconfig kubeconfig-local-"+personal+".yaml get pods" {
		t.Errorf("kubeconfig as JSON: %+v", view)
	}
	if resp, body := get(t, api+"/projects/"+personal+"/kubeconfig?format=toml"); resp.StatusCode != 400 || !strings.Contains(body, `"format"`) {
		t.Errorf("a bad format: %d %s, want 400 naming format", resp.StatusCode, body)
	}

	var trail AuditTrail
	if code := getJSON(t, api+"/admin/audit?action=projects.kubeconfig", &trail); code != 200 || len(trail.Events) < 2 {
		t.Errorf("the audit trail of kubeconfigs: %d %+v", code, trail)
	}
	second, err := clientcmd.Load([]byte(view.Kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{token, second.AuthInfos[second.CurrentContext].Token} {
		if tok == "" || strings.Contains(logs.String(), tok) {
			t.Errorf("a kubeconfig's token is missing or in the log")
		}
	}
}
