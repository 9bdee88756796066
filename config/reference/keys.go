// Package reference builds Basalt's configuration reference (docs/configuration.md) from the
// configuration's own definitions: the Go types of package config with their `doc` tags, the
// embedded defaults, and the JSON Schema each plugin publishes. Generated, it cannot drift.
package reference

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/config"
)

// Key is one configuration key as the reference lists it.
type Key struct {
	Path    string // dotted, with <name> for a map entry and [n] for a list element
	Type    string
	Default string // as YAML would write it; "" when the defaults do not set it
	Env     string // the environment variable that sets it; "" when none can
	Doc     string
}

// Keys lists every key of the configuration in declaration order. It fails, naming each, when
// a field has no doc tag: a key without a meaning is a bug.
func Keys() ([]Key, error) {
	var defaults map[string]any
	if err := yaml.Unmarshal(config.DefaultYAML, &defaults); err != nil {
		return nil, fmt.Errorf("embedded defaults: %w", err)
	}
	keys, err := walk(reflect.TypeFor[config.Config](), "")
	for i := range keys {
		if keys[i].Type != "object" { // an object's defaults are its keys'
			keys[i].Default = defaultOf(defaults, keys[i].Path)
		}
	}
	return keys, err
}

// walk lists the fields of struct type t under prefix.
func walk(t reflect.Type, prefix string) ([]Key, error) {
	var keys []Key
	var errs []error
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("koanf")
		if name == "" || !f.IsExported() {
			continue
		}
		path := join(prefix, name)
		doc := f.Tag.Get("doc")
		if strings.TrimSpace(doc) == "" {
			errs = append(errs, fmt.Errorf("%s (field %s.%s) has no doc tag saying what it means", path, t.Name(), f.Name))
		}
		keys = append(keys, Key{Path: path, Type: typeName(f.Type), Env: envName(path), Doc: doc})

		var inner []Key
		var err error
		switch ft := deref(f.Type); {
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Duration]():
			inner, err = walk(ft, path)
		case ft.Kind() == reflect.Map && deref(ft.Elem()).Kind() == reflect.Struct:
			inner, err = walk(deref(ft.Elem()), path+".<name>")
		case ft.Kind() == reflect.Slice && deref(ft.Elem()).Kind() == reflect.Struct:
			inner, err = walk(deref(ft.Elem()), path+"[n]")
		}
		keys = append(keys, inner...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return keys, errors.Join(errs...)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func deref(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

func typeName(t reflect.Type) string {
	t = deref(t)
	if t == reflect.TypeFor[time.Duration]() {
		return "duration"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Struct:
		return "object"
	case reflect.Interface:
		return "any"
	case reflect.Slice:
		return "list of " + plural(typeName(t.Elem()))
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return "object"
		}
		return "map of " + plural(typeName(t.Elem()))
	}
	return t.String()
}

func plural(s string) string {
	if strings.HasPrefix(s, "list of ") || strings.HasPrefix(s, "map of ") {
		return s
	}
	return s + "s"
}

// envName is the variable that sets path, following config's rule: BASALT_, then the key in
// capitals with a double underscore between levels. A list element has none: lists are set
// whole.
func envName(path string) string {
	if strings.Contains(path, "[n]") {
		return ""
	}
	return config.EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "__"))
}

// defaultOf renders the default value at path; maps of instances and lists of objects are
// summarised by their names.
func defaultOf(defaults map[string]any, path string) string {
	if strings.Contains(path, "<name>") || strings.Contains(path, "[n]") {
		return ""
	}
	var v any = defaults
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		if v, ok = m[part]; !ok {
			return ""
		}
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) > 0 && hasObjects(v) {
			return "instances " + strings.Join(sortedKeys(v), ", ")
		}
	case []any:
		if len(v) > 0 {
			if _, ok := v[0].(map[string]any); ok {
				var ids []string
				for _, item := range v {
					if m, ok := item.(map[string]any); ok {
						id, ok := m["id"]
						if !ok {
							id, ok = m["name"] // entries named rather than identified (lifecycle policies)
						}
						if ok {
							ids = append(ids, fmt.Sprint(id))
						}
					}
				}
				if len(ids) < len(v) {
					if len(v) == 1 {
						return "1 entry"
					}
					return fmt.Sprintf("%d entries", len(v))
				}
				return "entries " + strings.Join(ids, ", ")
			}
		}
	}
	return flowYAML(v)
}

func hasObjects(m map[string]any) bool {
	for _, v := range m {
		if _, ok := v.(map[string]any); !ok {
			return false
		}
	}
	return true
}

// flowYAML writes v on one line, as YAML's flow style would.
func flowYAML(v any) string {
	node := &yaml.Node{}
	if err := node.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	setFlow(node)
	b, err := yaml.Marshal(node)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}

func setFlow(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		n.Style = yaml.FlowStyle
	}
	for _, c := range n.Content {
		setFlow(c)
	}
}
