package kubernetes

import (
	"net/url"
	"path"
	"strings"

	"sigs.k8s.io/yaml"
)

// manifestObject is what the plugin reads of one object of a release's manifest.
type manifestObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Replicas *int `json:"replicas"`
		// Ingress
		Rules []struct {
			Host string `json:"host"`
			HTTP *struct {
				Paths []struct {
					Path    string         `json:"path"`
					Backend ingressBackend `json:"backend"`
				} `json:"paths"`
			} `json:"http"`
		} `json:"rules"`
		DefaultBackend *ingressBackend `json:"defaultBackend"`
		// OpenShift Route
		Host string `json:"host"`
		Path string `json:"path"`
		// Istio VirtualService (hosts), Gateway API HTTPRoute (hostnames)
		Hosts     []string `json:"hosts"`
		Hostnames []string `json:"hostnames"`
		// Service
		Ports []struct {
			Name string `json:"name"`
			Port int32  `json:"port"`
		} `json:"ports"`
	} `json:"spec"`
}

// ingressBackend is where an Ingress sends a path: a Service port by number or by name, or a
// resource (no Service).
type ingressBackend struct {
	Service *struct {
		Name string `json:"name"`
		Port struct {
			Name   string `json:"name"`
			Number int32  `json:"number"`
		} `json:"port"`
	} `json:"service"`
}

// ingressRoute is one host and path of an Ingress and the Service port it sends them to: by
// name when portName is set.
type ingressRoute struct {
	host, path, service, portName string
	port                          int32
}

// workloadRef is a controller of the release whose readiness counts.
type workloadRef struct {
	kind, name string
	replicas   int // from the manifest, for when the cache does not hold it yet
}

// manifestSummary is what listing needs of a release's manifest, parsed once per revision.
type manifestSummary struct {
	workloads []workloadRef
	urls      []string
	routes    []ingressRoute // of every Ingress, whatever urlKinds says, for Backends
	// services routes / to each Service of the manifest, at its port named http (else its
	// first): Backends' answer for a release that makes no Ingress.
	services []ingressRoute
	objects  map[string]bool // "Kind/name" of every object
}

// urlKinds says which kinds of object the region reads URLs from.
type urlKinds struct{ ingress, route, istio, gatewayAPI bool }

func summarize(manifest string, kinds urlKinds) manifestSummary {
	sum := manifestSummary{objects: map[string]bool{}}
	seen := map[string]bool{}
	// addURL prefixes a scheme-less host with https://, as Onyxia does.
	addURL := func(host, p string) {
		if host == "" || strings.Contains(host, "*") {
			return
		}
		u := host
		if !strings.Contains(host, "://") {
			u = "https://" + host
		}
		if p != "" && p != "/" {
			if parsed, err := url.Parse(u); err == nil {
				parsed.Path = path.Clean("/" + p)
				u = parsed.String()
			}
		}
		if !seen[u] {
			seen[u] = true
			sum.urls = append(sum.urls, u)
		}
	}
	for _, doc := range splitManifest(manifest) {
		var o manifestObject
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil || o.Kind == "" {
			continue
		}
		sum.objects[o.Kind+"/"+o.Metadata.Name] = true
		switch o.Kind {
		case "Deployment", "StatefulSet":
			replicas := 1
			if o.Spec.Replicas != nil {
				replicas = *o.Spec.Replicas
			}
			sum.workloads = append(sum.workloads, workloadRef{o.Kind, o.Metadata.Name, replicas})
		case "DaemonSet":
			sum.workloads = append(sum.workloads, workloadRef{o.Kind, o.Metadata.Name, 1})
		case "Service":
			if len(o.Spec.Ports) > 0 {
				port := o.Spec.Ports[0]
				for _, sp := range o.Spec.Ports {
					if sp.Name == "http" {
						port = sp
						break
					}
				}
				sum.services = append(sum.services, ingressRoute{path: "/", service: o.Metadata.Name, portName: port.Name, port: port.Port})
			}
		case "Ingress":
			sum.routes = append(sum.routes, o.ingressRoutes()...)
			if kinds.ingress {
				for _, r := range o.Spec.Rules {
					if r.HTTP == nil || len(r.HTTP.Paths) == 0 {
						addURL(r.Host, "")
						continue
					}
					for _, p := range r.HTTP.Paths {
						addURL(r.Host, p.Path)
					}
				}
			}
		case "Route":
			if kinds.route {
				addURL(o.Spec.Host, o.Spec.Path)
			}
		case "VirtualService":
			if kinds.istio {
				for _, h := range o.Spec.Hosts {
					addURL(h, "")
				}
			}
		case "HTTPRoute":
			if kinds.gatewayAPI {
				for _, h := range o.Spec.Hostnames {
					addURL(h, "")
				}
			}
		}
	}
	return sum
}

// ingressRoutes lists an Ingress's paths that go to a Service, in order, then its default
// backend, which takes every host and path.
func (o *manifestObject) ingressRoutes() []ingressRoute {
	var routes []ingressRoute
	add := func(host, p string, b ingressBackend) {
		if b.Service == nil || b.Service.Name == "" {
			return
		}
		if p == "" {
			p = "/"
		}
		routes = append(routes, ingressRoute{host: host, path: p, service: b.Service.Name, portName: b.Service.Port.Name, port: b.Service.Port.Number})
	}
	for _, r := range o.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			add(r.Host, p.Path, p.Backend)
		}
	}
	if o.Spec.DefaultBackend != nil {
		add("", "/", *o.Spec.DefaultBackend)
	}
	return routes
}

// splitManifest cuts a multi-document YAML stream as Helm writes it.
func splitManifest(manifest string) []string {
	var docs []string
	for _, doc := range strings.Split("\n"+manifest, "\n---") {
		if strings.TrimSpace(doc) != "" {
			docs = append(docs, doc)
		}
	}
	return docs
}
