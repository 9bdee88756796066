package config

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Profile is the administrator's declarative user profile (Onyxia's): the fields every user
// fills once on their account page, which every launch context reads as user.profile.<field>.
type Profile struct {
	Schema     map[string]any `koanf:"schema" doc:"The profile's fields as a JSON Schema object: type object and properties, each a string, number, integer or boolean with title, description, default, enum, minimum, maximum, minLength, maxLength or pattern; required lists the fields a user must fill, x-basalt-order the order the form shows them in (others follow alphabetically). E.g. properties: {team: {type: string, title: Team, enum: [data-science, statistics]}, preferredLanguage: {type: string, default: python}, cpuBudget: {type: integer, minimum: 1, maximum: 16, default: 2}}. A chart's schema reads one with x-onyxia.overwriteDefaultWith: user.profile.team. Empty: no profile form."`
	SchemaFile string         `koanf:"schema_file" doc:"A JSON or YAML file holding the profile's schema (the form shows its fields in the file's order), instead of schema; empty: schema."`
}

// ProfileSchema is a checked profile schema: its fields in the order the form shows them.
type ProfileSchema struct {
	// Document is the JSON Schema as declared, with the fields' order under x-basalt-order.
	Document map[string]any
	Fields   []ProfileField
}

// ProfileField is one field of the profile.
type ProfileField struct {
	Name        string
	Type        string // string, number, integer or boolean
	Title       string
	Description string
	Default     any
	Enum        []any
	Minimum     *float64
	Maximum     *float64
	MinLength   *int
	MaxLength   *int
	Pattern     *regexp.Regexp
	Required    bool
}

// ProfileViolation is a profile value that breaks its field's rule.
type ProfileViolation struct {
	Field string
	Rule  string
}

// profileOrderKey is the keyword that orders the fields (launch schemas use the same one).
const profileOrderKey = "x-basalt-order"

// A profile is small: what a user says about themselves, not data.
const (
	maxProfileFields   = 100
	maxProfileText     = 1000 // characters of a text field without maxLength
	profileFieldSyntax = `^[A-Za-z][A-Za-z0-9_]{0,63}$`
)

var profileFieldName = regexp.MustCompile(profileFieldSyntax)

// Declared reports whether the configuration declares a profile.
func (p Profile) Declared() bool { return len(p.Schema) > 0 || p.SchemaFile != "" }

// Load reads and checks the profile's schema; nil when none is declared. Errors name the key
// and the field at fault.
func (p Profile) Load() (*ProfileSchema, error) {
	switch {
	case len(p.Schema) > 0 && p.SchemaFile != "":
		return nil, &KeyError{Key: "profile.schema_file", Problem: "set either profile.schema or profile.schema_file, not both"}
	case p.SchemaFile != "":
		doc, err := readProfileFile(p.SchemaFile)
		if err != nil {
			return nil, &KeyError{Key: "profile.schema_file", Problem: err.Error()}
		}
		return parseProfileSchema("profile.schema_file", doc)
	case len(p.Schema) > 0:
		return parseProfileSchema("profile.schema", p.Schema)
	}
	return nil, nil
}

// readProfileFile reads a schema file, recording its properties' order: YAML's node tree
// keeps it (and JSON is YAML).
func readProfileFile(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the profile schema: %v", err)
	}
	var node yamlv3.Node
	if err := yamlv3.Unmarshal(raw, &node); err != nil {
		return nil, fmt.Errorf("%s is neither JSON nor YAML: %v", path, err)
	}
	var doc map[string]any
	if err := node.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s must hold a JSON Schema object: %v", path, err)
	}
	if _, ordered := doc[profileOrderKey]; !ordered && len(node.Content) == 1 {
		if order := propertyOrder(node.Content[0]); len(order) > 0 {
			doc[profileOrderKey] = order
		}
	}
	return doc, nil
}

// propertyOrder is the order of the properties mapping's keys in a schema's node.
func propertyOrder(root *yamlv3.Node) []any {
	if root.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "properties" || root.Content[i+1].Kind != yamlv3.MappingNode {
			continue
		}
		props := root.Content[i+1].Content
		var out []any
		for j := 0; j < len(props); j += 2 {
			out = append(out, props[j].Value)
		}
		return out
	}
	return nil
}

// The keywords a profile field may use; anything else is a mistake worth reporting at start.
var profileFieldKeywords = []string{"type", "title", "description", "default", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern"}

func parseProfileSchema(key string, doc map[string]any) (*ProfileSchema, error) {
	bad := func(at, format string, args ...any) error {
		return &KeyError{Key: key + at, Problem: fmt.Sprintf(format, args...)}
	}
	if t, ok := doc["type"]; ok && t != "object" {
		return nil, bad(".type", "must be object (the profile is an object of fields); got %v", t)
	}
	props, ok := doc["properties"].(map[string]any)
	if !ok || len(props) == 0 {
		return nil, bad(".properties", "must map each field's name to its schema, e.g. team: {type: string, title: Team}")
	}
	if len(props) > maxProfileFields {
		return nil, bad(".properties", "holds %d fields; a profile has at most %d", len(props), maxProfileFields)
	}
	required := map[string]bool{}
	if list, ok := doc["required"]; ok {
		names, ok := list.([]any)
		if !ok {
			return nil, bad(".required", "must be a list of field names")
		}
		for i, n := range names {
			name, _ := n.(string)
			if _, ok := props[name]; !ok {
				return nil, bad(fmt.Sprintf(".required[%d]", i), "names no field of properties; got %v", n)
			}
			required[name] = true
		}
	}
	var order []string
	if list, ok := doc[profileOrderKey]; ok {
		names, ok := list.([]any)
		if !ok {
			return nil, bad("."+profileOrderKey, "must be a list of field names")
		}
		for i, n := range names {
			name, _ := n.(string)
			if _, ok := props[name]; !ok {
				return nil, bad(fmt.Sprintf(".%s[%d]", profileOrderKey, i), "names no field of properties; got %v", n)
			}
			if !slices.Contains(order, name) {
				order = append(order, name)
			}
		}
	}
	var rest []string
	for name := range props {
		if !slices.Contains(order, name) {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	out := &ProfileSchema{Document: doc}
	for _, name := range append(order, rest...) {
		at := ".properties." + name
		if !profileFieldName.MatchString(name) {
			return nil, bad(at, "a field's name must be a letter then letters, digits or _ (at most 64), so that user.profile.%s reads it", name)
		}
		spec, ok := props[name].(map[string]any)
		if !ok {
			return nil, bad(at, "must be the field's schema, e.g. {type: string, title: Team}")
		}
		f, err := profileField(name, spec, func(kw, format string, args ...any) error { return bad(at+"."+kw, format, args...) })
		if err != nil {
			return nil, err
		}
		f.Required = required[name]
		out.Fields = append(out.Fields, f)
	}
	return out, nil
}

func profileField(name string, spec map[string]any, bad func(kw, format string, args ...any) error) (ProfileField, error) {
	f := ProfileField{Name: name}
	for kw := range spec {
		if !slices.Contains(profileFieldKeywords, kw) {
			return f, bad(kw, "is not a keyword a profile field knows (%s)", strings.Join(profileFieldKeywords, ", "))
		}
	}
	f.Type, _ = spec["type"].(string)
	switch f.Type {
	case "string", "number", "integer", "boolean":
	default:
		return f, bad("type", "must be string, number, integer or boolean; got %v", spec["type"])
	}
	for kw, dst := range map[string]*string{"title": &f.Title, "description": &f.Description} {
		if v, ok := spec[kw]; ok {
			if *dst, ok = v.(string); !ok {
				return f, bad(kw, "must be text")
			}
		}
	}
	if f.Title == "" {
		f.Title = name
	}
	for kw, dst := range map[string]**float64{"minimum": &f.Minimum, "maximum": &f.Maximum} {
		if v, ok := spec[kw]; ok {
			n, ok := number(v)
			if !ok || (f.Type != "number" && f.Type != "integer") {
				return f, bad(kw, "must be a number, on a number or integer field")
			}
			*dst = &n
		}
	}
	for kw, dst := range map[string]**int{"minLength": &f.MinLength, "maxLength": &f.MaxLength} {
		if v, ok := spec[kw]; ok {
			n, ok := number(v)
			if !ok || n < 0 || n != math.Trunc(n) || f.Type != "string" {
				return f, bad(kw, "must be a whole number, not negative, on a string field")
			}
			i := int(n)
			*dst = &i
		}
	}
	if v, ok := spec["pattern"]; ok {
		p, ok := v.(string)
		if !ok || f.Type != "string" {
			return f, bad("pattern", "must be a regular expression, on a string field")
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return f, bad("pattern", "is not a regular expression: %v", err)
		}
		f.Pattern = re
	}
	if f.Minimum != nil && f.Maximum != nil && *f.Minimum > *f.Maximum {
		return f, bad("minimum", "is above maximum")
	}
	if f.MinLength != nil && f.MaxLength != nil && *f.MinLength > *f.MaxLength {
		return f, bad("minLength", "is above maxLength")
	}
	if v, ok := spec["enum"]; ok {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return f, bad("enum", "must be a list of the values allowed")
		}
		for i, x := range list {
			x = normalised(x)
			if rule := f.typeRule(x); rule != "" {
				return f, bad(fmt.Sprintf("enum[%d]", i), "%s; got %v", rule, x)
			}
			f.Enum = append(f.Enum, x)
		}
	}
	if v, ok := spec["default"]; ok {
		f.Default = normalised(v)
		if rule := f.Check(f.Default); rule != "" {
			return f, bad("default", "%s; got %v", rule, v)
		}
	}
	return f, nil
}

// Check says which rule of the field a value breaks; "" when it fits.
func (f ProfileField) Check(v any) string {
	v = normalised(v)
	if rule := f.typeRule(v); rule != "" {
		return rule
	}
	if len(f.Enum) > 0 && !slices.Contains(f.Enum, v) {
		return "must be one of " + strings.Join(texts(f.Enum), ", ")
	}
	switch v := v.(type) {
	case float64:
		if f.Minimum != nil && v < *f.Minimum {
			return fmt.Sprintf("must be at least %v", *f.Minimum)
		}
		if f.Maximum != nil && v > *f.Maximum {
			return fmt.Sprintf("must be at most %v", *f.Maximum)
		}
	case string:
		n := utf8.RuneCountInString(v)
		limit := maxProfileText
		if f.MaxLength != nil {
			limit = *f.MaxLength
		}
		if n > limit {
			return fmt.Sprintf("must be at most %d characters long", limit)
		}
		if f.MinLength != nil && n < *f.MinLength {
			return fmt.Sprintf("must be at least %d characters long", *f.MinLength)
		}
		if f.Pattern != nil && !f.Pattern.MatchString(v) {
			return "must match " + f.Pattern.String()
		}
	}
	return ""
}

func (f ProfileField) typeRule(v any) string {
	switch f.Type {
	case "string":
		if _, ok := v.(string); !ok {
			return "must be text"
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return "must be true or false"
		}
	case "number", "integer":
		n, ok := v.(float64)
		if !ok {
			return "must be a number"
		}
		if f.Type == "integer" && n != math.Trunc(n) {
			return "must be a whole number"
		}
	}
	return ""
}

// Field returns the named field.
func (s *ProfileSchema) Field(name string) (ProfileField, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return ProfileField{}, false
}

// Check names every value that cannot be saved: unknown fields, values that break their
// field's rules, required fields left out.
func (s *ProfileSchema) Check(values map[string]any) []ProfileViolation {
	var out []ProfileViolation
	for _, name := range sortedKeys(values) {
		f, ok := s.Field(name)
		if !ok {
			out = append(out, ProfileViolation{Field: name, Rule: "is not a field of the profile (" + strings.Join(s.Names(), ", ") + ")"})
			continue
		}
		if values[name] == nil {
			continue // cleared: the default applies
		}
		if rule := f.Check(values[name]); rule != "" {
			out = append(out, ProfileViolation{Field: name, Rule: rule})
		}
	}
	for _, f := range s.Fields {
		if v, ok := values[f.Name]; f.Required && (!ok || v == nil || v == "") {
			out = append(out, ProfileViolation{Field: f.Name, Rule: "is required"})
		}
	}
	return out
}

// Names are the fields' names, in the form's order.
func (s *ProfileSchema) Names() []string {
	out := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		out[i] = f.Name
	}
	return out
}

// Effective is what launches read of a user's saved values: each field's value when it still
// fits the schema (an administrator may have changed it since), else its default; fields
// with neither are absent.
func (s *ProfileSchema) Effective(saved map[string]any) map[string]any {
	out := map[string]any{}
	for _, f := range s.Fields {
		if v, ok := saved[f.Name]; ok && v != nil && f.Check(v) == "" {
			out[f.Name] = normalised(v)
		} else if f.Default != nil {
			out[f.Name] = f.Default
		}
	}
	return out
}

// normalised turns every number into a float64, as JSON decodes them, so that values from
// YAML (int) and from requests compare equal.
func normalised(v any) any {
	if n, ok := number(v); ok {
		return n
	}
	return v
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func texts(list []any) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
