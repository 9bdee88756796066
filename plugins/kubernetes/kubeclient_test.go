package kubernetes

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/kube"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/resource"
)

// manifestOf makes objects of these kinds, in the order given (Helm's install order, as the
// rendered manifest comes), one object per "Kind" or "Kind/name".
func manifestOf(objects ...string) kube.ResourceList {
	var out kube.ResourceList
	for _, o := range objects {
		kind, name, _ := strings.Cut(o, "/")
		u := &unstructured.Unstructured{}
		u.SetKind(kind)
		u.SetName(name)
		out = append(out, &resource.Info{Name: name, Object: u})
	}
	return out
}

// roundsOf writes rounds as "Kind,Kind | Kind", objects of a kind once.
func roundsOf(rounds [][]kube.ResourceList) string {
	var out []string
	for _, round := range rounds {
		var kinds []string
		for _, ofKind := range round {
			kinds = append(kinds, ofKind[0].Object.GetObjectKind().GroupVersionKind().Kind)
		}
		out = append(out, strings.Join(kinds, ","))
	}
	return strings.Join(out, " | ")
}

func TestCreateRounds(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest []string
		want     string
	}{
		{"Onyxia's jupyter-python: what pods need, then the pods and the Ingress",
			[]string{"ServiceAccount", "Secret/a", "Secret/b", "Secret/c", "Service", "StatefulSet", "Ingress"},
			"ServiceAccount,Secret,Service | StatefulSet,Ingress"},
		{"a quota and limits come before everything they admit",
			[]string{"NetworkPolicy", "ResourceQuota", "LimitRange", "ConfigMap", "Deployment"},
			"NetworkPolicy,ResourceQuota | LimitRange | ConfigMap | Deployment"},
		{"a namespace before what lies in it",
			[]string{"Namespace", "ServiceAccount", "Secret"},
			"Namespace | ServiceAccount,Secret"},
		{"a binding after its role, pods after the binding",
			[]string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment"},
			"ServiceAccount,ClusterRole,Role,Service | ClusterRoleBinding,RoleBinding | Deployment"},
		{"a claim after its class and volume, pods after the claim",
			[]string{"StorageClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment"},
			"StorageClass,PersistentVolume | PersistentVolumeClaim | Deployment"},
		{"workloads together; an autoscaler after them",
			[]string{"Service", "DaemonSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob"},
			"Service | DaemonSet,Deployment,StatefulSet,Job,CronJob | HorizontalPodAutoscaler"},
		{"an Ingress after its class and service",
			[]string{"Service", "Deployment", "IngressClass", "Ingress"},
			"Service,IngressClass | Deployment,Ingress"},
		{"a definition before everything after it; custom resources one kind after another, last",
			[]string{"Secret", "CustomResourceDefinition", "Service", "Deployment", "Certificate", "VirtualService"},
			"Secret,CustomResourceDefinition | Service | Deployment | Certificate | VirtualService"},
		{"one kind: one round",
			[]string{"Secret/a", "Secret/b"},
			"Secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rounds := createRounds(manifestOf(tc.manifest...))
			if got := roundsOf(rounds); got != tc.want {
				t.Errorf("rounds %q, want %q", got, tc.want)
			}
			n := 0
			for _, round := range rounds {
				for _, ofKind := range round {
					n += len(ofKind)
				}
			}
			if n != len(tc.manifest) {
				t.Errorf("%d objects created, want %d", n, len(tc.manifest))
			}
		})
	}
}
