package vault

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSchemaMatchesConfig: the published schema and the decoded configuration name the same
// keys, so that nothing the schema accepts is refused by Configure, and the reverse.
func TestSchemaMatchesConfig(t *testing.T) {
	var schema struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal(configSchema, &schema); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	var inSchema, inConfig []string
	for k := range schema.Properties {
		inSchema = append(inSchema, k)
	}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		inConfig = append(inConfig, strings.Split(ct.Field(i).Tag.Get("json"), ",")[0])
	}
	slices.Sort(inSchema)
	slices.Sort(inConfig)
	if !slices.Equal(inSchema, inConfig) {
		t.Errorf("schema properties %v, Config fields %v", inSchema, inConfig)
	}
	if !slices.Equal(schema.Required, []string{"address", "jwtRole"}) {
		t.Errorf("required: %v", schema.Required)
	}
}
