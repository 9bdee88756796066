package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
)

// OrderKey is the keyword under which Decode records, on a schema node, the order in which
// its properties appear in the file: Go maps forget it, and a launch form follows it as
// Onyxia's does. JSON Schema validators ignore unknown keywords, so the schema validates
// the same with it.
const OrderKey = "x-basalt-order"

// Decode reads a JSON Schema document as json.Unmarshal would into a map, and records on
// every schema node with properties the file order of their names (under OrderKey).
// Only schema positions are annotated: a default or an enum holding an object named
// "properties" is data and is left as written.
func Decode(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	v, err := readValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("invalid character after top-level value")
	}
	o, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return o.schema(), nil
}

// object is a decoded JSON object that still knows its key order.
type object struct {
	keys []string
	vals map[string]any
}

func readValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch d := tok.(type) {
	case json.Delim:
		switch d {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string) // the decoder only yields strings as object keys
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; !dup {
					o.keys = append(o.keys, k)
				}
				o.vals[k] = v // the last duplicate wins, as with json.Unmarshal
			}
			_, err := dec.Token()
			return o, err
		case '[':
			list := []any{}
			for dec.More() {
				v, err := readValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
	}
	return tok, nil // string, float64, bool or nil
}

// subschemaKeys hold one schema; subschemaLists a list of them; subschemaMaps a map of
// names to schemas.
var (
	subschemaKeys = []string{"items", "additionalProperties", "additionalItems", "not", "if", "then", "else",
		"contains", "propertyNames", "unevaluatedProperties", "unevaluatedItems"}
	subschemaLists = []string{"allOf", "anyOf", "oneOf", "prefixItems", "items"}
	subschemaMaps  = []string{"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"}
)

// schema converts a schema node, annotating the order of its properties.
func (o *object) schema() map[string]any {
	out := make(map[string]any, len(o.vals)+1)
	for k, v := range o.vals {
		switch {
		case slices.Contains(subschemaMaps, k):
			if m, ok := v.(*object); ok {
				sub := make(map[string]any, len(m.vals))
				for name, s := range m.vals {
					sub[name] = schemaValue(s)
				}
				out[k] = sub
				if k == "properties" {
					out[OrderKey] = stringList(m.keys)
				}
				continue
			}
		case slices.Contains(subschemaLists, k):
			if list, ok := v.([]any); ok {
				res := make([]any, len(list))
				for i, s := range list {
					res[i] = schemaValue(s)
				}
				out[k] = res
				continue
			}
		}
		if slices.Contains(subschemaKeys, k) {
			out[k] = schemaValue(v)
			continue
		}
		out[k] = plain(v)
	}
	return out
}

func schemaValue(v any) any {
	if o, ok := v.(*object); ok {
		return o.schema()
	}
	return plain(v)
}

// plain converts data: objects become maps, their order dropped.
func plain(v any) any {
	switch v := v.(type) {
	case *object:
		m := make(map[string]any, len(v.vals))
		for k, x := range v.vals {
			m[k] = plain(x)
		}
		return m
	case []any:
		for i, x := range v {
			v[i] = plain(x)
		}
		return v
	}
	return v
}

func stringList(keys []string) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// PropertyOrder returns the names of a schema node's properties in file order: those
// OrderKey lists first (when still present), then any other in alphabetical order (a
// schema built in code, or properties a $ref merge added).
func PropertyOrder(s map[string]any) []string {
	props, _ := s["properties"].(map[string]any)
	if len(props) == 0 {
		return nil
	}
	out := make([]string, 0, len(props))
	seen := make(map[string]bool, len(props))
	if order, ok := s[OrderKey].([]any); ok {
		for _, k := range order {
			name, _ := k.(string)
			if _, ok := props[name]; ok && !seen[name] {
				out = append(out, name)
				seen[name] = true
			}
		}
	}
	var rest []string
	for k := range props {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Encode writes a schema as JSON with the properties of each node in file order and
// without the OrderKey annotations: as its author wrote it, for clients (browsers among
// them) that keep the order of object keys.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := encode(&buf, v, true)
	return buf.Bytes(), err
}

func encode(buf *bytes.Buffer, v any, isSchema bool) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			if !isSchema || k != OrderKey {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			writeName(buf, i, k)
			var err error
			switch {
			case !isSchema:
				err = encode(buf, v[k], false)
			case k == "properties":
				err = encodeProperties(buf, v)
			case slices.Contains(subschemaMaps, k):
				err = encodeMap(buf, v[k], nil)
			case slices.Contains(subschemaKeys, k) || slices.Contains(subschemaLists, k):
				err = encode(buf, v[k], true)
			default:
				err = encode(buf, v[k], false)
			}
			if err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case []any:
		buf.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encode(buf, x, isSchema); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	}
	b, err := json.Marshal(v)
	buf.Write(b)
	return err
}

func encodeProperties(buf *bytes.Buffer, s map[string]any) error {
	if _, ok := s["properties"].(map[string]any); !ok {
		return encode(buf, s["properties"], false)
	}
	return encodeMap(buf, s["properties"], PropertyOrder(s))
}

// encodeMap writes a map of names to schemas, in order when given, else by name.
func encodeMap(buf *bytes.Buffer, v any, order []string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return encode(buf, v, false)
	}
	if order == nil {
		for k := range m {
			order = append(order, k)
		}
		sort.Strings(order)
	}
	buf.WriteByte('{')
	for i, k := range order {
		writeName(buf, i, k)
		if err := encode(buf, m[k], true); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// writeName writes the i-th name of an object, comma first unless it is the first.
func writeName(buf *bytes.Buffer, i int, k string) {
	if i > 0 {
		buf.WriteByte(',')
	}
	name, _ := json.Marshal(k)
	buf.Write(name)
	buf.WriteByte(':')
}
