package kubernetes

import (
	"time"

	"k8s.io/client-go/rest"

	"k8s.io/utils/lru"
)

// AgeClusterAPIs makes what the region knows of the cluster's APIs (its capabilities and the
// discovery documents Helm's clients read) older by d, as if d had passed.
func AgeClusterAPIs(p *Plugin, d time.Duration) {
	_, c, err := p.configured()
	if err != nil {
		return
	}
	c.capsMu.Lock()
	c.capsAge = c.capsAge.Add(-d)
	c.capsMu.Unlock()
	c.discovery.mu.Lock()
	for key, e := range c.discovery.m {
		e.at = e.at.Add(-d)
		c.discovery.m[key] = e
	}
	c.discovery.mu.Unlock()
}

// TwinTakeBack is how long an install whose bet was lost waits before Helm's checks.
const TwinTakeBack = twinTakeBack

// CapabilitiesTTL is how long the region takes to see a new API.
const CapabilitiesTTL = capabilitiesTTL

// ClusterWideCaches says whether the region reads releases from caches of every namespace at
// once (rather than one namespace's each).
func ClusterWideCaches(p *Plugin) bool {
	_, c, err := p.configured()
	if err != nil {
		return false
	}
	c.spaces.wide.mu.Lock()
	defer c.spaces.wide.mu.Unlock()
	return c.spaces.wide.running != nil
}

// KeepHelmConfigurations makes the region keep at most n Helm configurations and REST client
// getters from now on, and KeptHelmConfigurations says how many it keeps.
func KeepHelmConfigurations(p *Plugin, n int) {
	_, c, err := p.configured()
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.helm, c.getters = lru.New(n), lru.New(n)
}

func KeptHelmConfigurations(p *Plugin) (configurations, getters int) {
	_, c, err := p.configured()
	if err != nil {
		return 0, 0
	}
	return c.helm.Len(), c.getters.Len()
}

// MaskManifest masks a manifest's Secrets, as dry runs show them.
func MaskManifest(manifest string) string { return maskManifest(manifest) }

// PrerenderedInstalls is how many installs Helm made of a chart rendered ahead.
func PrerenderedInstalls() int64 { return prerenderedInstalls.Load() }

// RenderLookup is the lookup of one render, as prerendered installs have it.
func RenderLookup(conf *rest.Config) func(apiVersion, kind, namespace, name string) (map[string]any, error) {
	return newRenderLookup(conf).lookup
}
