package kubernetes

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// renderLookup is a render's lookup: what Helm's gives (pkg/engine: an object by name, or the
// list of a kind, in a namespace or the cluster; nothing for what is not found), read through
// one client per render rather than one per call, each kind's resource found in discovery
// once, and each object or list read once and given as a copy of its own at each call: a
// render of Onyxia's charts lists the namespace's Secrets a dozen times. A kind discovery does
// not know is an error, which leaves the render to Helm.
type renderLookup struct {
	conf      *rest.Config
	client    *dynamic.DynamicClient
	disco     *discovery.DiscoveryClient
	resources map[kschema.GroupVersionKind]metav1.APIResource
	read      map[string]map[string]any
}

func newRenderLookup(conf *rest.Config) *renderLookup {
	return &renderLookup{conf: conf, resources: map[kschema.GroupVersionKind]metav1.APIResource{}, read: map[string]map[string]any{}}
}

func (l *renderLookup) lookup(apiVersion, kind, namespace, name string) (map[string]any, error) {
	gvk := kschema.FromAPIVersionAndKind(apiVersion, kind)
	res, err := l.resource(gvk)
	if err != nil {
		return map[string]any{}, err
	}
	if !res.Namespaced {
		namespace = ""
	}
	key := gvk.String() + "\x00" + namespace + "\x00" + name
	if content, ok := l.read[key]; ok {
		return runtime.DeepCopyJSON(content), nil
	}
	client := l.client.Resource(gvk.GroupVersion().WithResource(res.Name))
	var reader dynamic.ResourceInterface = client
	if namespace != "" {
		reader = client.Namespace(namespace)
	}
	var obj interface{ UnstructuredContent() map[string]any }
	if name != "" {
		obj, err = reader.Get(context.Background(), name, metav1.GetOptions{})
	} else {
		obj, err = reader.List(context.Background(), metav1.ListOptions{})
	}
	content := map[string]any{}
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return map[string]any{}, err
	default:
		content = obj.UnstructuredContent()
	}
	l.read[key] = content
	return runtime.DeepCopyJSON(content), nil
}

// resource finds the resource of a kind, as Helm's lookup does: the first of its group
// version's resources of that kind that is not a subresource.
func (l *renderLookup) resource(gvk kschema.GroupVersionKind) (metav1.APIResource, error) {
	if res, ok := l.resources[gvk]; ok {
		return res, nil
	}
	if l.client == nil {
		var err error
		if l.client, err = dynamic.NewForConfig(l.conf); err != nil {
			return metav1.APIResource{}, err
		}
		if l.disco, err = discovery.NewDiscoveryClientForConfig(l.conf); err != nil {
			return metav1.APIResource{}, err
		}
	}
	list, err := l.disco.ServerResourcesForGroupVersion(gvk.GroupVersion().String())
	if err != nil {
		return metav1.APIResource{}, err
	}
	for _, res := range list.APIResources {
		if res.Kind == gvk.Kind && !strings.Contains(res.Name, "/") {
			l.resources[gvk] = res
			return res, nil
		}
	}
	return metav1.APIResource{}, fmt.Errorf("lookup: the cluster has no kind %s", gvk)
}
