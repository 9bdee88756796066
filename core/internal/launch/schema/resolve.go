package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// maxDepth bounds $ref and named-schema expansion, so a schema that refers to itself fails
// instead of growing forever.
const maxDepth = 64

// maxNodes bounds the size of a resolved schema: references can multiply a small document
// exponentially.
const maxNodes = 200_000

// Resolve returns a self-contained copy of doc, a chart's values.schema.json: every
// x-onyxia.overwriteSchemaWith naming a known schema is replaced by that whole schema
// (recursively; an unknown name keeps the original), and every $ref (#/definitions/...,
// #/$defs/... or a registry name) is inlined. doc is not modified.
func (r *Registry) Resolve(doc map[string]any, roles []string) (map[string]any, error) {
	rs := resolver{reg: r, root: doc, roles: roles}
	out, err := rs.node(doc, "", 0, nil)
	if err != nil {
		return nil, err
	}
	m, _ := out.(map[string]any)
	if m == nil {
		return nil, fmt.Errorf("schema: the root is not an object")
	}
	if s, ok := doc["$schema"]; ok {
		m["$schema"] = s
	}
	delete(m, "definitions")
	delete(m, "$defs")
	return m, nil
}

type resolver struct {
	reg   *Registry
	root  map[string]any
	roles []string
	nodes int
}

// node resolves one schema node; at is its location for errors and names the named
// schemas being expanded, so that one naming itself stops.
func (rs *resolver) node(n any, at string, depth int, expanding []string) (any, error) {
	m, ok := n.(map[string]any)
	if !ok {
		return n, nil // true/false schemas and non-schema values
	}
	if rs.nodes++; rs.nodes > maxNodes {
		return nil, fmt.Errorf("schema %s: more than %d nodes once references are inlined", at, maxNodes)
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("schema %s: references nest deeper than %d (a cycle?)", at, maxDepth)
	}
	if ref, ok := m["$ref"].(string); ok {
		target, err := rs.ref(ref, at)
		if err != nil {
			return nil, err
		}
		merged := make(map[string]any, len(target)+len(m))
		for k, v := range target {
			merged[k] = v
		}
		for k, v := range m { // keywords beside $ref refine the target
			if k != "$ref" {
				merged[k] = v
			}
		}
		return rs.node(merged, at, depth+1, expanding)
	}
	if x, ok := m["x-onyxia"].(map[string]any); ok {
		if name, ok := x["overwriteSchemaWith"].(string); ok && !contains(expanding, name) {
			if named, _, found := rs.reg.Lookup(name, rs.roles); found {
				return rs.node(named, at, depth+1, append(expanding, name))
			}
		}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch k {
		case "$schema", "$id", "definitions", "$defs":
			// inlined: a sub-schema carries no dialect or identity of its own
			continue
		case "properties", "patternProperties":
			props, ok := v.(map[string]any)
			if !ok {
				out[k] = v
				continue
			}
			rp := make(map[string]any, len(props))
			for name, p := range props {
				res, err := rs.node(p, join(at, name), depth, expanding)
				if err != nil {
					return nil, err
				}
				rp[name] = res
			}
			out[k] = rp
		case "items", "additionalProperties", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems":
			if list, ok := v.([]any); ok && k == "items" {
				res, err := rs.list(list, at+"[]", depth, expanding)
				if err != nil {
					return nil, err
				}
				out[k] = res
				continue
			}
			sub := at
			if k == "items" {
				sub += "[]"
			}
			res, err := rs.node(v, sub, depth, expanding)
			if err != nil {
				return nil, err
			}
			out[k] = res
		case "allOf", "anyOf", "oneOf", "prefixItems":
			list, ok := v.([]any)
			if !ok {
				out[k] = v
				continue
			}
			res, err := rs.list(list, at, depth, expanding)
			if err != nil {
				return nil, err
			}
			out[k] = res
		default:
			out[k] = v
		}
	}
	return out, nil
}

func (rs *resolver) list(list []any, at string, depth int, expanding []string) ([]any, error) {
	out := make([]any, len(list))
	for i, s := range list {
		res, err := rs.node(s, at, depth, expanding)
		if err != nil {
			return nil, err
		}
		out[i] = res
	}
	return out, nil
}

func (rs *resolver) ref(ref, at string) (map[string]any, error) {
	if ptr, ok := strings.CutPrefix(ref, "#"); ok {
		var cur any = rs.root
		if ptr != "" {
			for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
				tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
				switch c := cur.(type) {
				case map[string]any:
					cur = c[tok]
				case []any:
					i, err := strconv.Atoi(tok)
					if err != nil || i < 0 || i >= len(c) {
						cur = nil
					} else {
						cur = c[i]
					}
				default:
					cur = nil
				}
			}
		}
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("schema %s: $ref %q points at nothing", at, ref)
		}
		return m, nil
	}
	if named, _, ok := rs.reg.Lookup(ref, rs.roles); ok {
		return named, nil
	}
	return nil, fmt.Errorf("schema %s: $ref %q is neither #/... nor a known schema name", at, ref)
}

func join(at, name string) string {
	if at == "" {
		return name
	}
	return at + "." + name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
