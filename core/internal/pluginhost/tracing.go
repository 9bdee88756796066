package pluginhost

import (
	"os"

	"github.com/basalt-dev/basalt/sdk/tracing"
)

// processEnv is the environment a plugin process starts with: the host's, then the tracing
// variables (tracing.PluginEnv), which thus win over OTEL_* variables the host has. When the
// core traces, the plugin exports its own spans to the same collector; when it does not, the
// plugin does not either.
func processEnv(instance string) []string {
	return append(os.Environ(), tracing.PluginEnv(tracing.Active(), instance)...)
}
