package gateway

import (
	"net/url"
	"strings"
)

// Apps is the apps domain, e.g. apps.example.org or localhost:8080, and the scheme services
// are served with.
type Apps struct {
	Domain string
	Scheme string
}

// sep parts a host's first label into the service and its project: service names are Helm
// release names made by Basalt, which never hold it.
const sep = "--"

// Host is the host that serves a service of a project; false when it would not be one DNS
// label (63 characters at most).
func (a Apps) Host(service, project string) (string, bool) {
	label := service + sep + project
	if len(label) > 63 || service == "" || project == "" || strings.Contains(service, sep) {
		return "", false
	}
	return label + "." + a.Domain, true
}

// URL is the address of a path of a service; "" when the service has no host.
func (a Apps) URL(service, project, path string) string {
	host, ok := a.Host(service, project)
	if !ok {
		return ""
	}
	return (&url.URL{Scheme: a.Scheme, Host: host, Path: path}).String()
}

// Parse reads the service and project a host names; false for a host outside the apps domain.
func (a Apps) Parse(host string) (service, project string, ok bool) {
	host = strings.ToLower(host)
	label, found := strings.CutSuffix(host, "."+a.Domain)
	if !found || label == "" || strings.Contains(label, ".") {
		return "", "", false
	}
	service, project, ok = strings.Cut(label, sep)
	return service, project, ok && service != "" && project != ""
}
