package kubernetes_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
)

// exposingCRDs are the custom resources that expose a service besides Ingress, each reduced to
// a name and a schema that keeps whatever it is given.
var exposingCRDs = []struct{ group, version, kind, plural string }{
	{"route.openshift.io", "v1", "Route", "routes"},
	{"networking.istio.io", "v1", "VirtualService", "virtualservices"},
	{"gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"},
}

func crdManifest(group, version, kind, plural string) string {
	annotations := "{}"
	if strings.HasSuffix(group, ".k8s.io") { // a group Kubernetes reserves: its CRDs say who approved them
		annotations = `{api-approved.kubernetes.io: "unapproved, a test's stand-in"}`
	}
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: %[4]s.%[1]s, annotations: %[6]s}
spec:
  group: %[1]s
  scope: Namespaced
  names: {kind: %[3]s, plural: %[4]s, singular: %[5]s, listKind: %[3]sList}
  versions:
  - name: %[2]s
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`, group, version, kind, plural, strings.ToLower(kind), annotations)
}

// installCRDs creates the exposing CRDs the cluster lacks, waits until they are served, and
// deletes those it created when the test ends. As a cluster's administrator does for the CRDs
// its charts use, it aggregates their resources into ClusterRole admin, which the release
// ServiceAccount of each project namespace holds.
func installCRDs(t *testing.T, kubeconfig string) {
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(rc)
	crds := dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	ctx := t.Context()
	aggregateToAdmin(t, kubernetesClient(t, kubeconfig))
	for _, c := range exposingCRDs {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(crdManifest(c.group, c.version, c.kind, c.plural)), &obj.Object); err != nil {
			t.Fatal(err)
		}
		_, err := crds.Create(ctx, obj, metav1.CreateOptions{})
		switch {
		case apierrors.IsAlreadyExists(err):
		case err != nil:
			t.Fatalf("creating CRD %s: %v", obj.GetName(), err)
		default:
			t.Cleanup(func() { _ = crds.Delete(context.Background(), obj.GetName(), metav1.DeleteOptions{}) })
		}
		served := dyn.Resource(schema.GroupVersionResource{Group: c.group, Version: c.version, Resource: c.plural})
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if _, err := served.List(ctx, metav1.ListOptions{Limit: 1}); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("CRD %s not served after 30s: %v", obj.GetName(), err)
			}
		}
	}
}

// aggregateToAdmin grants ClusterRole admin every verb on the exposing CRDs' resources, and
// waits until the aggregation controller has folded them in.
func aggregateToAdmin(t *testing.T, client k8s.Interface) {
	ctx := t.Context()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "basalt-test-exposing-admin", Labels: map[string]string{"rbac.authorization.k8s.io/aggregate-to-admin": "true"}},
	}
	for _, c := range exposingCRDs {
		role.Rules = append(role.Rules, rbacv1.PolicyRule{APIGroups: []string{c.group}, Resources: []string{c.plural}, Verbs: []string{"*"}})
	}
	if _, err := client.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		admin, err := client.RbacV1().ClusterRoles().Get(ctx, "admin", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		folded := 0
		for _, c := range exposingCRDs {
			if slices.ContainsFunc(admin.Rules, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.Resources, c.plural) }) {
				folded++
			}
		}
		if folded == len(exposingCRDs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ClusterRole admin lacks the exposing CRDs after 30 s")
		}
	}
}

func kubernetesClient(t *testing.T, kubeconfig string) k8s.Interface {
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return k8s.NewForConfigOrDie(rc)
}

// exposedChart is a chart of one Deployment exposed four ways.
const exposedChart = `apiVersion: apps/v1
kind: Deployment
metadata: {name: "{{ .Release.Name }}", labels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
spec:
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
  template:
    metadata: {labels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
    spec: {containers: [{name: web, image: "nginx:1.27", resources: {requests: {cpu: 10m, memory: 16Mi}}}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: "{{ .Release.Name }}"}
spec:
  rules:
  - host: "ing-{{ .Release.Name }}.example.test"
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: "{{ .Release.Name }}", port: {number: 80}}}}]}
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: "{{ .Release.Name }}"}
spec: {host: "route-{{ .Release.Name }}.example.test", path: /lab, to: {kind: Service, name: "{{ .Release.Name }}"}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: "{{ .Release.Name }}"}
spec: {hosts: ["istio-{{ .Release.Name }}.example.test"], gateways: [istio-ingress/gateway]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: "{{ .Release.Name }}"}
spec: {hostnames: ["gw-{{ .Release.Name }}.example.test"], parentRefs: [{name: gateway}]}
`

// chartArchive packs files into a chart .tgz under the chart's directory.
func chartArchive(t testing.TB, name string, files map[string]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for path, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name + "/" + path, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestServiceURLs installs a chart exposed by an Ingress, an OpenShift Route, an Istio
// VirtualService and a Gateway API HTTPRoute, into a cluster that serves those CRDs: each
// host is one of the service's URLs, and only the kinds the region enables count.
func TestServiceURLs(t *testing.T) {
	env := testenv.Require(t)
	installCRDs(t, env.Kubeconfig)
	p, client := newRegion(t, map[string]any{"expose": map[string]any{"route": true, "istio": map[string]any{"enabled": true}, "gatewayAPI": true}})
	ingressOnly, _ := newRegion(t, nil)
	ctx := t.Context()
	erin := sdk.Caller{Username: unique("erin-")}
	project := sdk.Project{ID: "user-" + erin.Username}
	dropNamespace(t, client, project.ID)
	if _, err := p.Onboard(ctx, sdk.OnboardRequest{Caller: erin, Project: project}); err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	archive := chartArchive(t, "exposed", map[string]string{
		"Chart.yaml":         "apiVersion: v2\nname: exposed\nversion: 0.1.0\n",
		"templates/all.yaml": exposedChart,
	})
	name := unique("exposed-")
	ref := sdk.ReleaseRef{Caller: erin, Project: project, Name: name}
	_, err := p.Install(ctx, sdk.InstallRequest{
		Caller: erin, Project: project, ReleaseName: name, Archive: bytes.NewReader(archive),
		Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "exposed", Owner: erin.Username},
	})
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	t.Cleanup(func() { _, _ = p.Uninstall(context.Background(), sdk.UninstallRequest{ReleaseRef: ref}) })
	rel := waitFor(t, p, ref, "ready", sdk.Release.Ready)
	want := []string{
		"https://ing-" + name + ".example.test",
		"https://route-" + name + ".example.test/lab",
		"https://istio-" + name + ".example.test",
		"https://gw-" + name + ".example.test",
	}
	// In the manifest's order, which is Helm's order of kinds.
	if !slices.Equal(slices.Sorted(slices.Values(rel.URLs)), slices.Sorted(slices.Values(want))) {
		t.Errorf("URLs %v, want %v", rel.URLs, want)
	}
	// Every object was created for real, the custom ones included.
	rc, _ := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	dyn := dynamic.NewForConfigOrDie(rc)
	for _, c := range exposingCRDs {
		gvr := schema.GroupVersionResource{Group: c.group, Version: c.version, Resource: c.plural}
		if _, err := dyn.Resource(gvr).Namespace(project.ID).Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("%s %s: %v", c.kind, name, err)
		}
	}
	// A region that exposes with Ingresses only reads no other URL.
	list, err := ingressOnly.ListReleases(ctx, sdk.ListReleasesRequest{Caller: erin, Project: project})
	if err != nil || len(list.Releases) != 1 || !slices.Equal(list.Releases[0].URLs, want[:1]) {
		t.Errorf("ListReleases of an Ingress-only region: %+v, %v", list.Releases, err)
	}
}
