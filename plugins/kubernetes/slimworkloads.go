package kubernetes

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// slimWorkload keeps of a Deployment, StatefulSet or DaemonSet what health and requests read:
// its name, desired and ready replicas and whether its controller has seen its spec, and its pod template's resources (containers' requests
// and limits, which init containers are sidecars, overhead, pod-level resources). A workload
// as stored holds its whole pod template (images, commands, environment, probes, volumes),
// kilobytes that each namespace's cache would keep for nothing.
func slimWorkload(obj any) (any, error) {
	switch w := obj.(type) {
	case *appsv1.Deployment:
		return &appsv1.Deployment{
			ObjectMeta: slimMeta(&w.ObjectMeta),
			Spec:       appsv1.DeploymentSpec{Replicas: w.Spec.Replicas, Template: slimTemplate(&w.Spec.Template)},
			Status:     appsv1.DeploymentStatus{ReadyReplicas: w.Status.ReadyReplicas, ObservedGeneration: w.Status.ObservedGeneration},
		}, nil
	case *appsv1.StatefulSet:
		return &appsv1.StatefulSet{
			ObjectMeta: slimMeta(&w.ObjectMeta),
			Spec:       appsv1.StatefulSetSpec{Replicas: w.Spec.Replicas, Template: slimTemplate(&w.Spec.Template)},
			Status:     appsv1.StatefulSetStatus{ReadyReplicas: w.Status.ReadyReplicas, ObservedGeneration: w.Status.ObservedGeneration},
		}, nil
	case *appsv1.DaemonSet:
		return &appsv1.DaemonSet{
			ObjectMeta: slimMeta(&w.ObjectMeta),
			Spec:       appsv1.DaemonSetSpec{Template: slimTemplate(&w.Spec.Template)},
			Status:     appsv1.DaemonSetStatus{DesiredNumberScheduled: w.Status.DesiredNumberScheduled, NumberReady: w.Status.NumberReady, ObservedGeneration: w.Status.ObservedGeneration},
		}, nil
	}
	return dropManagedFields(obj)
}

func slimMeta(m *metav1.ObjectMeta) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion, Generation: m.Generation}
}

func slimTemplate(t *corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	containers := func(cs []corev1.Container) []corev1.Container {
		out := make([]corev1.Container, len(cs))
		for i, c := range cs {
			out[i] = corev1.Container{Name: c.Name, Resources: c.Resources, RestartPolicy: c.RestartPolicy}
		}
		return out
	}
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		InitContainers: containers(t.Spec.InitContainers),
		Containers:     containers(t.Spec.Containers),
		Overhead:       t.Spec.Overhead,
		Resources:      t.Spec.Resources,
	}}
}
