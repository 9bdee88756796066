package pluginhost

import (
	"os"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk/tracing"
)

// inherited are the variables of the core's environment that every plugin gets: what a Go
// program, a TLS client behind a proxy and the Kubernetes client need to run. The core's
// configuration (BASALT_AUTH__SESSION__KEY, the OIDC client secret...) is not among them: a
// plugin reads its settings from its own config section, which Configure hands it.
var inherited = []string{
	"PATH", "HOME", "TMPDIR", "TZ", "LANG",
	// Where Helm's library keeps its cache and registry settings when HOME is not writable.
	"XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"GODEBUG", "GOGC", "GOMAXPROCS", "GOMEMLIMIT", "GOTRACEBACK",
	// The kubernetes plugin's way to its cluster, when its config names no kubeconfig.
	"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
}

// inheritedPrefixes start the other variables every plugin gets: locale categories, the
// OpenTelemetry SDK's settings (a plugin exports its spans where the core does) and those
// meant for plugins (config.PluginEnvPrefix).
var inheritedPrefixes = []string{"LC_", "OTEL_", config.PluginEnvPrefix}

// processEnv is the environment a plugin process starts with: the allowed part of the host's
// (inherited, inheritedPrefixes, and the names the instance's env lists), then the tracing
// variables (tracing.PluginEnv), which thus win over OTEL_* variables the host has. When the
// core traces, the plugin exports its own spans to the same collector; when it does not, the
// plugin does not either. go-plugin then adds its handshake variables.
func processEnv(instance string, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if allowedEnv(name, extra) {
			env = append(env, kv)
		}
	}
	return append(env, tracing.PluginEnv(tracing.Active(), instance)...)
}

func allowedEnv(name string, extra []string) bool {
	if slices.Contains(inherited, name) || slices.Contains(extra, name) {
		return true
	}
	for _, p := range inheritedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
