package usage

import (
	"strings"
	"testing"
)

// A manifest as Helm renders Basalt's jupyter chart, running: one replica with its requests
// and limits, a claim for its volume, and objects that request nothing.
const jupyterRunning = `---
# Source: jupyter/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: jupyter-1
---
# Source: jupyter/templates/pvc.yaml
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: jupyter-1
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: "10Gi"
---
# Source: jupyter/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: jupyter-1
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: jupyter
          resources:
            limits:
              cpu: 2000m
              memory: 4Gi
            requests:
              cpu: 100m
              memory: 1Gi
`

func TestManifestRequests(t *testing.T) {
	for _, c := range []struct {
		name, manifest string
		want           Requests
	}{
		{"jupyter running", jupyterRunning, Requests{CPUMillicores: 100, MemoryBytes: gigabyte, StorageBytes: 10 * gigabyte}},
		{"jupyter paused: no replica, the volume stays", strings.Replace(jupyterRunning, "replicas: 1", "replicas: 0", 1), Requests{StorageBytes: 10 * gigabyte}},
		{"replicas, a limit without request, a GPU by its limit, two containers", `
kind: Deployment
spec:
  replicas: 3
  template:
    spec:
      containers:
        - resources:
            limits: {cpu: "1.5", memory: 512Mi, nvidia.com/gpu: 1}
        - resources:
            requests: {cpu: 250m, memory: 256Mi}
`, Requests{CPUMillicores: 3 * 1750, MemoryBytes: 3 * 768 << 20, GPUs: 3}},
		{"no replicas field: one", `
kind: StatefulSet
spec:
  template:
    spec:
      containers:
        - resources: {requests: {cpu: 1, memory: 1G}}
  volumeClaimTemplates:
    - spec: {resources: {requests: {storage: 8Gi}}}
    - spec: {resources: {requests: {storage: 1Gi}}}
`, Requests{CPUMillicores: 1000, MemoryBytes: 1_000_000_000, StorageBytes: 9 * gigabyte}},
		{"a StatefulSet scaled to none keeps its claims", `
kind: StatefulSet
spec:
  replicas: 0
  template: {spec: {containers: [{resources: {requests: {cpu: 1}}}]}}
  volumeClaimTemplates: [{spec: {resources: {requests: {storage: 8Gi}}}}]
`, Requests{StorageBytes: 8 * gigabyte}},
		{"an init container asking more than the containers", `
kind: Pod
spec:
  initContainers: [{resources: {requests: {cpu: 2, memory: 64Mi}}}, {resources: {requests: {cpu: 500m}}}]
  containers: [{resources: {requests: {cpu: 100m, memory: 1Gi}}}]
`, Requests{CPUMillicores: 2000, MemoryBytes: gigabyte}},
		{"a DaemonSet counts one pod; Jobs and CronJobs are left out", `
kind: DaemonSet
spec: {template: {spec: {containers: [{resources: {requests: {cpu: 10m, amd.com/gpu: 2}}}]}}}
---
kind: Job
spec: {parallelism: 4, template: {spec: {containers: [{resources: {requests: {cpu: 8}}}]}}}
---
kind: CronJob
spec: {jobTemplate: {spec: {template: {spec: {containers: [{resources: {requests: {cpu: 8}}}]}}}}}
`, Requests{CPUMillicores: 10, GPUs: 2}},
		{"empty", "", Requests{}},
	} {
		got, err := ManifestRequests(c.manifest)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v %v, want %+v", c.name, got, err, c.want)
		}
	}
}

func TestManifestRequestsRefusesWhatItCannotRead(t *testing.T) {
	for manifest, want := range map[string]string{
		"kind: Deployment\nspec:\n  template:\n    spec:\n      containers: [{resources: {requests: {cpu: lots}}}]\n": `document 1 of the manifest (Deployment): cpu "lots" is not a quantity`,
		"kind: ConfigMap\n---\nkind: [\n": "document 2 of the manifest",
	} {
		if _, err := ManifestRequests(manifest); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", manifest, err, want)
		}
	}
}
