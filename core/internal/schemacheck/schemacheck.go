// Package schemacheck validates JSON documents against JSON Schemas (drafts 7 and 2020-12)
// and reports every failing field by path with the rule it breaks.
package schemacheck

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/basalt-dev/basalt/sdk"
)

var printer = message.NewPrinter(language.English)

// Schema is a compiled JSON Schema.
type Schema struct {
	s *jsonschema.Schema
}

// Compile reads a JSON Schema document; name identifies it in errors.
func Compile(name string, doc []byte) (*Schema, error) {
	parsed, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("schema %s: not JSON: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "basalt:///" + name
	if err := c.AddResource(url, parsed); err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	return &Schema{s: s}, nil
}

// CompileValue compiles a schema already decoded into JSON-shaped Go values (maps, slices,
// float64 or int numbers). Its $schema picks the draft (draft 7 and 2020-12 among others);
// without one, 2020-12 applies. name identifies it in errors.
func CompileValue(name string, doc any) (*Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	url := "basalt:///" + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	return &Schema{s: s}, nil
}

// Violation is one failure of a value: where (the instance location, one token per level)
// and the rule it breaks.
type Violation struct {
	Location []string
	Rule     string
}

// Violations validates a JSON-shaped Go value and returns every failure at the deepest
// location that explains it.
func (s *Schema) Violations(inst any) []Violation {
	err := s.s.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []Violation{{Rule: err.Error()}}
	}
	var out []Violation
	var walk func(*jsonschema.ValidationError)
	walk = func(ve *jsonschema.ValidationError) {
		if len(ve.Causes) > 0 {
			for _, c := range ve.Causes {
				walk(c)
			}
			return
		}
		out = append(out, Violation{Location: ve.InstanceLocation, Rule: ve.ErrorKind.LocalizedString(printer)})
	}
	walk(ve)
	return out
}

// Check validates a JSON document and returns its violations, sorted by field, with fields
// written as dotted paths under prefix.
func (s *Schema) Check(prefix string, doc []byte) ([]sdk.FieldViolation, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("%s: not JSON: %w", prefix, err)
	}
	err = s.s.Validate(inst)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	var out []sdk.FieldViolation
	collect(ve, prefix, &out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out, nil
}

func collect(ve *jsonschema.ValidationError, prefix string, out *[]sdk.FieldViolation) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collect(c, prefix, out)
		}
		return
	}
	field := prefix
	if len(ve.InstanceLocation) > 0 {
		path := strings.Join(ve.InstanceLocation, ".")
		if field == "" {
			field = path
		} else {
			field += "." + path
		}
	}
	*out = append(*out, sdk.FieldViolation{Field: field, Rule: ve.ErrorKind.LocalizedString(printer)})
}
