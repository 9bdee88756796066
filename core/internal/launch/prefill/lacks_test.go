package prefill

import (
	"encoding/json"
	"testing"
)

// A section in the shape of Onyxia's ide/s3.json and ide/vault.json: an enabled switch and
// fields read from the context's root.
func section(root string, extra map[string]any) map[string]any {
	props := map[string]any{
		"enabled": map[string]any{"type": "boolean", "default": true},
		"url":     map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "{{" + root + ".address}}"}},
		"token":   map[string]any{"type": "string", "default": "", "x-onyxia": map[string]any{"overwriteDefaultWith": "{{" + root + ".token}}"}},
		"secret":  map[string]any{"type": "string", "default": ""},
	}
	for k, v := range extra {
		props[k] = v
	}
	return map[string]any{"type": "object", "properties": props}
}

func TestSectionsReadingWhatTheContextLacksAreSwitchedOff(t *testing.T) {
	schema := map[string]any{"type": "object", "properties": map[string]any{
		"s3": section("s3", nil), "vault": section("vault", nil),
		// reads the vault and something else: what the section gives does not hang on vault alone
		"mixed": section("vault", map[string]any{"name": map[string]any{"type": "string", "x-onyxia": map[string]any{"overwriteDefaultWith": "{{user.idep}}"}}}),
		// the chart decides
		"fixed": section("vault", map[string]any{"enabled": map[string]any{"type": "boolean", "const": true}}),
	}}
	before, _ := json.Marshal(schema)
	ctx := Context{"s3": map[string]any{"address": "https://s3.example.org", "token": "k"}, "user": map[string]any{"idep": "alice"}}

	personal := Personalize(schema, ctx)
	props := personal["properties"].(map[string]any)
	if got := props["vault"].(map[string]any)[LacksKeyword]; got != LackSecretsToken {
		t.Errorf("vault section lacks %v, want %s", got, LackSecretsToken)
	}
	for _, name := range []string{"s3", "mixed", "fixed"} {
		if got, ok := props[name].(map[string]any)[LacksKeyword]; ok {
			t.Errorf("%s section lacks %v; the context gives what it reads, or it reads more", name, got)
		}
	}
	values := Defaults(personal, ctx, nil)
	for name, want := range map[string]any{"s3": true, "vault": false, "mixed": true, "fixed": true} {
		if got := values[name].(map[string]any)["enabled"]; got != want {
			t.Errorf("%s.enabled = %v, want %v", name, got, want)
		}
	}
	if after, _ := json.Marshal(schema); string(after) != string(before) {
		t.Errorf("Personalize changed the schema it was given:\n%s\n%s", before, after)
	}

	// Without S3 credentials in the context, the S3 section says so too.
	personal = Personalize(schema, Context{"vault": map[string]any{"address": "https://vault.example.org"}, "user": map[string]any{"idep": "alice"}})
	props = personal["properties"].(map[string]any)
	if got := props["s3"].(map[string]any)[LacksKeyword]; got != LackStorageCredentials {
		t.Errorf("s3 section lacks %v, want %s", got, LackStorageCredentials)
	}
	if _, ok := props["vault"].(map[string]any)[LacksKeyword]; ok {
		t.Errorf("the vault section lacks nothing when the context has a vault")
	}
}
