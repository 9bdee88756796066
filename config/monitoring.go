package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// The placeholders of a region's monitoring_url, as Onyxia names them in
// monitoring.URLPattern.
const (
	MonitoringNamespace = "$NAMESPACE"
	MonitoringInstance  = "$INSTANCE"
)

// MonitoringLink is the monitoring page of a service (its Helm release) in a namespace, from
// the region's monitoring_url; "" when the region has none.
func (r Region) MonitoringLink(namespace, release string) string {
	if r.MonitoringURL == "" {
		return ""
	}
	return strings.NewReplacer(MonitoringNamespace, namespace, MonitoringInstance, release).Replace(r.MonitoringURL)
}

// placeholderLike is what a mistyped placeholder looks like; a dashboard's own variables
// ($__all, ${var}) are not.
var placeholderLike = regexp.MustCompile(`\$[A-Z][A-Z0-9_]*`)

// CheckMonitoringURL says what is wrong with a region's monitoring_url, if anything.
func CheckMonitoringURL(pattern string) error {
	if pattern == "" {
		return nil
	}
	for _, p := range placeholderLike.FindAllString(pattern, -1) {
		if p != MonitoringNamespace && p != MonitoringInstance {
			return fmt.Errorf("knows the placeholders %s and %s only; got %s", MonitoringNamespace, MonitoringInstance, p)
		}
	}
	u, err := url.Parse(Region{MonitoringURL: pattern}.MonitoringLink("namespace", "release"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("must be an http or https URL, such as https://grafana.example.org/d/pods?var-namespace=%s; got %q", MonitoringNamespace, pattern)
	}
	return nil
}
