package kubernetes_test

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// TestUnderTheChartsRBAC runs the plugin as the Helm chart's ServiceAccount, with exactly the
// ClusterRoles and admission policy the chart installs (rendered from deploy/helm/basalt),
// in both authentication modes: a service's whole life, in a personal and a group project,
// fits within what the chart confines the plugin to.
func TestUnderTheChartsRBAC(t *testing.T) {
	env := testenv.Require(t)
	_, admin := newRegion(t, nil)
	ctx := t.Context()
	rel := unique("basalt-")
	out, err := exec.CommandContext(ctx, env.Helm, "template", rel, "../../deploy/helm/basalt", "--namespace", "default",
		"--show-only", "templates/serviceaccount.yaml", "--show-only", "templates/rbac.yaml",
		"--set", "config.plugins.cluster.enabled=true", "--set", "rbac.impersonate=true").CombinedOutput()
	if err != nil {
		t.Fatalf("helm template: %v\n%s", err, out)
	}
	applyRendered(t, admin, "default", out)
	kubeconfig := serviceAccountKubeconfig(t, env, admin, "default", rel)
	chartRBACInForce(t, admin, kubeconfig)
	archive := chartArchive(t, "web", map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml":           "global: {suspend: false}\n",
		"templates/deploy.yaml": servedChart,
	})

	for _, mode := range []string{"serviceAccount", "impersonate"} {
		t.Run(mode, func(t *testing.T) {
			access := map[string]any{"authenticationMode": mode, "usernamePrefix": "oidc:", "groupPrefix": "oidc:"}
			p, _ := newRegion(t, map[string]any{"kubeconfig": kubeconfig, "access": access})
			team := unique("team-")
			alice := sdk.Caller{Username: unique("alice-"), Groups: []string{team}}
			for _, project := range []sdk.Project{{ID: "user-" + alice.Username}, {ID: "project-" + team, Group: team}} {
				dropNamespace(t, admin, project.ID)
				if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: alice, Project: project}); err != nil {
					t.Fatalf("Onboard %s: %v", project.ID, err)
				}
				name := unique("web-")
				ref := sdk.ReleaseRef{Caller: alice, Project: project, Name: name}
				_, err := p.Install(ctx, sdk.InstallRequest{
					Caller: alice, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive),
					Values: []byte(`{"global":{"suspend":false}}`), Timeout: time.Minute,
					Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "web", Owner: alice.Username},
				})
				if err != nil {
					t.Fatalf("Install in %s: %v", project.ID, err)
				}
				waitFor(t, p, ref, "ready", sdk.Release.Ready)
				list, err := p.ListReleases(ctx, sdk.ListReleasesRequest{Caller: alice, Project: project})
				if err != nil || len(list.Releases) != 1 {
					t.Errorf("ListReleases in %s: %+v, %v", project.ID, list.Releases, err)
				}
				if _, ok := fleetRelease(t, p, project.ID, name, func(f sdk.FleetRelease) bool { return f.Group == project.Group }); !ok {
					t.Errorf("Fleet does not list %s of %s with group %q", name, project.ID, project.Group)
				}
				var lines int
				if err := p.Logs(ctx, sdk.LogsRequest{ReleaseRef: ref, TailLines: 1}, func(sdk.LogLine) error { lines++; return nil }); err != nil || lines != 1 {
					t.Errorf("Logs in %s: %d lines, %v", project.ID, lines, err)
				}
				if b, err := p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref}); err != nil || len(b.Backends) != 2 {
					t.Errorf("Backends in %s: %+v, %v, want the Ingress's two routes", project.ID, b.Backends, err)
				}
				if err := p.Events(ctx, sdk.EventsRequest{ReleaseRef: ref}, func(sdk.Event) error { return nil }); err != nil {
					t.Errorf("Events in %s: %v", project.ID, err)
				}
				if _, err := p.Quota(ctx, sdk.QuotaRequest{Caller: alice, Project: project}); err != nil {
					t.Errorf("Quota in %s: %v", project.ID, err)
				}
				if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
					t.Errorf("Suspend in %s: %v", project.ID, err)
				}
				if _, err := p.Resume(ctx, sdk.ResumeRequest{ReleaseRef: ref}); err != nil {
					t.Errorf("Resume in %s: %v", project.ID, err)
				}
				if _, err := p.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: ref}); err != nil {
					t.Errorf("Uninstall in %s: %v", project.ID, err)
				}
			}
		})
	}
}

// applyRendered creates the objects helm template printed, and deletes them when t ends.
func applyRendered(t *testing.T, admin k8s.Interface, ns string, rendered []byte) {
	t.Helper()
	ctx := t.Context()
	for _, doc := range regexp.MustCompile(`(?m)^---$`).Split(string(rendered), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(doc, "")) == "" {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode([]byte(doc), nil, nil)
		if err != nil {
			t.Fatalf("rendered object: %v\n%s", err, doc)
		}
		var remove func(context.Context) error
		switch o := obj.(type) {
		case *corev1.ServiceAccount:
			_, err = admin.CoreV1().ServiceAccounts(ns).Create(ctx, o, metav1.CreateOptions{})
			remove = func(ctx context.Context) error {
				return admin.CoreV1().ServiceAccounts(ns).Delete(ctx, o.Name, metav1.DeleteOptions{})
			}
		case *rbacv1.ClusterRole:
			_, err = admin.RbacV1().ClusterRoles().Create(ctx, o, metav1.CreateOptions{})
			remove = func(ctx context.Context) error {
				return admin.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{})
			}
		case *rbacv1.ClusterRoleBinding:
			_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, o, metav1.CreateOptions{})
			remove = func(ctx context.Context) error {
				return admin.RbacV1().ClusterRoleBindings().Delete(ctx, o.Name, metav1.DeleteOptions{})
			}
		case *admissionv1.ValidatingAdmissionPolicy:
			_, err = admin.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, o, metav1.CreateOptions{})
			remove = func(ctx context.Context) error {
				return admin.AdmissionregistrationV1().ValidatingAdmissionPolicies().Delete(ctx, o.Name, metav1.DeleteOptions{})
			}
		case *admissionv1.ValidatingAdmissionPolicyBinding:
			_, err = admin.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, o, metav1.CreateOptions{})
			remove = func(ctx context.Context) error {
				return admin.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(ctx, o.Name, metav1.DeleteOptions{})
			}
		default:
			t.Fatalf("the chart's RBAC holds a %T this test does not create", obj)
		}
		if err != nil {
			t.Fatalf("creating %T: %v", obj, err)
		}
		t.Cleanup(func() { _ = remove(context.Background()) })
	}
}

// chartRBACInForce waits until the cluster applies what the chart installed: the admission
// policy refuses a namespace without Basalt's label, and admin holds the impersonate-on verbs.
func chartRBACInForce(t *testing.T, admin k8s.Interface, kubeconfig string) {
	t.Helper()
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	plugin := k8s.NewForConfigOrDie(rc)
	unlabelled := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: unique("unlabelled-")}}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		_, err := plugin.CoreV1().Namespaces().Create(t.Context(), unlabelled, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		role, rerr := admin.RbacV1().ClusterRoles().Get(t.Context(), "admin", metav1.GetOptions{})
		aggregated := rerr == nil && slices.ContainsFunc(role.Rules, func(r rbacv1.PolicyRule) bool {
			return slices.Contains(r.Verbs, "impersonate-on:user-info:get")
		})
		if apierrors.IsForbidden(err) && aggregated {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("60 s after the install: a namespace without the label is refused? %v; admin aggregates impersonate-on? %v", err, aggregated)
		}
	}
}

// serviceAccountKubeconfig writes a kubeconfig that authenticates as a ServiceAccount with a
// token of its own (an hour long).
func serviceAccountKubeconfig(t testing.TB, env *testenv.Env, admin k8s.Interface, ns, name string) string {
	t.Helper()
	hour := int64(3600)
	token, err := admin.CoreV1().ServiceAccounts(ns).CreateToken(t.Context(), name, &authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: &hour}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	err = clientcmd.WriteToFile(clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"sandbox": {Server: env.KubeServer, CertificateAuthority: env.KubeCAFile}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"basalt": {Token: token.Status.Token}},
		Contexts:       map[string]*clientcmdapi.Context{"basalt": {Cluster: "sandbox", AuthInfo: "basalt"}},
		CurrentContext: "basalt",
	}, kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return kubeconfig
}
