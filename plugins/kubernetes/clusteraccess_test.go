package kubernetes_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// kubectl is kubectl built from its Go module (tools/cmd/kubectl) into the test's folder,
// removed when the test ends.
func kubectl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kubectl")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/basalt-dev/basalt/tools/cmd/kubectl").CombinedOutput()
	if err != nil {
		t.Fatalf("building kubectl: %v\n%s", err, out)
	}
	return bin
}

// kubeconfigFile writes what a region gave as a kubeconfig, as the core does, and returns
// its path.
func kubeconfigFile(t *testing.T, access sdk.ClusterAccessResponse) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["c"] = &clientcmdapi.Cluster{Server: access.Server, CertificateAuthorityData: access.CA}
	kc.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: access.Token}
	kc.Contexts["x"] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: access.Namespace}
	kc.CurrentContext = "x"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs kubectl with a kubeconfig and nothing else of the environment's, and returns its
// output and whether it succeeded.
func run(t *testing.T, bin, kubeconfig string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err == nil
}

// A kubeconfig of a ServiceAccount token works with kubectl in its project's namespace and
// nowhere else, with no more than the project's role (a project whose RoleBinding an
// administrator lowered to view gives a token that cannot create pods); its token lasts the
// configured time; a person added to a group's project gets one, which stops working the
// moment they are removed; strangers get none.
func TestClusterAccessWithKubectl(t *testing.T) {
	p, client := newRegion(t, map[string]any{"clusterAccess": map[string]any{"mode": kubernetes.AccessServiceAccountToken, "tokenTTL": "10m"}})
	bin := kubectl(t)
	ctx := t.Context()
	group := unique("kube-")
	alice := sdk.Caller{Username: unique("alice-"), Groups: []string{group}}
	bob := sdk.Caller{Username: unique("bob-")}
	dave := sdk.Caller{Username: unique("dave-")}
	personal := sdk.Project{ID: "user-" + alice.Username}
	team := sdk.Project{ID: "project-" + group, Group: group}
	others := sdk.Project{ID: "user-" + bob.Username}
	for _, on := range []struct {
		caller  sdk.Caller
		project sdk.Project
	}{{alice, personal}, {alice, team}, {bob, others}} {
		dropNamespace(t, client, on.project.ID)
		if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: on.caller, Project: on.project}); err != nil {
			t.Fatal(err)
		}
	}

	access, err := p.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: alice, Project: personal})
	if err != nil {
		t.Fatal(err)
	}
	if access.Namespace != personal.ID || access.Credential != sdk.CredentialServiceAccount || len(access.CA) == 0 ||
		access.User != "system:serviceaccount:"+personal.ID+":basalt-user-"+alice.Username {
		t.Errorf("ClusterAccess: namespace %s, credential %s, user %s, CA %d bytes", access.Namespace, access.Credential, access.User, len(access.CA))
	}
	if life := time.Until(access.Expires); life < 9*time.Minute || life > 10*time.Minute {
		t.Errorf("the token expires in %v, want the configured 10 minutes", life)
	}
	if iat, exp := jwtTimes(t, access.Token); exp-iat != 600 {
		t.Errorf("the token's own lifetime is %d s, want 600", exp-iat)
	}
	own := kubeconfigFile(t, access)
	if out, ok := run(t, bin, own, "get", "pods"); !ok {
		t.Errorf("kubectl get pods in the project's namespace: %s", out)
	}
	if out, ok := run(t, bin, own, "auth", "can-i", "create", "deployments"); !ok || strings.TrimSpace(out) != "yes" {
		t.Errorf("kubectl auth can-i create deployments in the project's namespace: %q, want yes (the project's admin role)", out)
	}
	for _, args := range [][]string{
		{"get", "pods", "--namespace", others.ID},
		{"get", "pods", "--namespace", "kube-system"},
		{"get", "namespaces"},
		{"get", "pods", "--namespace", team.ID}, // alice's, but another project: another kubeconfig
	} {
		out, ok := run(t, bin, own, args...)
		if ok || !strings.Contains(out, "forbidden") {
			t.Errorf("kubectl %v with the personal project's kubeconfig: %q, want forbidden", args, out)
		}
	}

	// Never more than the user has: the project's role lowered by hand to view.
	binding, err := client.RbacV1().RoleBindings(personal.ID).Get(ctx, "full_control_namespace", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.RbacV1().RoleBindings(personal.ID).Delete(ctx, binding.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = client.RbacV1().RoleBindings(personal.ID).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: binding.Name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   binding.Subjects,
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	viewer, err := p.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: alice, Project: personal})
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := run(t, bin, kubeconfigFile(t, viewer), "auth", "can-i", "create", "deployments"); strings.TrimSpace(out) != "no" {
		t.Errorf("kubectl auth can-i create deployments once the project's role is view: %q, want no", out)
	}

	// A stranger gets nothing; a person added to the group's project gets a kubeconfig that
	// works until they are removed.
	if _, err := p.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: dave, Project: team}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("ClusterAccess of a stranger: %v, want permission denied", err)
	}
	if _, err := p.SetMembers(ctx, sdk.SetMembersRequest{Caller: alice, Project: team, Add: []string{dave.Username}}); err != nil {
		t.Fatal(err)
	}
	added, err := p.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: dave, Project: team})
	if err != nil {
		t.Fatalf("ClusterAccess of an added member: %v", err)
	}
	daves := kubeconfigFile(t, added)
	if out, ok := run(t, bin, daves, "get", "pods"); !ok {
		t.Errorf("kubectl get pods as an added member: %s", out)
	}
	if _, err := p.SetMembers(ctx, sdk.SetMembersRequest{Caller: alice, Project: team, Remove: []string{dave.Username}}); err != nil {
		t.Fatal(err)
	}
	if out, ok := run(t, bin, daves, "get", "pods"); ok || !strings.Contains(out, "forbidden") && !strings.Contains(out, "must be logged in") {
		t.Errorf("kubectl get pods once removed: %q, want refused", out)
	}
	// Its ServiceAccount is gone, and with it the token itself, once the API server's cache of
	// authenticated tokens (10 s) forgets it.
	removed := time.Now()
	for deadline := removed.Add(30 * time.Second); ; time.Sleep(time.Second) {
		out, ok := run(t, bin, daves, "get", "pods")
		if !ok && strings.Contains(out, "must be logged in") {
			t.Logf("the token refused %v after removal", time.Since(removed).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("kubectl get pods 30 s after removal: %q, want the token refused as no credential", out)
			break
		}
	}
	if _, err := p.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: dave, Project: team}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("ClusterAccess once removed: %v, want permission denied", err)
	}
}

// jwtTimes reads a JWT's iat and exp claims.
func jwtTimes(t *testing.T, jwt string) (iat, exp int64) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("the token is no JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Iat, Exp int64 }
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	return claims.Iat, claims.Exp
}

// The region gives the ID token as it is where the API server trusts the identity provider,
// with the server and CA of the configuration, and nothing with the mode off.
func TestClusterAccessModes(t *testing.T) {
	ca, err := os.ReadFile(testenv.Require(t).KubeCAFile)
	if err != nil {
		t.Fatal(err)
	}
	p, client := newRegion(t, map[string]any{"clusterAccess": map[string]any{"mode": kubernetes.AccessIDToken,
		"server": "https://kube.example.org:6443", "certificateAuthority": string(ca)}})
	alice := sdk.Caller{Username: unique("alice-"), IDToken: "e30." + base64.RawURLEncoding.EncodeToString([]byte(`{"exp":4102444800}`)) + ".sig"}
	project := sdk.Project{ID: "user-" + alice.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(t.Context(), sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
		t.Fatal(err)
	}
	access, err := p.ClusterAccess(t.Context(), sdk.ClusterAccessRequest{Caller: alice, Project: project})
	if err != nil {
		t.Fatal(err)
	}
	if access.Token != alice.IDToken || access.Credential != sdk.CredentialIDToken || access.Server != "https://kube.example.org:6443" ||
		!bytes.Equal(access.CA, ca) || access.Namespace != project.ID || !access.Expires.Equal(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ClusterAccess with idToken: %+v", access)
	}
	if _, err := p.ClusterAccess(t.Context(), sdk.ClusterAccessRequest{Caller: sdk.Caller{Username: alice.Username}, Project: project}); !errors.Is(err, sdk.ErrUnimplemented) {
		t.Errorf("ClusterAccess without an ID token: %v, want unimplemented", err)
	}

	off, _ := newRegion(t, nil)
	if _, err := off.ClusterAccess(t.Context(), sdk.ClusterAccessRequest{Caller: alice, Project: project}); !errors.Is(err, sdk.ErrUnimplemented) {
		t.Errorf("ClusterAccess with the mode off: %v, want unimplemented", err)
	}
	bad := kubernetes.New(quiet)
	_, err = bad.Configure(t.Context(), sdk.ConfigureRequest{Config: []byte(`{"clusterAccess":{"tokenTTL":"5m","certificateAuthority":"not PEM"}}`)})
	fields := sdk.FieldsOf(err)
	if len(fields) != 2 || fields[0].Field != "clusterAccess.certificateAuthority" || fields[1].Field != "clusterAccess.tokenTTL" {
		t.Errorf("Configure with a 5m TTL and a CA that is not PEM: %v, want both fields named", err)
	}
}

// Kubeconfigs need no more of the cluster than the Helm chart gives the plugin: run as the
// chart's ServiceAccount, it gives one in a personal and a group project (its ServiceAccount,
// RoleBinding and token made in namespaces where the plugin holds admin), one to a person
// added to the group's project, and takes theirs back when they are removed.
func TestClusterAccessUnderTheChartsRBAC(t *testing.T) {
	env := testenv.Require(t)
	_, admin := newRegion(t, nil)
	ctx := t.Context()
	rel := unique("basalt-")
	out, err := exec.CommandContext(ctx, env.Helm, "template", rel, "../../deploy/helm/basalt", "--namespace", "default",
		"--show-only", "templates/serviceaccount.yaml", "--show-only", "templates/rbac.yaml",
		"--set", "config.plugins.cluster.enabled=true").CombinedOutput()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	applyRendered(t, admin, "default", out)
	p, _ := newRegion(t, map[string]any{"kubeconfig": serviceAccountKubeconfig(t, env, admin, "default", rel),
		"clusterAccess": map[string]any{"mode": kubernetes.AccessServiceAccountToken}})
	team := unique("team-")
	alice := sdk.Caller{Username: unique("alice-"), Groups: []string{team}}
	dave := sdk.Caller{Username: unique("dave-")}
	group := sdk.Project{ID: "project-" + team, Group: team}
	for _, project := range []sdk.Project{{ID: "user-" + alice.Username}, group} {
		dropNamespace(t, admin, project.ID)
		// The chart's rights reach the API server's authorizer within moments: onboarding is retried meanwhile.
		var err error
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			if _, err = p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("Onboard %s: %v", project.ID, err)
		}
		if _, err := p.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: alice, Project: project}); err != nil {
			t.Errorf("ClusterAccess in %s under the chart's rights: %v", project.ID, err)
		}
	}
	if _, err := p.SetMembers(ctx, sdk.SetMembersRequest{Caller: alice, Project: group, Add: []string{dave.Username}}); err != nil {
		t.Fatal(err)
	}
	access, err := p.ClusterAccess(ctx, sdk.ClusterAccessRequest{Caller: dave, Project: group})
	if err != nil {
		t.Fatalf("ClusterAccess of an added member under the chart's rights: %v", err)
	}
	if _, err := p.SetMembers(ctx, sdk.SetMembersRequest{Caller: alice, Project: group, Remove: []string{dave.Username}}); err != nil {
		t.Fatalf("removing a member with a kubeconfig under the chart's rights: %v", err)
	}
	account := access.User[strings.LastIndex(access.User, ":")+1:]
	if _, err := admin.CoreV1().ServiceAccounts(group.ID).Get(ctx, account, metav1.GetOptions{}); err == nil {
		t.Errorf("the removed member's ServiceAccount %s is still there", account)
	}
}
