package kubernetes

import "time"

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
