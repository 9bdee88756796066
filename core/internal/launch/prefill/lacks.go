package prefill

import "strings"

// What a launch context may lack that a whole section of a form reads, in the words of
// /api/v1/config's regions[].lacks: Onyxia's ide/s3.json and ide/vault.json fill every field
// from the context's s3 and vault, which a region without S3 credentials (local files) or
// without a Vault (the local secrets store, no secrets store) does not give.
const (
	LackStorageCredentials = "storageCredentials"
	LackSecretsToken       = "secretsToken"
)

// LacksKeyword marks, in a personalised schema, a section whose fields read only what the
// context lacks; its value is one of the Lack constants. The form carries it (form.Field.Lacks)
// so that the portal says why the section is off.
const LacksKeyword = "x-basalt-lacks"

// lackOfRoot names what the context lacks when it has no such root.
var lackOfRoot = map[string]string{"s3": LackStorageCredentials, "vault": LackSecretsToken}

// lacking reports what the context lacks that the object s reads: s has an enabled switch,
// and its other fields read (overwriteDefaultWith) only one of the context's s3 or vault,
// which ctx does not have. Such a section, left on, would give the service empty settings.
func lacking(s map[string]any, ctx Context) string {
	props, ok := s["properties"].(map[string]any)
	if !ok {
		return ""
	}
	enabled, ok := props["enabled"].(map[string]any)
	if !ok || !hasType(enabled, "boolean") {
		return ""
	}
	if _, fixed := enabled["const"]; fixed {
		return "" // the chart decides
	}
	if _, computed := xOnyxia(enabled)["overwriteDefaultWith"]; computed {
		return ""
	}
	root := ""
	for key, p := range props {
		ps, ok := p.(map[string]any)
		if !ok || key == "enabled" {
			continue
		}
		expr, ok := xOnyxia(ps)["overwriteDefaultWith"]
		if !ok {
			continue
		}
		for _, path := range Paths(expr) {
			r, _, _ := strings.Cut(path, ".")
			if _, known := lackOfRoot[r]; !known || (root != "" && r != root) {
				return "" // the section reads more than one of them, or something else
			}
			root = r
		}
	}
	if root == "" {
		return ""
	}
	if v, ok := lookup(ctx, root); ok && v != nil {
		return ""
	}
	return lackOfRoot[root]
}

// switchedOff is s marked with what the context lacks and its enabled switch off by default.
// s is not modified.
func switchedOff(s map[string]any, lack string) map[string]any {
	out := make(map[string]any, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	out[LacksKeyword] = lack
	props := s["properties"].(map[string]any)
	np := make(map[string]any, len(props))
	for k, v := range props {
		np[k] = v
	}
	enabled := make(map[string]any)
	for k, v := range props["enabled"].(map[string]any) {
		enabled[k] = v
	}
	enabled["default"] = false
	np["enabled"] = enabled
	out["properties"] = np
	return out
}
