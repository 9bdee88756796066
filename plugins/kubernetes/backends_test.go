package kubernetes_test

import (
	"errors"
	"net"
	"reflect"
	"slices"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk"
)

// servedChart is a Deployment behind a Service whose port 80 ("http") the pods serve on
// 8080, routed by an Ingress by port name on / and by port number on /api.
const servedChart = pausableChart + `---
apiVersion: v1
kind: Service
metadata: {name: "{{ .Release.Name }}"}
spec:
  selector: {app.kubernetes.io/instance: "{{ .Release.Name }}"}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: "{{ .Release.Name }}"}
spec:
  rules:
    - host: "{{ .Release.Name }}.example.test"
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: "{{ .Release.Name }}", port: {name: http}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: "{{ .Release.Name }}", port: {number: 80}}}}
`

// A release's backends are its Ingress routes, each with the Service port it names and the
// ready pods' addresses at the port they serve; a paused release's have no endpoints.
func TestBackends(t *testing.T) {
	p, client := newRegion(t, nil)
	ctx := t.Context()
	ref := installReady(t, p, client, servedChart)
	pods, err := client.CoreV1().Pods(ref.Project.ID).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + ref.Name})
	if err != nil || len(pods.Items) != 1 || pods.Items[0].Status.PodIP == "" {
		t.Fatalf("the pods of %s: %+v, %v", ref.Name, pods.Items, err)
	}
	want := []string{net.JoinHostPort(pods.Items[0].Status.PodIP, "8080")}
	host := ref.Name + ".example.test"
	// The endpoint controller follows the pod's readiness a moment later.
	got := backendsWhen(t, p, ref, func(b []sdk.Backend) bool { return len(b) == 2 && slices.Equal(b[0].Endpoints, want) })
	if len(got) != 2 {
		t.Fatalf("Backends: %+v, want the Ingress's two paths", got)
	}
	for i, path := range []string{"/", "/api"} {
		b := got[i]
		if b.Host != host || b.Path != path || b.Service != ref.Name || b.Port != 80 || !slices.Equal(b.Endpoints, want) {
			t.Errorf("backend %d: %+v, want %s%s to Service %s port 80 served at %v", i, b, host, path, ref.Name, want)
		}
	}

	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	paused := func(b []sdk.Backend) bool { return len(b) == 2 && len(b[0].Endpoints) == 0 }
	if got := backendsWhen(t, p, ref, paused); !paused(got) {
		t.Fatalf("Backends of a paused release: %+v, want no endpoints", got)
	}
	missing := ref
	missing.Name = "missing"
	if _, err := p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: missing}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Backends of a release that does not exist: %v, want ErrNotFound", err)
	}
}

// A release that makes no Ingress, as the default catalog's charts in a region that exposes
// nothing, is reached at its Service: / on its port named http, at the ready pods' addresses.
func TestBackendsWithoutIngress(t *testing.T) {
	p, client := newRegion(t, nil)
	ref := installReady(t, p, client, pausableChart+`---
apiVersion: v1
kind: Service
metadata: {name: "{{ .Release.Name }}"}
spec:
  selector: {app.kubernetes.io/instance: "{{ .Release.Name }}"}
  ports: [{name: metrics, port: 9090, targetPort: 9090}, {name: http, port: 80, targetPort: 8080}]
`)
	pods, err := client.CoreV1().Pods(ref.Project.ID).List(t.Context(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + ref.Name})
	if err != nil || len(pods.Items) != 1 || pods.Items[0].Status.PodIP == "" {
		t.Fatalf("the pods of %s: %+v, %v", ref.Name, pods.Items, err)
	}
	want := []string{net.JoinHostPort(pods.Items[0].Status.PodIP, "8080")}
	got := backendsWhen(t, p, ref, func(b []sdk.Backend) bool { return len(b) == 1 && slices.Equal(b[0].Endpoints, want) })
	if len(got) != 1 || got[0].Host != "" || got[0].Path != "/" || got[0].Service != ref.Name || got[0].Port != 80 || !slices.Equal(got[0].Endpoints, want) {
		t.Fatalf("Backends of a release without Ingress: %+v, want / to Service %s port 80 (http) served at %v", got, ref.Name, want)
	}
}

// installReady installs a chart of one template for a new user in her project, and waits
// until it is ready.
func installReady(t *testing.T, p *kubernetes.Plugin, client k8s.Interface, template string) sdk.ReleaseRef {
	t.Helper()
	alice, project, _ := teamMember()
	onboard(t, p, client, alice, project)
	archive := chartArchive(t, "web", map[string]string{
		"Chart.yaml":         "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml":        "global: {suspend: false}\n",
		"templates/all.yaml": template,
	})
	ref := installWeb(t, p, alice, project, archive)
	waitFor(t, p, ref, "ready", sdk.Release.Ready)
	return ref
}

// backendsWhen asks the release's backends until cond holds of them, 30 s at most, and
// returns the last.
func backendsWhen(t *testing.T, p *kubernetes.Plugin, ref sdk.ReleaseRef, cond func([]sdk.Backend) bool) []sdk.Backend {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := p.Backends(t.Context(), sdk.BackendsRequest{ReleaseRef: ref})
		if err != nil {
			t.Fatalf("Backends of %s: %v", ref.Name, err)
		}
		if cond(got.Backends) || time.Now().After(deadline) {
			return got.Backends
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// routedChart is a Service without selector, whose endpoints someone else keeps (the test,
// as a controller would), of two named ports, and an Ingress that routes to it by name and
// by number, to a Service the chart does not make (by number, then by name) and, by default,
// to its second port.
const routedChart = `apiVersion: v1
kind: Service
metadata: {name: "{{ .Release.Name }}"}
spec:
  ports: [{name: web, port: 80, targetPort: 8080}, {name: admin, port: 9000, targetPort: 9100}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: "{{ .Release.Name }}"}
spec:
  defaultBackend: {service: {name: "{{ .Release.Name }}", port: {name: admin}}}
  rules:
    - host: "{{ .Release.Name }}.example.test"
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: "{{ .Release.Name }}", port: {name: web}}}}
          - {path: /admin, pathType: Prefix, backend: {service: {name: "{{ .Release.Name }}", port: {number: 9000}}}}
          - {path: /gone, pathType: Prefix, backend: {service: {name: "{{ .Release.Name }}-gone", port: {number: 80}}}}
          - {path: /unnamed, pathType: Prefix, backend: {service: {name: "{{ .Release.Name }}-gone", port: {name: web}}}}
`

// TestBackendsOfEndpointSlices reads, as the caller, the EndpointSlices that serve a Service
// without selector: the ready address (or of unknown readiness) at the port of the slice that
// bears the Service port's name, never the one not ready; a route to a missing Service has no
// endpoints, or is left out when it names its port.
func TestBackendsOfEndpointSlices(t *testing.T) {
	access := map[string]any{"authenticationMode": "impersonate", "usernamePrefix": "oidc:", "groupPrefix": "oidc:"}
	p, client := newRegion(t, map[string]any{"access": access})
	ctx := t.Context()
	ref := installReady(t, p, client, routedChart)
	project := ref.Project

	name := func(s string) *string { return &s }
	port := func(n int32) *int32 { return &n }
	ready := func(b bool) *bool { return &b }
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: ref.Name + "-kept", Labels: map[string]string{
			discoveryv1.LabelServiceName: ref.Name, discoveryv1.LabelManagedBy: "basalt-test",
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: name("admin"), Port: port(9100)}, {Name: name("web"), Port: port(8080)}},
		Endpoints: []discoveryv1.Endpoint{
			{Addresses: []string{"10.20.0.7"}, Conditions: discoveryv1.EndpointConditions{Ready: ready(true)}},
			{Addresses: []string{"10.20.0.8"}, Conditions: discoveryv1.EndpointConditions{Ready: ready(false)}},
		},
	}
	if _, err := client.DiscoveryV1().EndpointSlices(project.ID).Create(ctx, slice, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the EndpointSlice: %v", err)
	}
	// A second slice of unknown readiness, as a controller may write it.
	other := slice.DeepCopy()
	other.Name, other.Endpoints = ref.Name+"-more", []discoveryv1.Endpoint{{Addresses: []string{"10.20.0.9"}}}
	other.Ports = other.Ports[1:]
	if _, err := client.DiscoveryV1().EndpointSlices(project.ID).Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the second EndpointSlice: %v", err)
	}

	got, err := p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref})
	if err != nil {
		t.Fatalf("Backends: %v", err)
	}
	host := ref.Name + ".example.test"
	want := []sdk.Backend{
		{Host: host, Path: "/", Service: ref.Name, Port: 80, Endpoints: []string{"10.20.0.7:8080", "10.20.0.9:8080"}},
		{Host: host, Path: "/admin", Service: ref.Name, Port: 9000, Endpoints: []string{"10.20.0.7:9100"}},
		{Host: host, Path: "/gone", Service: ref.Name + "-gone", Port: 80},
		{Host: "", Path: "/", Service: ref.Name, Port: 9000, Endpoints: []string{"10.20.0.7:9100"}},
	}
	if !reflect.DeepEqual(got.Backends, want) {
		t.Errorf("Backends:\n %+v\nwant\n %+v", got.Backends, want)
	}

	// Someone outside the project (as if the core let him) reads nothing of it.
	bob := sdk.Caller{Username: unique("bob-")}
	if _, err := p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: sdk.ReleaseRef{Caller: bob, Project: project, Name: ref.Name}}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("Backends by %s in %s: %v, want ErrPermissionDenied", bob.Username, project.ID, err)
	}
}
