package helm_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestReleaseServiceAccountStaysInManagedNamespaces installs the chart's RBAC on the sandbox
// control plane and acts as the release's ServiceAccount with a token of its own, as a
// compromised Basalt pod would: it may onboard namespaces it marks as Basalt's and bind roles
// there, and nowhere else; it may impersonate users and groups, but never system:masters, and
// an impersonated identity gets nothing outside the namespaces Basalt manages, however
// powerful it is elsewhere.
func TestReleaseServiceAccountStaysInManagedNamespaces(t *testing.T) {
	t.Parallel()
	env := newKubeClient(t, testenv.Require(t))
	id := randomSuffix()
	ns, rel := "basalt-rbac-"+id, "basalt-"+id
	managed, foreign := "basalt-managed-"+id, "basalt-foreign-"+id
	victim := "system:basalt-test-" + id // a system user with cluster-wide rights
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := helmCmdContext(ctx, t, "uninstall", rel, "--namespace", ns, "--timeout", "1m"); err != nil {
			t.Logf("helm uninstall: %v\n%s", err, out)
		}
		for _, path := range []string{
			"/api/v1/namespaces/" + ns, "/api/v1/namespaces/" + managed, "/api/v1/namespaces/" + foreign,
			"/api/v1/namespaces/basalt-unmarked-" + id,
			"/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings/" + rel,
			"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/" + rel + "-victim",
		} {
			env.delete(path)
		}
	})
	install := []string{"install", rel, chartDir, "--namespace", ns, "--create-namespace",
		"--set", "config.plugins.cluster.enabled=true", "--set", "rbac.impersonate=true"}
	if out, err := helmCmd(t, install...); err != nil {
		t.Fatalf("helm install: %v\n%s", err, out)
	}
	var token struct {
		Status struct{ Token string } `json:"status"`
	}
	admin := env.as(env.env.KubeToken)
	admin.must(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/serviceaccounts/"+rel+"/token", `{"spec":{"expirationSeconds":600}}`, &token)
	sa := env.as(token.Status.Token)
	// An admission policy takes effect a moment after it is created: until it refuses a dry
	// run, nothing below would test it.
	sa.eventually(t, http.StatusForbidden, http.MethodPost, "/api/v1/namespaces?dryRun=All", namespace("basalt-unmarked-"+id, false), nil)
	self := `{"kind":"ServiceAccount","name":"` + rel + `","namespace":"` + ns + `"}`

	// Binding: refused in kube-system and in a namespace Basalt did not make.
	admin.must(t, http.MethodPost, "/api/v1/namespaces", namespace(foreign, false), nil)
	for _, where := range []string{"kube-system", foreign} {
		if code, body := sa.do(t, http.MethodPost, rolebindings(where), binding(rel, "admin", self), nil); code != http.StatusForbidden {
			t.Errorf("the release's ServiceAccount binds admin in %s: %d %s; want 403", where, code, brief(body))
		}
	}
	// Namespaces: it makes only namespaces marked as Basalt's, and cannot mark another's.
	if code, body := sa.do(t, http.MethodPost, "/api/v1/namespaces", namespace("basalt-unmarked-"+id, false), nil); code != http.StatusForbidden {
		t.Errorf("the release's ServiceAccount creates a namespace without the managed-by label: %d %s; want 403", code, brief(body))
	}
	var other map[string]any
	admin.must(t, http.MethodGet, "/api/v1/namespaces/"+foreign, "", &other)
	other["metadata"].(map[string]any)["labels"] = map[string]string{"app.kubernetes.io/managed-by": "basalt"}
	adopt, _ := json.Marshal(other)
	if code, body := sa.do(t, http.MethodPut, "/api/v1/namespaces/"+foreign, string(adopt), nil); code != http.StatusForbidden {
		t.Errorf("the release's ServiceAccount labels %s as Basalt's: %d %s; want 403", foreign, code, brief(body))
	}
	// Onboarding works as the plugin does it: the namespace, the plugin's binding, the user's.
	sa.must(t, http.MethodPost, "/api/v1/namespaces", namespace(managed, true), nil)
	sa.must(t, http.MethodPost, rolebindings(managed), binding("basalt-region", "admin", self), nil)
	alice := `{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"oidc:alice"}`
	sa.must(t, http.MethodPost, rolebindings(managed), binding("full_control_namespace", "admin", alice), nil)

	// Impersonation: system:masters never; a system user holding cluster-admin, nothing
	// outside Basalt's namespaces; alice in her namespace, yes.
	admin.must(t, http.MethodPost, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
		`{"metadata":{"name":"`+rel+`-victim"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},`+
			`"subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"`+victim+`"}]}`, nil)
	admin.must(t, http.MethodPost, rolebindings(foreign), binding("full_control_namespace", "admin", alice), nil)
	// The rights to act while impersonating come with admin a moment after the install (the
	// cluster aggregates ClusterRoles): alice first, so that the refusals below are not early.
	aliceSecrets := "/api/v1/namespaces/" + managed + "/secrets"
	if code, body := sa.eventually(t, http.StatusOK, http.MethodGet, aliceSecrets, "", impersonate("oidc:alice", "oidc:team")); code != http.StatusOK {
		t.Errorf("impersonating alice, GET %s: %d %s; want 200", aliceSecrets, code, brief(body))
	}
	refused := []struct {
		what string
		as   http.Header
		path string
	}{
		{"system:masters", impersonate("oidc:mallory", "system:masters"), "/api/v1/namespaces/kube-system/secrets"},
		{"system:masters in a managed namespace", impersonate("oidc:mallory", "system:masters"), aliceSecrets},
		{"a system user bound to cluster-admin", impersonate(victim), "/api/v1/namespaces/kube-system/secrets"},
		{"a system user bound to cluster-admin", impersonate(victim), "/api/v1/nodes"},
		{"alice where Basalt does not manage", impersonate("oidc:alice"), "/api/v1/namespaces/" + foreign + "/secrets"},
	}
	for _, c := range refused {
		if code, body := sa.do(t, http.MethodGet, c.path, "", c.as); code != http.StatusForbidden {
			t.Errorf("impersonating %s, GET %s: %d %s; want 403", c.what, c.path, code, brief(body))
		}
	}
	review := `{"spec":{"resourceAttributes":{"namespace":"` + managed + `","verb":"list","resource":"secrets"}}}`
	var answer struct {
		Status struct{ Allowed bool } `json:"status"`
	}
	if code, body := sa.do(t, http.MethodPost, "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review, impersonate("oidc:alice")); code != http.StatusCreated {
		t.Errorf("impersonating alice, SelfSubjectAccessReview: %d %s", code, body)
	} else if err := json.Unmarshal([]byte(body), &answer); err != nil || !answer.Status.Allowed {
		t.Errorf("impersonated alice may not list Secrets in her namespace: %s", body)
	}
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func namespace(name string, managed bool) string {
	labels := `{}`
	if managed {
		labels = `{"app.kubernetes.io/managed-by":"basalt"}`
	}
	return `{"metadata":{"name":"` + name + `","labels":` + labels + `}}`
}

func rolebindings(ns string) string {
	return "/apis/rbac.authorization.k8s.io/v1/namespaces/" + ns + "/rolebindings"
}

func binding(name, clusterRole, subject string) string {
	return `{"metadata":{"name":"` + name + `"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"` +
		clusterRole + `"},"subjects":[` + subject + `]}`
}

// impersonate is the headers that act as user and groups.
func impersonate(user string, groups ...string) http.Header {
	h := http.Header{"Impersonate-User": {user}}
	for _, g := range groups {
		h.Add("Impersonate-Group", g)
	}
	return h
}

// identity calls the sandbox's API with one bearer token.
type identity struct {
	k     *kubeClient
	token string
}

func (k *kubeClient) as(token string) identity { return identity{k, token} }

// do sends a request with a JSON body (none when empty) and returns the status and body.
func (id identity) do(t *testing.T, method, path, body string, header http.Header) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, id.k.env.KubeServer+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Authorization", "Bearer "+id.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := id.k.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = io.Copy(&out, resp.Body)
	return resp.StatusCode, out.String()
}

// brief cuts an answer to what a failure message needs.
func brief(answer string) string {
	if len(answer) > 300 {
		return answer[:300] + "..."
	}
	return answer
}

// must is do for steps that have to succeed; out, when not nil, receives the answer.
func (id identity) must(t *testing.T, method, path, body string, out any) {
	t.Helper()
	code, answer := id.do(t, method, path, body, nil)
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, code, brief(answer))
	}
	if out != nil {
		if err := json.Unmarshal([]byte(answer), out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// eventually repeats a request, for up to a minute, until it answers want, for rights that
// the cluster's controllers put in place after the install.
func (id identity) eventually(t *testing.T, want int, method, path, body string, header http.Header) (int, string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, answer := id.do(t, method, path, body, header)
		if code == want || time.Now().After(deadline) {
			return code, answer
		}
		time.Sleep(250 * time.Millisecond)
	}
}
