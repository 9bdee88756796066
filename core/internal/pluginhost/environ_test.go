package pluginhost

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
)

// environOf reads the environment a running process started with.
func environOf(t *testing.T, pid int) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, kv := range bytes.Split(raw, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			env[k] = v
		}
	}
	return env
}

// TestPluginsGetAnAllowListedEnvironment: a plugin's process never sees the core's
// configuration secrets nor anything else of its environment that is not on the list.
func TestPluginsGetAnAllowListedEnvironment(t *testing.T) {
	kept := map[string]string{
		"HOME": "/home/basalt", "XDG_CACHE_HOME": "/var/cache/basalt", "TZ": "Europe/Paris", "LANG": "fr_FR.UTF-8", "LC_TIME": "C",
		"HTTPS_PROXY": "http://proxy.example:3128", "https_proxy": "http://proxy.example:3128",
		"NO_PROXY": "localhost,.svc", "no_proxy": "localhost,.svc",
		"SSL_CERT_FILE": "/etc/ssl/ca.pem", "SSL_CERT_DIR": "/etc/ssl/certs",
		"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test", "GOMEMLIMIT": "1GiB",
		"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443",
		"BASALT_PLUGIN_CPUPROFILE": "",
		// named in the instance's env list
		"GOOGLE_APPLICATION_CREDENTIALS": "/etc/gcp.json",
	}
	dropped := map[string]string{
		"BASALT_AUTH__SESSION__KEY":        "canary-session-key",
		"BASALT_AUTH__OIDC__CLIENT_SECRET": "canary-oidc-secret",
		"BASALT_SERVER__PUBLIC_URL":        "https://basalt.example",
		"SECRET":                           "canary-unrelated",
		"AWS_SECRET_ACCESS_KEY":            "canary-aws",
		"VAULT_TOKEN":                      "canary-vault",
		"LD_PRELOAD":                       "/tmp/evil.so",
	}
	p := memory(t, "storage", nil) // built before the proxy variables would reach go build
	p.Env = []string{"GOOGLE_APPLICATION_CREDENTIALS"}
	for k, v := range kept {
		t.Setenv(k, v)
	}
	for k, v := range dropped {
		t.Setenv(k, v)
	}
	h, _ := newHost(t, map[string]config.Plugin{"files": p})
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	env := environOf(t, h.Instance("files").PID())

	for k := range dropped {
		if v, ok := env[k]; ok {
			t.Errorf("the plugin's environment has %s=%s", k, v)
		}
	}
	for k, v := range kept {
		if got, ok := env[k]; !ok || got != v {
			t.Errorf("the plugin's environment: %s=%q (set: %v), want %q", k, got, ok, v)
		}
	}
	if env["PATH"] != os.Getenv("PATH") {
		t.Errorf("PATH=%q, want the core's", env["PATH"])
	}
	// What go-plugin and the host add for the handshake and the private channel.
	for _, k := range []string{"BASALT_PLUGIN_MAGIC_COOKIE", "PLUGIN_PROTOCOL_VERSIONS", "PLUGIN_CLIENT_CERT", "BASALT_PLUGIN_CHANNEL_FD", "OTEL_SDK_DISABLED"} {
		if _, ok := env[k]; !ok {
			t.Errorf("the plugin's environment lacks %s", k)
		}
	}
}
