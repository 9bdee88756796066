package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Kinds are the plugin kinds a plugin instance may declare.
var Kinds = []string{"storage", "secrets", "catalog", "region"}

// KeyError is a configuration problem tied to one key.
type KeyError struct {
	Key     string
	Problem string
}

func (e *KeyError) Error() string { return e.Key + ": " + e.Problem }

// Validate checks what decoding cannot: values in range, addresses that parse, plugin
// binaries that exist. Every problem is reported, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &KeyError{Key: key, Problem: fmt.Sprintf(format, args...)})
	}

	if _, _, err := net.SplitHostPort(c.Server.Address); err != nil {
		bad("server.address", "must be host:port (%v)", err)
	}
	if a := c.Server.MetricsAddress; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			bad("server.metrics_address", "must be host:port (%v)", err)
		} else if a == c.Server.Address {
			bad("server.metrics_address", "must differ from server.address, or metrics would be served to everyone")
		}
	}
	if c.Server.Profiling && c.Server.MetricsAddress == "" {
		bad("server.profiling", "needs server.metrics_address: profiles are served only on the metrics listener, never on server.address")
	}
	if c.Server.PublicURL != "" {
		if u, err := url.Parse(c.Server.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("server.public_url", "must be an absolute URL such as https://basalt.example.org")
		}
	}
	if c.Server.ShutdownTimeout < 0 {
		bad("server.shutdown_timeout", "must not be negative")
	}
	for i, origin := range c.Server.CORSOrigins {
		if u, err := url.Parse(origin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			bad(fmt.Sprintf("server.cors_origins[%d]", i), "must be an origin such as https://app.example.org (no path, no wildcard); got %q", origin)
		}
	}
	if c.Server.MaxBodyBytes <= 0 {
		bad("server.max_body_bytes", "must be positive")
	}
	if r := c.Server.RateLimit; r.LoginPerMinute < 0 || r.LaunchPerMinute < 0 || r.Burst < 1 {
		bad("server.rate_limit", "rates must not be negative and burst must be at least 1")
	}
	if t := c.Server.Timeouts; t.ReadHeader <= 0 || t.Read <= 0 || t.Write <= 0 || t.Idle <= 0 {
		bad("server.timeouts", "read_header, read, write and idle must be positive")
	}
	if c.Server.MaxStreamsPerUser < 0 {
		bad("server.max_streams_per_user", "must not be negative (0 turns the cap off)")
	}
	if c.Audit.WebhookURL != "" {
		if u, err := url.Parse(c.Audit.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("audit.webhook_url", "must be an http(s) URL")
		}
	}
	if c.Audit.WebhookTimeout <= 0 {
		bad("audit.webhook_timeout", "must be positive")
	}
	c.UI.validate(bad)
	c.Lifecycle.validate(c.Regions, bad)
	c.Gateway.validate(bad)
	if c.Gateway.Enabled && c.Server.PublicURL != "" {
		if u, err := url.Parse(c.Server.PublicURL); err == nil {
			domain, _ := c.Gateway.Apps(c.Server)
			apps, _, _ := strings.Cut(domain, ":")
			portal := strings.ToLower(u.Hostname())
			if apps == portal || strings.HasSuffix(apps, "."+portal) {
				bad("gateway.apps_domain", "must be neither server.public_url's host nor under it: a service's pages would carry the portal's session")
			}
		}
	}
	c.Telemetry.Tracing.validate(bad)
	if _, err := c.Profile.Load(); err != nil {
		errs = append(errs, err)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "must be one of debug, info, warn, error; got %q", c.Log.Level)
	}
	if !slices.Contains([]string{"text", "json"}, c.Log.Format) {
		bad("log.format", "must be text or json; got %q", c.Log.Format)
	}

	switch c.Auth.Mode {
	case "local":
	case "oidc":
		o := c.Auth.OIDC
		if u, err := url.Parse(o.IssuerURL); err != nil || u.Scheme == "" || u.Host == "" {
			bad("auth.oidc.issuer_url", "is required in oidc mode: the provider's issuer URL")
		}
		if o.ClientID == "" {
			bad("auth.oidc.client_id", "is required in oidc mode")
		}
		if o.UsernameClaim == "" {
			bad("auth.oidc.username_claim", "must name the claim that holds the username")
		}
		if len(c.Auth.Session.Key) < 32 {
			bad("auth.session.key", "must be at least 32 characters in oidc mode (it encrypts session cookies)")
		}
		if c.Server.PublicURL == "" {
			bad("server.public_url", "is required in oidc mode: the provider redirects users back to it")
		}
	default:
		bad("auth.mode", "must be local or oidc; got %q", c.Auth.Mode)
	}
	if c.Auth.Session.IdleTimeout <= 0 || c.Auth.Session.MaxAge <= 0 || c.Auth.Session.CheckInterval <= 0 {
		bad("auth.session", "idle_timeout, max_age and check_interval must be positive")
	}
	if t := c.Auth.Tokens; t.Enabled {
		if t.MaxTTL < time.Hour || t.CacheTTL <= 0 || t.CacheTTL > time.Minute {
			bad("auth.tokens", "max_ttl must be at least 1h, and cache_ttl between 1ns and 1m (how long a revoked token may still work elsewhere)")
		}
		if t.Region != "" && !slices.ContainsFunc(c.Regions, func(r Region) bool { return r.ID == t.Region }) {
			bad("auth.tokens.region", "must name a region of regions[]; got %q", t.Region)
		}
	}
	for key, pattern := range map[string]string{"projects.included_group_pattern": c.Projects.IncludedGroupPattern,
		"projects.excluded_group_pattern": c.Projects.ExcludedGroupPattern} {
		if _, err := regexp.Compile(pattern); err != nil {
			bad(key, "must be a regular expression: %v", err)
		}
	}
	if c.Projects.TransformGroupPattern != "" && c.Projects.IncludedGroupPattern == "" {
		bad("projects.transform_group_pattern", "needs projects.included_group_pattern, whose match it rewrites")
	}
	for key, prefix := range map[string]string{"projects.user_prefix": c.Projects.UserPrefix, "projects.group_prefix": c.Projects.GroupPrefix} {
		if !dnsPrefix.MatchString(prefix) {
			bad(key, "must be lower-case letters, digits and dashes, starting with a letter; got %q", prefix)
		}
	}
	if u, g := c.Projects.UserPrefix, c.Projects.GroupPrefix; strings.HasPrefix(u, g) || strings.HasPrefix(g, u) {
		// user- and user-g-: the user g-x and the group x would both have the project user-g-x.
		bad("projects.group_prefix", "%q and projects.user_prefix %q: neither may start the other, or a user and a group could share a project", g, u)
	}

	for key, path := range map[string]string{"authz.model": c.Authz.Model, "authz.policy": c.Authz.Policy, "launch.schemas": c.Launch.Schemas} {
		if path != "" {
			if _, err := os.Stat(path); err != nil {
				bad(key, "cannot read %s", path)
			}
		}
	}

	names := make([]string, 0, len(c.Plugins))
	for name := range c.Plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := c.Plugins[name]
		key := "plugins." + name
		if !slices.Contains(Kinds, p.Kind) {
			bad(key+".kind", "must be one of %s; got %q", strings.Join(Kinds, ", "), p.Kind)
		}
		// Whether the executable exists is checked when the plugin starts, so that a
		// configuration can be read, rendered and checked on a machine without the binaries.
		if p.Path == "" {
			bad(key+".path", "is required: the plugin's executable")
		}
		if p.SHA256 != "" {
			if b, err := hex.DecodeString(p.SHA256); err != nil || len(b) != 32 {
				bad(key+".sha256", "must be 64 hexadecimal digits")
			}
		}
		if p.StartTimeout < 0 {
			bad(key+".start_timeout", "must not be negative")
		}
		for i, v := range p.Env {
			switch {
			case !envVarName.MatchString(v):
				bad(fmt.Sprintf("%s.env[%d]", key, i), "must be the name of an environment variable (letters, digits and _, not starting with a digit); got %q", v)
			case strings.HasPrefix(v, EnvPrefix) && !strings.HasPrefix(v, PluginEnvPrefix):
				bad(fmt.Sprintf("%s.env[%d]", key, i), "must not name Basalt's own configuration (%s*), which stays with the core; got %q", EnvPrefix, v)
			}
		}
	}
	seen := map[string]bool{}
	for n, r := range c.Regions {
		key := fmt.Sprintf("regions[%d]", n)
		if !dnsPrefix.MatchString(r.ID) {
			bad(key+".id", "must be lower-case letters, digits and dashes, starting with a letter; got %q", r.ID)
		} else if seen[r.ID] {
			bad(key+".id", "%q is already the id of another region", r.ID)
		}
		seen[r.ID] = true
		switch r.SecretInjection {
		case "", SecretInjectionScopedToken, SecretInjectionUserToken, SecretInjectionKubernetesSecret:
		default:
			bad(key+".secret_injection", "must be scoped-token, user-token or kubernetes-secret; got %q", r.SecretInjection)
		}
		if r.SecretTokenTTL < 0 {
			bad(key+".secret_token_ttl", "must not be negative")
		}
		for field, q := range map[string]string{"cpu_request": r.Resources.CPURequest, "cpu_limit": r.Resources.CPULimit,
			"memory_request": r.Resources.MemoryRequest, "memory_limit": r.Resources.MemoryLimit} {
			if q != "" && !quantity.MatchString(q) {
				bad(key+".resources."+field, "must be a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi; got %q", q)
			}
		}
		if err := CheckMonitoringURL(r.MonitoringURL); err != nil {
			bad(key+".monitoring_url", "%s", err)
		}
		r.Prometheus.validate(key+".prometheus", bad)
		if r.Settings != "" {
			if _, err := os.Stat(r.Settings); err != nil {
				bad(key+".settings", "cannot read %s", r.Settings)
			}
		}
		for field, ref := range map[string]struct{ name, kind string }{
			"region": {r.Region, "region"}, "storage": {r.Storage, "storage"}, "secrets": {r.Secrets, "secrets"},
		} {
			if ref.name == "" {
				continue
			}
			p, ok := c.Plugins[ref.name]
			switch {
			case !ok:
				bad(key+"."+field, "no plugin named %q in plugins", ref.name)
			case p.Kind != ref.kind:
				bad(key+"."+field, "plugin %q is a %s plugin, not %s", ref.name, p.Kind, ref.kind)
			}
		}
	}
	return errors.Join(errs...)
}

var dnsPrefix = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// quantity is the grammar of a Kubernetes resource quantity (a decimal number with an
// optional binary, decimal or exponent suffix), positive and without a sign.
var quantity = regexp.MustCompile(`^([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$`)

// ResolvePluginPath finds a plugin's executable: a path with a slash is used as is; a bare
// name is looked up beside the running basalt binary, then on PATH.
func ResolvePluginPath(path string) (string, error) {
	if strings.ContainsRune(path, filepath.Separator) {
		return checkExecutable(path)
	}
	if self, err := os.Executable(); err == nil {
		if found, err := checkExecutable(filepath.Join(filepath.Dir(self), path)); err == nil {
			return found, nil
		}
	}
	found, err := exec.LookPath(path)
	if err != nil {
		return "", fmt.Errorf("no executable %q beside basalt nor on PATH", path)
	}
	return filepath.Abs(found)
}

func checkExecutable(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("no plugin executable at %s", path)
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", path)
	}
	return filepath.Abs(path)
}
