package config

import (
	"errors"
	"strings"
	"testing"
)

func TestMonitoringLinkFillsThePlaceholders(t *testing.T) {
	r := Region{MonitoringURL: "https://grafana.example.org/d/pods?var-namespace=$NAMESPACE&var-pod=$INSTANCE-$INSTANCE&from=$__all"}
	want := "https://grafana.example.org/d/pods?var-namespace=user-alice&var-pod=jupyter-1-jupyter-1&from=$__all"
	if got := r.MonitoringLink("user-alice", "jupyter-1"); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := (Region{}).MonitoringLink("user-alice", "jupyter-1"); got != "" {
		t.Errorf("a region without a pattern gives %q", got)
	}
}

func TestMonitoringURLIsChecked(t *testing.T) {
	load := func(pattern string) error {
		_, err := Load(Sources{File: writeFile(t, "regions:\n  - id: eu\n    monitoring_url: '"+pattern+"'\n")})
		return err
	}
	for _, ok := range []string{"https://grafana.example.org/d/x?var-ns=$NAMESPACE&var-release=$INSTANCE", "http://127.0.0.1:3000/$NAMESPACE/${dashboard}"} {
		if err := load(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for pattern, rule := range map[string]string{
		"grafana.example.org/$NAMESPACE":         "http or https URL",
		"ftp://grafana.example.org/":             "http or https URL",
		"https:///d/$NAMESPACE":                  "http or https URL",
		"https://grafana.example.org/$NAMESPAC":  "placeholders $NAMESPACE and $INSTANCE only; got $NAMESPAC",
		"https://grafana.example.org/$RELEASE/x": "got $RELEASE",
	} {
		err := load(pattern)
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), "regions[0].monitoring_url") || !strings.Contains(err.Error(), rule) {
			t.Errorf("%s: %v, want regions[0].monitoring_url: ...%s", pattern, err, rule)
		}
	}
}
