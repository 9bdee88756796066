package kubernetes

import (
	"context"
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/basalt-dev/basalt/sdk"
)

// Backends lists the routes of the Ingresses of the release's manifest (whatever expose says
// about URLs; Routes, VirtualServices and HTTPRoutes are left out), each with the Service
// port it names and that port's ready endpoints from the Service's EndpointSlices: the pods'
// addresses and the port they serve it on. A route to a Service that does not exist, or has
// no slices, has no endpoints; one that names by name a port no Service has is left out, as
// it has no port. A release that makes no Ingress (a region exposing nothing, as make run's)
// is reached at its Services instead: / of each, at its port named http, else its first,
// with no host. The Services and slices are read as the caller, each Service once.
func (p *Plugin) Backends(ctx context.Context, req sdk.BackendsRequest) (sdk.BackendsResponse, error) {
	f, client, err := p.findAsCaller(ctx, req.ReleaseRef)
	if err != nil {
		return sdk.BackendsResponse{}, err
	}
	routes := f.d.sum.routes
	if len(routes) == 0 {
		routes = f.d.sum.services
	}
	services := map[string]*serviceEndpoints{}
	var resp sdk.BackendsResponse
	for _, r := range routes {
		se := services[r.service]
		if se == nil {
			if se, err = readServiceEndpoints(ctx, client, f.ns, r.service); err != nil {
				return sdk.BackendsResponse{}, err
			}
			services[r.service] = se
		}
		port, endpoints, ok := se.resolve(r)
		if !ok {
			continue
		}
		resp.Backends = append(resp.Backends, sdk.Backend{Host: r.host, Path: r.path, Service: r.service, Port: port, Endpoints: endpoints})
	}
	return resp, nil
}

// serviceEndpoints is a Service and the EndpointSlices that serve it; nil service when it
// does not exist.
type serviceEndpoints struct {
	service *corev1.Service
	slices  []discoveryv1.EndpointSlice
}

func readServiceEndpoints(ctx context.Context, client k8s.Interface, ns, name string) (*serviceEndpoints, error) {
	svc, err := client.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if isNotFound(err) {
		return &serviceEndpoints{}, nil
	}
	if err != nil {
		return nil, kubeError("reading Service "+name, err)
	}
	list, err := client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + name})
	if err != nil {
		return nil, kubeError("reading the endpoints of Service "+name, err)
	}
	return &serviceEndpoints{service: svc, slices: list.Items}, nil
}

// resolve finds the Service port a route names and the ready endpoints serving it, as
// ip:port, sorted; false when the port is named and the Service has none of that name.
func (se *serviceEndpoints) resolve(r ingressRoute) (int32, []string, bool) {
	if se.service == nil {
		return r.port, nil, r.portName == ""
	}
	i := slices.IndexFunc(se.service.Spec.Ports, func(sp corev1.ServicePort) bool {
		if r.portName != "" {
			return sp.Name == r.portName
		}
		return sp.Port == r.port
	})
	if i < 0 {
		return r.port, nil, r.portName == ""
	}
	sp := se.service.Spec.Ports[i]
	// A slice names its ports after the Service's (a Service of one port may leave it
	// unnamed); the number is where the endpoints serve it.
	var endpoints []string
	for _, slice := range se.slices {
		if slice.AddressType == discoveryv1.AddressTypeFQDN {
			continue // names, not the addresses the contract promises
		}
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
	slices.Sort(endpoints)
	return sp.Port, slices.Compact(endpoints), true
}
