package kubernetes_test

import (
	"errors"
	"net"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	alice, project, _ := teamMember()
	onboard(t, p, client, alice, project)
	archive := chartArchive(t, "web", map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"values.yaml":           "global: {suspend: false}\n",
		"templates/served.yaml": servedChart,
	})
	ref := installWeb(t, p, alice, project, archive)
	waitFor(t, p, ref, "ready", sdk.Release.Ready)
	pods, err := client.CoreV1().Pods(project.ID).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + ref.Name})
	if err != nil || len(pods.Items) != 1 || pods.Items[0].Status.PodIP == "" {
		t.Fatalf("the pods of %s: %+v, %v", ref.Name, pods.Items, err)
	}
	want := []string{net.JoinHostPort(pods.Items[0].Status.PodIP, "8080")}
	host := ref.Name + ".example.test"
	// The endpoint controller follows the pod's readiness a moment later.
	var got sdk.BackendsResponse
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if got, err = p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref}); err != nil {
			t.Fatalf("Backends: %v", err)
		}
		if len(got.Backends) == 2 && slices.Equal(got.Backends[0].Endpoints, want) || time.Now().After(deadline) {
			break
		}
	}
	if len(got.Backends) != 2 {
		t.Fatalf("Backends: %+v, want the Ingress's two paths", got.Backends)
	}
	for i, path := range []string{"/", "/api"} {
		b := got.Backends[i]
		if b.Host != host || b.Path != path || b.Service != ref.Name || b.Port != 80 || !slices.Equal(b.Endpoints, want) {
			t.Errorf("backend %d: %+v, want %s%s to Service %s port 80 served at %v", i, b, host, path, ref.Name, want)
		}
	}

	if _, err := p.Suspend(ctx, sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if got, err = p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: ref}); err != nil {
			t.Fatalf("Backends: %v", err)
		}
		if len(got.Backends) == 2 && len(got.Backends[0].Endpoints) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Backends of a paused release: %+v, want no endpoints", got.Backends)
		}
	}
	if _, err := p.Backends(ctx, sdk.BackendsRequest{ReleaseRef: sdk.ReleaseRef{Caller: alice, Project: project, Name: "missing"}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Backends of a release that does not exist: %v, want ErrNotFound", err)
	}
}
