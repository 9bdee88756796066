// Package configschema decodes a plugin's configuration section by the JSON Schema the plugin
// publishes: it fills in the schema's defaults, checks the schema's rules and names the field
// and the rule of every failure, so that a plugin's own code keeps only the rules a schema
// cannot say.
//
// The rules checked are those that bear on one field: type, required, enum and const,
// minimum and maximum (exclusive or not), multipleOf, minLength, maxLength, pattern, format,
// the sizes of arrays and objects, uniqueItems, unknown keys (additionalProperties) and
// dependentRequired, wherever $ref, allOf or if/then/else put them. Rules that weigh fields
// against each other (oneOf, anyOf, not) are the plugin's to check, in its own words: the core
// has checked the whole schema before Configure, and a second, vaguer report of the same
// fault would only blur the plugin's.
package configschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/basalt-dev/basalt/sdk"
)

// Schema is a plugin's configuration schema, compiled.
type Schema struct {
	doc      []byte
	compiled *jsonschema.Schema
}

// Compile reads a JSON Schema document. Its $schema picks the draft; without one, 2020-12
// applies.
func Compile(doc []byte) (*Schema, error) {
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("configuration schema: not JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	const url = "basalt:///config.schema.json"
	if err := c.AddResource(url, parsed); err != nil {
		return nil, fmt.Errorf("configuration schema: %w", err)
	}
	compiled, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("configuration schema: %w", err)
	}
	return &Schema{doc: doc, compiled: compiled}, nil
}

// MustCompile is Compile for a schema the plugin embeds, where an error is a bug of the
// plugin: it panics.
func MustCompile(doc []byte) *Schema {
	s, err := Compile(doc)
	if err != nil {
		panic(err)
	}
	return s
}

// Document returns the schema as the plugin publishes it (its answer to ConfigSchema).
func (s *Schema) Document() []byte { return s.doc }

// Decode fills in raw the defaults its schema gives for keys it lacks, checks it and decodes
// it into v (a pointer to the plugin's configuration struct), which must have a field for
// every key the schema allows.
//
// It returns the rules raw breaks, each with the field's dotted path (list items as
// "roles[0]") and the rule in words. v is decoded as far as raw allows even then, so that the
// plugin can Add the faults its own rules find and report every fault at once. The error is
// for what cannot be decoded at all: raw not being a JSON object, or, when raw breaks no rule,
// a key v has no field for. An empty raw decodes as {}.
func (s *Schema) Decode(raw []byte, v any) (Violations, error) {
	var inst any = map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 {
		var err error
		if inst, err = jsonschema.UnmarshalJSON(bytes.NewReader(raw)); err != nil {
			return nil, sdk.Errorf(sdk.ErrInvalidArgument, "invalid configuration: not JSON: %v", err)
		}
	}
	if inst == nil {
		inst = map[string]any{}
	}
	if _, ok := inst.(map[string]any); !ok {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "invalid configuration: a JSON object is expected, not %s", jsonType(inst))
	}
	applyDefaults(s.compiled, inst)
	violations := s.violations(inst)

	filled, err := json.Marshal(inst)
	if err != nil {
		return nil, fmt.Errorf("configschema: encode the configuration: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(filled))
	dec.DisallowUnknownFields()
	// With violations, a type mismatch they already name also fails here: v keeps the rest.
	if err := dec.Decode(v); err != nil && len(violations) == 0 {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "invalid configuration: %v", err)
	}
	return violations, nil
}

// Violations are the faults of a configuration, at most one per field.
type Violations []sdk.FieldViolation

// Add records that field breaks rule, unless the field has a fault already: the first found
// (the schema's, since Decode comes first) is the one to fix, and a rule of the plugin's
// about a value the schema refused would only repeat it.
func (v *Violations) Add(field, rule string) {
	if !v.Has(field) {
		*v = append(*v, sdk.FieldViolation{Field: field, Rule: rule})
	}
}

// Has reports whether field has a fault.
func (v Violations) Has(field string) bool {
	return slices.ContainsFunc(v, func(f sdk.FieldViolation) bool { return f.Field == field })
}

// Err returns nil without faults, else an sdk.ErrInvalidArgument error with message that
// names every fault, sorted by field.
func (v Violations) Err(message string) error {
	if len(v) == 0 {
		return nil
	}
	sorted := slices.Clone(v)
	slices.SortStableFunc(sorted, func(a, b sdk.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return sdk.InvalidFields(message, sorted...)
}

// applyDefaults sets, in every object of inst that the schema describes, the default of each
// property it lacks, then does the same inside what the object holds, defaults included (an
// object property whose default is {} thus gets its own properties' defaults). Subschemas of
// oneOf and anyOf are left out: which one applies is not known before validation.
func applyDefaults(s *jsonschema.Schema, inst any) {
	if s == nil {
		return
	}
	applyDefaults(s.Ref, inst)
	for _, sub := range s.AllOf {
		applyDefaults(sub, inst)
	}
	switch inst := inst.(type) {
	case map[string]any:
		for name, prop := range s.Properties {
			if _, ok := inst[name]; !ok {
				if d := defaultOf(prop); d != nil {
					inst[name] = cloneJSON(*d)
				}
			}
			if value, ok := inst[name]; ok {
				applyDefaults(prop, value)
			}
		}
		if extra, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
			for name, value := range inst {
				if _, named := s.Properties[name]; !named {
					applyDefaults(extra, value)
				}
			}
		}
	case []any:
		for i, item := range inst {
			applyDefaults(itemSchema(s, i), item)
		}
	}
}

// defaultOf returns the default of a property's schema, or of the schema it refers to.
func defaultOf(s *jsonschema.Schema) *any {
	for ; s != nil; s = s.Ref {
		if s.Default != nil {
			return s.Default
		}
	}
	return nil
}

// itemSchema returns the schema of a list's i-th item, in draft 2020-12 or draft 7 terms.
func itemSchema(s *jsonschema.Schema, i int) *jsonschema.Schema {
	if i < len(s.PrefixItems) {
		return s.PrefixItems[i]
	}
	if s.Items2020 != nil {
		return s.Items2020
	}
	switch items := s.Items.(type) {
	case *jsonschema.Schema:
		return items
	case []*jsonschema.Schema:
		if i < len(items) {
			return items[i]
		}
	}
	return nil
}

func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneJSON(e)
		}
		return out
	}
	return v
}

// violations validates inst and returns its faults, the first of each field, sorted by field.
func (s *Schema) violations(inst any) Violations {
	err := s.compiled.Validate(inst)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			return Violations{{Field: "", Rule: err.Error()}}
		}
		return nil
	}
	var out Violations
	collect(ve, inst, &out)
	slices.SortStableFunc(out, func(a, b sdk.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// collect adds the failures at the leaves of ve's tree, skipping the rules that weigh
// alternatives (see the package's comment).
func collect(ve *jsonschema.ValidationError, inst any, out *Violations) {
	switch ve.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf, *kind.Not:
		return
	}
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collect(c, inst, out)
		}
		return
	}
	field := fieldPath(inst, ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			out.Add(join(field, name), "is required")
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			out.Add(join(field, name), "is not a setting of this plugin")
		}
	case *kind.DependentRequired:
		for _, name := range k.Missing {
			out.Add(join(field, name), "is required when "+k.Prop+" is set")
		}
	default:
		out.Add(field, rule(ve.ErrorKind))
	}
}

// rule words one failure as what the value must be.
func rule(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, t := range k.Want {
			want[i] = article(t)
		}
		return "must be " + strings.Join(want, " or ") + ", not " + article(k.Got)
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, v := range k.Want {
			want[i] = literal(v)
		}
		return "must be one of " + strings.Join(want, ", ")
	case *kind.Const:
		return "must be " + literal(k.Want)
	case *kind.Minimum:
		return "must be at least " + number(k.Want)
	case *kind.Maximum:
		return "must be at most " + number(k.Want)
	case *kind.ExclusiveMinimum:
		return "must be more than " + number(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be less than " + number(k.Want)
	case *kind.MultipleOf:
		return "must be a multiple of " + number(k.Want)
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long", k.Want)
	case *kind.Pattern:
		return "must match the pattern " + k.Want
	case *kind.Format:
		return fmt.Sprintf("must be a valid %s: %v", k.Want, k.Err)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items", k.Want)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items", k.Want)
	case *kind.UniqueItems:
		return fmt.Sprintf("must not repeat an item (items %d and %d are equal)", k.Duplicates[0], k.Duplicates[1])
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d keys", k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d keys", k.Want)
	case *kind.FalseSchema:
		return "is not allowed"
	}
	return k.LocalizedString(english)
}

var english = message.NewPrinter(language.English)

// fieldPath writes an instance location as a dotted path, list indexes in brackets.
func fieldPath(inst any, location []string) string {
	var b strings.Builder
	for _, token := range location {
		switch node := inst.(type) {
		case []any:
			b.WriteString("[" + token + "]")
			if i, err := strconv.Atoi(token); err == nil && i < len(node) {
				inst = node[i]
			}
			continue
		case map[string]any:
			inst = node[token]
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(token)
	}
	return b.String()
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func article(jsonType string) string {
	switch jsonType {
	case "integer", "object", "array":
		return "an " + jsonType
	case "null":
		return "null"
	}
	return "a " + jsonType
}

func literal(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func number(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	}
	return "a number"
}
