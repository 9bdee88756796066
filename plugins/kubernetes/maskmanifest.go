package kubernetes

import (
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/basalt-dev/basalt/sdk"
)

// maskManifest copies a release's manifest for showing: the data of its Secrets and literal
// environment values under secret-looking names (JUPYTER_TOKEN, PASSWORD...) are replaced. A
// document that does not parse is left out rather than shown unmasked.
func maskManifest(manifest string) string {
	var out []string
	for _, doc := range strings.Split(manifest, "\n---") {
		doc = strings.TrimPrefix(strings.TrimSpace(doc), "---")
		if strings.TrimSpace(doc) == "" {
			continue
		}
		var source string // Helm's "# Source: chart/templates/x.yaml" line, kept for reading
		if first, _, _ := strings.Cut(strings.TrimSpace(doc), "\n"); strings.HasPrefix(first, "# Source:") {
			source = first + "\n"
		}
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
			continue
		}
		if obj["kind"] == "Secret" {
			for _, field := range []string{"data", "stringData"} {
				if data, ok := obj[field].(map[string]any); ok {
					for k := range data {
						data[k] = sdk.Masked
					}
				}
			}
		}
		maskEnv(obj)
		data, err := yaml.Marshal(obj)
		if err != nil {
			continue
		}
		out = append(out, source+string(data))
	}
	return strings.Join(out, "---\n")
}

// maskEnv masks, anywhere in obj, the literal value of env entries whose name looks secret.
func maskEnv(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if k == "env" {
				if list, ok := child.([]any); ok {
					for _, e := range list {
						if e, ok := e.(map[string]any); ok {
							if name, _ := e["name"].(string); sdk.SecretName(name) {
								if _, literal := e["value"].(string); literal {
									e["value"] = sdk.Masked
								}
							}
						}
					}
				}
			}
			maskEnv(child)
		}
	case []any:
		for _, child := range v {
			maskEnv(child)
		}
	}
}
