// Package form describes a launch form for the portal: one field per schema node with its
// path, type, texts, pre-filled value, widget and constraints. Conditions (Onyxia's
// hidden {value, path}) are kept as data so the portal evaluates them as the user types.
package form

import (
	"math"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// Form is the launch form of one chart version for one user.
type Form struct {
	Chart   string `json:"chart"`
	Version string `json:"version"`
	// Root is nil for a chart without schema: the portal offers a YAML editor instead.
	Root *Field `json:"root,omitempty"`
	// LinkChanges are what a launch link changed from the pre-filled values: the portal lists
	// them for the user to confirm before it launches from a link.
	LinkChanges []Change `json:"linkChanges,omitempty"`
	// Profile names the fields of the user's profile the chart reads (user.profile.<field>):
	// the portal offers to leave each out of the launch.
	Profile []string `json:"profile,omitempty"`
}

// Change is a value a launch link set (or, with Removed, took away) at Path.
type Change struct {
	Path    string `json:"path"` // written as Field.Path is
	Value   any    `json:"value"`
	Removed bool   `json:"removed,omitempty"`
}

// Changes describes the changes between two values trees for the portal.
func Changes(cs []values.Change) []Change {
	if cs == nil {
		return nil
	}
	out := make([]Change, len(cs))
	for i, c := range cs {
		out[i] = Change{Path: c.Path.String(), Value: c.Value, Removed: c.Removed}
	}
	return out
}

// Field is one node of the form.
type Field struct {
	Path        string `json:"path"` // dotted, [n] for indices; "" for the root
	Key         string `json:"key,omitempty"`
	Type        string `json:"type,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Value is the pre-filled value (from the context, the schema default or values.yaml).
	Value   any `json:"value,omitempty"`
	Default any `json:"default,omitempty"`
	// Widget is what to draw: group, list, checkbox, text, textArea, password, select,
	// slider, rangeSlider, number, integer or yaml (free-form objects and arrays).
	Widget  string   `json:"widget"`
	Options []any    `json:"options,omitempty"`
	Slider  *Slider  `json:"slider,omitempty"`
	Pattern string   `json:"pattern,omitempty"`
	Minimum *float64 `json:"minimum,omitempty"`
	Maximum *float64 `json:"maximum,omitempty"`
	// Required says the key must be present in its object (its parent's JSON Schema
	// required); an empty text is present.
	Required bool `json:"required,omitempty"`
	// MinLength and MaxLength bound a text, in characters (Unicode code points).
	MinLength *int `json:"minLength,omitempty"`
	MaxLength *int `json:"maxLength,omitempty"`
	// MinItems and MaxItems bound the length of a list.
	MinItems   *int       `json:"minItems,omitempty"`
	MaxItems   *int       `json:"maxItems,omitempty"`
	Hidden     bool       `json:"hidden,omitempty"` // always hidden (x-onyxia or hidden: true)
	HiddenWhen *Condition `json:"hiddenWhen,omitempty"`
	Readonly   bool       `json:"readonly,omitempty"`
	Fields     []*Field   `json:"fields,omitempty"` // object properties, in the schema file's order
	Items      *Field     `json:"items,omitempty"`  // the item of an array

	// Lacks says why a section's enabled switch is off by default: the region gives nothing
	// its fields read (prefill.LackStorageCredentials or prefill.LackSecretsToken).
	Lacks string `json:"lacks,omitempty"`
}

// Slider describes a slider; two fields with the same RangeID form one range slider, the
// "down" end (requests) and the "up" end (limits).
type Slider struct {
	Min       float64 `json:"min"`
	Max       float64 `json:"max"`
	Step      float64 `json:"step,omitempty"`
	Unit      string  `json:"unit,omitempty"`
	RangeID   string  `json:"rangeId,omitempty"`
	Extremity string  `json:"extremity,omitempty"`
	Semantic  string  `json:"semantic,omitempty"`
}

// Condition hides a field while the value at Path (absolute, dotted) equals Value.
type Condition struct {
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// Build describes the form of a resolved, personalised schema pre-filled with prefilled.
func Build(chart, version string, schema, prefilled map[string]any) *Form {
	f := &Form{Chart: chart, Version: version}
	if schema != nil {
		f.Root = field(schema, values.Path{}, "", prefilled, true)
	}
	return f
}

func field(s map[string]any, p values.Path, key string, prefilled map[string]any, withValue bool) *Field {
	f := &Field{Path: p.String(), Key: key, Type: firstType(s["type"])}
	f.Title, _ = s["title"].(string)
	f.Description, _ = s["description"].(string)
	f.Default = s["default"]
	f.Lacks, _ = s[prefill.LacksKeyword].(string)
	f.Pattern, _ = s["pattern"].(string)
	if n, ok := values.Number(s["minimum"]); ok {
		f.Minimum = &n
	}
	if n, ok := values.Number(s["maximum"]); ok {
		f.Maximum = &n
	}
	f.MinLength, f.MaxLength = count(s["minLength"]), count(s["maxLength"])
	f.MinItems, f.MaxItems = count(s["minItems"]), count(s["maxItems"])
	x, _ := s["x-onyxia"].(map[string]any)
	if b, _ := x["hidden"].(bool); b {
		f.Hidden = true
	}
	if b, _ := x["readonly"].(bool); b {
		f.Readonly = true
	}
	switch h := s["hidden"].(type) {
	case bool:
		f.Hidden = f.Hidden || h
	case map[string]any:
		f.HiddenWhen = condition(h, p)
	}
	props, hasProps := s["properties"].(map[string]any)
	if withValue && !hasProps {
		f.Value, _ = values.Get(prefilled, p)
	}
	f.Widget = widget(s, f, hasProps)
	if hasProps {
		required := requiredKeys(s)
		for _, k := range schema.PropertyOrder(s) {
			if ps, ok := props[k].(map[string]any); ok {
				child := field(ps, p.Child(k), k, prefilled, withValue)
				child.Required = required[k]
				f.Fields = append(f.Fields, child)
			}
		}
	}
	if items, ok := s["items"].(map[string]any); ok && f.Type == "array" {
		f.Items = field(items, p.Child(0), "", nil, false)
		f.Items.Path = p.String() + "[]"
	}
	return f
}

func widget(s map[string]any, f *Field, hasProps bool) string {
	render, _ := s["render"].(string)
	if opts, ok := s["listEnum"].([]any); ok && len(opts) > 0 {
		f.Options = opts
		return "select"
	}
	if opts, ok := s["enum"].([]any); ok && len(opts) > 0 {
		f.Options = opts
		return "select"
	}
	if _, ok := s["sliderMax"]; ok || render == "slider" {
		sl := &Slider{}
		sl.Min, _ = values.Number(s["sliderMin"])
		sl.Max, _ = values.Number(s["sliderMax"])
		sl.Step, _ = values.Number(s["sliderStep"])
		sl.Unit, _ = s["sliderUnit"].(string)
		sl.RangeID, _ = s["sliderRangeId"].(string)
		sl.Extremity, _ = s["sliderExtremity"].(string)
		sl.Semantic, _ = s["sliderExtremitySemantic"].(string)
		f.Slider = sl
		if sl.RangeID != "" {
			return "rangeSlider"
		}
		return "slider"
	}
	switch render {
	case "textArea", "password":
		return render
	case "list":
		return "select"
	}
	switch f.Type {
	case "object":
		if hasProps {
			return "group"
		}
		return "yaml"
	case "array":
		if items, ok := s["items"].(map[string]any); ok && (items["properties"] != nil || firstType(items["type"]) != "object") {
			return "list"
		}
		return "yaml"
	case "boolean":
		return "checkbox"
	case "number", "integer":
		return f.Type
	}
	if hasProps {
		return "group"
	}
	return "text"
}

// condition turns Onyxia's {value, path, isPathRelative} into an absolute path: path is
// '/'-separated, relative to the field's parent when isPathRelative.
func condition(h map[string]any, p values.Path) *Condition {
	rawPath, _ := h["path"].(string)
	var abs values.Path
	if rel, _ := h["isPathRelative"].(bool); rel && len(p) > 0 {
		abs = append(abs, p[:len(p)-1]...)
	}
	for _, seg := range strings.Split(strings.Trim(rawPath, "/"), "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(abs) > 0 {
				abs = abs[:len(abs)-1]
			}
		default:
			abs = append(abs, seg)
		}
	}
	return &Condition{Path: abs.String(), Value: h["value"]}
}

// requiredKeys is the set of property names an object schema requires.
func requiredKeys(s map[string]any) map[string]bool {
	list, _ := s["required"].([]any)
	out := make(map[string]bool, len(list))
	for _, k := range list {
		if k, ok := k.(string); ok {
			out[k] = true
		}
	}
	return out
}

// count reads a JSON Schema count (minLength, maxItems...): a non-negative whole number, or
// nil. A schema with another value there does not compile, so the form need not say it.
func count(v any) *int {
	n, ok := values.Number(v)
	if !ok || n < 0 || n != math.Trunc(n) || n > math.MaxInt32 {
		return nil
	}
	i := int(n)
	return &i
}

func firstType(t any) string {
	switch t := t.(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				return s
			}
		}
	}
	return ""
}
