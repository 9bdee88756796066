package kubernetes

import (
	"cmp"
	"context"
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/basalt-dev/basalt/sdk"
)

// Backends lists the routes of the release's Ingresses (those of its manifest, whatever
// expose says about URLs), each with the Service port it names and that port's ready
// endpoints from the Service's EndpointSlices: the pods' addresses and the port they serve
// it on. Each Service is read once, with its slices.
func (p *Plugin) Backends(ctx context.Context, req sdk.BackendsRequest) (sdk.BackendsResponse, error) {
	f, err := p.find(ctx, req.ReleaseRef)
	if err != nil {
		return sdk.BackendsResponse{}, err
	}
	_, c, err := p.configured()
	if err != nil {
		return sdk.BackendsResponse{}, err
	}
	routes := ingressRoutes(f.d.rel.Manifest)
	services := map[string]*serviceEndpoints{}
	var resp sdk.BackendsResponse
	for _, r := range routes {
		se := services[r.service]
		if se == nil {
			if se, err = c.serviceEndpoints(ctx, f.ns, r.service); err != nil {
				return sdk.BackendsResponse{}, err
			}
			services[r.service] = se
		}
		port, endpoints, ok := se.resolve(r.port)
		if !ok {
			continue // a route to a Service or port that does not exist serves nothing
		}
		resp.Backends = append(resp.Backends, sdk.Backend{Host: r.host, Path: r.path, Service: r.service, Port: port, Endpoints: endpoints})
	}
	return resp, nil
}

// ingressRoute is one host and path of an Ingress and the Service port it routes to.
type ingressRoute struct {
	host, path, service string
	port                networkingv1.ServiceBackendPort
}

// ingressRoutes reads the routes of a manifest's Ingresses, in their order; the default
// backend routes every host and path.
func ingressRoutes(manifest string) []ingressRoute {
	var out []ingressRoute
	for _, doc := range splitManifest(manifest) {
		var in networkingv1.Ingress
		if err := yaml.Unmarshal([]byte(doc), &in); err != nil || in.Kind != "Ingress" {
			continue
		}
		add := func(host, path string, b networkingv1.IngressBackend) {
			if b.Service == nil {
				return // a resource backend is no Service to probe
			}
			if path == "" {
				path = "/"
			}
			out = append(out, ingressRoute{host: host, path: path, service: b.Service.Name, port: b.Service.Port})
		}
		for _, rule := range in.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				add(rule.Host, p.Path, p.Backend)
			}
		}
		if in.Spec.DefaultBackend != nil {
			add("", "/", *in.Spec.DefaultBackend)
		}
	}
	return out
}

// serviceEndpoints is a Service's ports and the EndpointSlices that serve it; nil service
// when it does not exist.
type serviceEndpoints struct {
	service *corev1.Service
	slices  []discoveryv1.EndpointSlice
}

func (c *cluster) serviceEndpoints(ctx context.Context, ns, name string) (*serviceEndpoints, error) {
	svc, err := c.client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if isNotFound(err) {
		return &serviceEndpoints{}, nil
	}
	if err != nil {
		return nil, kubeError("reading Service "+name, err)
	}
	list, err := c.client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + name})
	if err != nil {
		return nil, kubeError("reading the endpoints of Service "+name, err)
	}
	return &serviceEndpoints{service: svc, slices: list.Items}, nil
}

// resolve finds the Service port a route names (by number or name) and the ready endpoints
// serving it, as ip:port, sorted.
func (se *serviceEndpoints) resolve(ref networkingv1.ServiceBackendPort) (int32, []string, bool) {
	if se.service == nil {
		return 0, nil, false
	}
	i := slices.IndexFunc(se.service.Spec.Ports, func(sp corev1.ServicePort) bool {
		if ref.Name != "" {
			return sp.Name == ref.Name
		}
		return sp.Port == ref.Number
	})
	if i < 0 {
		return 0, nil, false
	}
	sp := se.service.Spec.Ports[i]
	// A slice names its ports after the Service's; the number is where the pods serve it.
	var endpoints []string
	for _, slice := range se.slices {
		at := slices.IndexFunc(slice.Ports, func(p discoveryv1.EndpointPort) bool { return ptrOr(p.Name, "") == sp.Name && p.Port != nil })
		if at < 0 {
			continue
		}
		port := strconv.Itoa(int(*slice.Ports[at].Port))
		for _, e := range slice.Endpoints {
			if !ptrOr(e.Conditions.Ready, true) {
				continue
			}
			for _, addr := range e.Addresses {
				endpoints = append(endpoints, net.JoinHostPort(addr, port))
			}
		}
	}
	slices.SortFunc(endpoints, cmp.Compare)
	return sp.Port, slices.Compact(endpoints), true
}
