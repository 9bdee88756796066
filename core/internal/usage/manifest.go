package usage

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The parts of Kubernetes objects that requests are read from.
type object struct {
	Kind string `yaml:"kind"`
	Spec struct {
		Replicas *int64 `yaml:"replicas"`
		podSpec  `yaml:",inline"`
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Spec claimSpec `yaml:"spec"`
		} `yaml:"volumeClaimTemplates"`
		claimSpec `yaml:",inline"`
	} `yaml:"spec"`
}

type podSpec struct {
	Containers     []container `yaml:"containers"`
	InitContainers []container `yaml:"initContainers"`
}

type container struct {
	Resources struct {
		Requests map[string]any `yaml:"requests"`
		Limits   map[string]any `yaml:"limits"`
	} `yaml:"resources"`
}

type claimSpec struct {
	Resources struct {
		Requests map[string]any `yaml:"requests"`
	} `yaml:"resources"`
}

// ManifestRequests reads what a release's manifest asks of the cluster: for each workload,
// its pod's requests times its replicas (a DaemonSet counts one pod, since its number of
// nodes is not in the manifest), and the storage its PersistentVolumeClaims and its
// StatefulSets' claim templates request. Jobs and CronJobs are left out: they run for a
// while, not for as long as the revision holds. A resource with a limit and no request
// counts its limit, as Kubernetes then requests it.
func ManifestRequests(manifest string) (Requests, error) {
	var total Requests
	dec := yaml.NewDecoder(strings.NewReader(manifest))
	for i := 1; ; i++ {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return Requests{}, fmt.Errorf("document %d of the manifest: %w", i, err)
		}
		r, err := o.requests()
		if err != nil {
			return Requests{}, fmt.Errorf("document %d of the manifest (%s): %w", i, o.Kind, err)
		}
		total.CPUMillicores += r.CPUMillicores
		total.MemoryBytes += r.MemoryBytes
		total.GPUs += r.GPUs
		total.StorageBytes += r.StorageBytes
	}
}

func (o object) requests() (Requests, error) {
	replicas := int64(1)
	if o.Spec.Replicas != nil {
		replicas = *o.Spec.Replicas
	}
	switch o.Kind {
	case "PersistentVolumeClaim":
		storage, err := quantity(o.Spec.Resources.Requests, "storage")
		return Requests{StorageBytes: storage.Value()}, err
	case "Pod":
		return o.Spec.podSpec.requests()
	case "DaemonSet":
		return o.Spec.Template.Spec.requests()
	case "Deployment", "ReplicaSet", "ReplicationController":
		pod, err := o.Spec.Template.Spec.requests()
		return pod.times(replicas), err
	case "StatefulSet":
		pod, err := o.Spec.Template.Spec.requests()
		if err != nil {
			return Requests{}, err
		}
		out := pod.times(replicas)
		// A StatefulSet scaled to none (paused) keeps the claims its pods had.
		claims := max(replicas, 1)
		for _, t := range o.Spec.VolumeClaimTemplates {
			storage, err := quantity(t.Spec.Resources.Requests, "storage")
			if err != nil {
				return Requests{}, err
			}
			out.StorageBytes += storage.Value() * claims
		}
		return out, nil
	}
	return Requests{}, nil
}

func (r Requests) times(n int64) Requests {
	return Requests{CPUMillicores: r.CPUMillicores * n, MemoryBytes: r.MemoryBytes * n, GPUs: r.GPUs * n, StorageBytes: r.StorageBytes * n}
}

// requests is what scheduling counts for a pod: for each resource, its containers' sum, or
// the largest init container's when that is more (init containers run one at a time, first).
func (p podSpec) requests() (Requests, error) {
	var sum, initMax Requests
	for _, c := range p.Containers {
		r, err := c.requests()
		if err != nil {
			return Requests{}, err
		}
		sum.CPUMillicores += r.CPUMillicores
		sum.MemoryBytes += r.MemoryBytes
		sum.GPUs += r.GPUs
	}
	for _, c := range p.InitContainers {
		r, err := c.requests()
		if err != nil {
			return Requests{}, err
		}
		initMax = Requests{CPUMillicores: max(initMax.CPUMillicores, r.CPUMillicores), MemoryBytes: max(initMax.MemoryBytes, r.MemoryBytes), GPUs: max(initMax.GPUs, r.GPUs)}
	}
	return Requests{CPUMillicores: max(sum.CPUMillicores, initMax.CPUMillicores), MemoryBytes: max(sum.MemoryBytes, initMax.MemoryBytes),
		GPUs: max(sum.GPUs, initMax.GPUs)}, nil
}

func (c container) requests() (Requests, error) {
	res := c.Resources
	get := func(name string) (resource.Quantity, error) {
		if _, ok := res.Requests[name]; ok {
			return quantity(res.Requests, name)
		}
		return quantity(res.Limits, name)
	}
	cpu, err := get("cpu")
	if err != nil {
		return Requests{}, err
	}
	memory, err := get("memory")
	if err != nil {
		return Requests{}, err
	}
	out := Requests{CPUMillicores: cpu.MilliValue(), MemoryBytes: memory.Value()}
	for name := range gpuNames(res.Requests, res.Limits) {
		gpus, err := get(name)
		if err != nil {
			return Requests{}, err
		}
		out.GPUs += gpus.Value()
	}
	return out, nil
}

// gpuNames are the GPU resources a container names, such as nvidia.com/gpu or amd.com/gpu.
func gpuNames(lists ...map[string]any) map[string]bool {
	out := map[string]bool{}
	for _, l := range lists {
		for name := range l {
			if strings.HasSuffix(name, "/gpu") {
				out[name] = true
			}
		}
	}
	return out
}

// quantity reads a resource quantity ("100m", "2Gi", 1); a resource not listed is zero.
func quantity(list map[string]any, name string) (resource.Quantity, error) {
	v, ok := list[name]
	if !ok || v == nil {
		return resource.Quantity{}, nil
	}
	q, err := resource.ParseQuantity(fmt.Sprint(v))
	if err != nil {
		return resource.Quantity{}, fmt.Errorf("%s %q is not a quantity", name, fmt.Sprint(v))
	}
	return q, nil
}
