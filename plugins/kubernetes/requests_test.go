package kubernetes_test

import (
	"bytes"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// askingChart runs two pods of two containers: one asks 250m, 64Mi and a GPU (by its limit
// alone, as extended resources are asked), the other 100m and 32Mi of memory by its limit.
const askingChart = `apiVersion: apps/v1
kind: Deployment
metadata: {name: "{{ .Release.Name }}", labels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
spec:
  replicas: {{ if .Values.global.suspend }}0{{ else }}2{{ end }}
  selector: {matchLabels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
  template:
    metadata: {labels: {app.kubernetes.io/instance: "{{ .Release.Name }}"}}
    spec:
      containers:
      - {name: main, image: "nginx:1.27", resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {nvidia.com/gpu: 1}}}
      - {name: side, image: "nginx:1.27", resources: {requests: {cpu: 100m}, limits: {memory: 32Mi}}}
`

// TestFleetSaysWhatServicesRequest reads a release's requests in the fleet: its pods'
// requests times its replicas, a limit standing for the request a container does not set,
// and nothing once it is paused.
func TestFleetSaysWhatServicesRequest(t *testing.T) {
	p, client := newRegion(t, map[string]any{"quotas": map[string]any{}})
	alice, personal, _ := teamMember()
	onboard(t, p, client, alice, personal)
	archive := chartArchive(t, "asking", map[string]string{
		"Chart.yaml":            "apiVersion: v2\nname: asking\nversion: 0.1.0\n",
		"values.yaml":           "global: {suspend: false}\n",
		"templates/deploy.yaml": askingChart,
	})
	ref := sdk.ReleaseRef{Caller: alice, Project: personal, Name: unique("asking-")}
	_, err := p.Install(t.Context(), sdk.InstallRequest{
		Caller: alice, Project: personal, ReleaseName: ref.Name, Archive: bytes.NewReader(archive),
		Values:   []byte(`{"global":{"suspend":false}}`),
		Metadata: sdk.ReleaseMetadata{Catalog: "test", Chart: "asking", Owner: alice.Username},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = p.Uninstall(t.Context(), sdk.UninstallRequest{ReleaseRef: ref}) })

	want := sdk.Requests{CPUMillicores: 700, MemoryBytes: 2 * 96 << 20, GPUs: 2}
	got, ok := fleetRelease(t, p, personal.ID, ref.Name, func(f sdk.FleetRelease) bool { return f.Requests == want })
	if !ok {
		t.Fatalf("the fleet says %+v is requested, want %+v", got.Requests, want)
	}
	if _, err := p.Suspend(t.Context(), sdk.SuspendRequest{ReleaseRef: ref}); err != nil {
		t.Fatal(err)
	}
	got, ok = fleetRelease(t, p, personal.ID, ref.Name, func(f sdk.FleetRelease) bool { return f.Requests == sdk.Requests{} })
	if !ok {
		t.Fatalf("paused, the fleet says %+v is requested, want nothing", got.Requests)
	}
}
