package kubernetes

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/basalt-dev/basalt/sdk"
)

// requests is what a release's workloads ask of the cluster now, read from the namespace's
// caches: each pod template's requests, by Kubernetes' own rules (init containers, sidecars,
// overhead), times its desired replicas, so a paused service asks nothing.
func (inf *informersOf) requests(ns string, workloads []workloadRef) sdk.Requests {
	var out sdk.Requests
	if inf == nil {
		return out
	}
	for _, w := range workloads {
		spec, n := inf.podsOf(ns, w)
		if spec == nil || n == 0 {
			continue
		}
		add(&out, podRequests(spec), n)
	}
	return out
}

// podsOf returns a workload's pod template and how many pods it wants.
func (inf *informersOf) podsOf(ns string, w workloadRef) (*corev1.PodSpec, int64) {
	switch w.kind {
	case "Deployment":
		if d, err := inf.deployments.Deployments(ns).Get(w.name); err == nil {
			return &d.Spec.Template.Spec, int64(ptrOr(d.Spec.Replicas, 1))
		}
	case "StatefulSet":
		if s, err := inf.statefuls.StatefulSets(ns).Get(w.name); err == nil {
			return &s.Spec.Template.Spec, int64(ptrOr(s.Spec.Replicas, 1))
		}
	case "DaemonSet":
		if d, err := inf.daemons.DaemonSets(ns).Get(w.name); err == nil {
			return &d.Spec.Template.Spec, int64(d.Status.DesiredNumberScheduled)
		}
	}
	return nil, 0
}

// podRequests is one pod's requests. A container's limit stands for the request it does not
// set, as the API server fills it in when it admits the pod (templates are stored without).
func podRequests(spec *corev1.PodSpec) corev1.ResourceList {
	pod := &corev1.Pod{Spec: *spec.DeepCopy()}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			r := &cs[i].Resources
			for name, limit := range r.Limits {
				if _, set := r.Requests[name]; !set {
					if r.Requests == nil {
						r.Requests = corev1.ResourceList{}
					}
					r.Requests[name] = limit
				}
			}
		}
	}
	return resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
}

func add(out *sdk.Requests, list corev1.ResourceList, n int64) {
	out.CPUMillicores += list.Cpu().MilliValue() * n
	out.MemoryBytes += list.Memory().Value() * n
	for name, q := range list {
		if strings.HasSuffix(string(name), "/gpu") { // nvidia.com/gpu, amd.com/gpu
			out.GPUs += q.Value() * n
		}
	}
}
