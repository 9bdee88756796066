package kubernetes

import (
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

const routedManifest = `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  defaultBackend: {service: {name: fallback, port: {number: 8080}}}
  rules:
  - host: web.example.test
    http:
      paths:
      - {pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /api, pathType: Exact, backend: {service: {name: api, port: {number: 9000}}}}
      - {path: /static, pathType: Prefix, backend: {resource: {apiGroup: example.test, kind: Bucket, name: assets}}}
  - host: bare.example.test
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: web}
spec: {host: route.example.test, to: {kind: Service, name: web}}
`

func TestIngressRoutes(t *testing.T) {
	// Routes do not depend on which kinds give URLs.
	got := summarize(routedManifest, urlKinds{}).routes
	want := []ingressRoute{
		{host: "web.example.test", path: "/", service: "web", portName: "http"},
		{host: "web.example.test", path: "/api", service: "api", port: 9000},
		{host: "", path: "/", service: "fallback", port: 8080},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes\n %+v, want\n %+v", got, want)
	}
	if urls := summarize(routedManifest, urlKinds{ingress: true}).urls; !slices.Equal(urls, []string{"https://web.example.test", "https://web.example.test/api", "https://web.example.test/static", "https://bare.example.test"}) {
		t.Errorf("urls %v", urls)
	}
}

func TestResolveEndpoints(t *testing.T) {
	ptr := func(s string) *string { return &s }
	port := func(n int32) *int32 { return &n }
	ready := func(b bool) *bool { return &b }
	service := &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
		{Name: "http", Port: 80}, {Name: "metrics", Port: 9090},
	}}}
	se := &serviceEndpoints{service: service, slices: []discoveryv1.EndpointSlice{
		{
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("metrics"), Port: port(9100)}, {Name: ptr("http"), Port: port(8080)}},
			Endpoints: []discoveryv1.Endpoint{
				{Addresses: []string{"10.0.0.2"}, Conditions: discoveryv1.EndpointConditions{Ready: ready(true)}},
				{Addresses: []string{"10.0.0.1"}}, // readiness unknown counts as ready
				{Addresses: []string{"10.0.0.3"}, Conditions: discoveryv1.EndpointConditions{Ready: ready(false)}},
			},
		},
		{
			AddressType: discoveryv1.AddressTypeIPv6,
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Port: port(8080)}},
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"fd00::1"}}},
		},
		{
			AddressType: discoveryv1.AddressTypeFQDN,
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("http"), Port: port(8080)}},
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"web.example.test"}}},
		},
		{ // serves only the other port
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Name: ptr("metrics"), Port: port(9100)}},
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.9"}}},
		},
	}}
	for _, tc := range []struct {
		what      string
		se        *serviceEndpoints
		route     ingressRoute
		port      int32
		endpoints []string
		listed    bool
	}{
		{"by name", se, ingressRoute{portName: "http"}, 80, []string{"10.0.0.1:8080", "10.0.0.2:8080", "[fd00::1]:8080"}, true},
		{"by number", se, ingressRoute{port: 9090}, 9090, []string{"10.0.0.1:9100", "10.0.0.2:9100", "10.0.0.9:9100"}, true},
		{"a number the Service lacks", se, ingressRoute{port: 81}, 81, nil, true},
		{"a name the Service lacks", se, ingressRoute{portName: "https"}, 0, nil, false},
		{"no Service, by number", &serviceEndpoints{}, ingressRoute{port: 80}, 80, nil, true},
		{"no Service, by name", &serviceEndpoints{}, ingressRoute{portName: "http"}, 0, nil, false},
		{"no slices", &serviceEndpoints{service: service}, ingressRoute{portName: "http"}, 80, nil, true},
	} {
		port, endpoints, listed := tc.se.resolve(tc.route)
		if port != tc.port || !slices.Equal(endpoints, tc.endpoints) || listed != tc.listed {
			t.Errorf("%s: port %d, endpoints %v, listed %v; want %d, %v, %v", tc.what, port, endpoints, listed, tc.port, tc.endpoints, tc.listed)
		}
	}

	// A Service of one unnamed port has slices of one unnamed port.
	single := &serviceEndpoints{
		service: &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 8888}}}},
		slices: []discoveryv1.EndpointSlice{{
			AddressType: discoveryv1.AddressTypeIPv4,
			Ports:       []discoveryv1.EndpointPort{{Port: port(8888)}},
			Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.4"}}},
		}},
	}
	if port, endpoints, _ := single.resolve(ingressRoute{port: 8888}); port != 8888 || !slices.Equal(endpoints, []string{"10.0.0.4:8888"}) {
		t.Errorf("unnamed port: %d, %v", port, endpoints)
	}
}
