package kubernetes

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/utils/lru"
)

// An install checks its values against the chart's values.schema.json files before anything
// is written, as Helm's would: the same values (dependencies processed, defaults coalesced),
// the same JSON Schema library and the same message. Helm compiles every schema at every
// install, which is most of the check's time; here each is compiled once. A schema that refers
// to anything outside itself is left to Helm, which loads such references at every install.

// schemaURL is the address Helm compiles a chart's schema at, which its messages start with.
const schemaURL = "file:///values.schema.json"

// compiledSchemas keeps compiled schemas by the digest of their JSON; nil for a schema left to
// Helm.
var compiledSchemas = &schemaCache{m: lru.New(64)}

type schemaCache struct{ m *lru.Cache }

// compiled returns the schema compiled, or nil when it refers outside itself or does not
// compile: Helm then checks the values, with its own loaders and messages.
func (c *schemaCache) compiled(raw []byte) *jsonschema.Schema {
	key := sha256.Sum256(raw)
	if kept, ok := c.m.Get(key); ok {
		return kept.(*jsonschema.Schema)
	}
	s := compileAlone(raw)
	c.m.Add(key, s)
	return s
}

// compileAlone compiles a schema with no loader: a reference outside the document fails.
func compileAlone(raw []byte) (s *jsonschema.Schema) {
	defer func() {
		if recover() != nil {
			s = nil
		}
	}()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	compiler := jsonschema.NewCompiler()
	compiler.UseLoader(refusingLoader{})
	if compiler.AddResource(schemaURL, doc) != nil {
		return nil
	}
	s, err = compiler.Compile(schemaURL)
	if err != nil {
		return nil
	}
	return s
}

type refusingLoader struct{}

func (refusingLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is outside the schema", url)
}

// checkValues checks values against the schemas of ch (which it changes: give it a copy) and
// of its subcharts, as Helm's install does. checked is false when a schema is left to Helm;
// err is what Helm's install would return for values that break a schema.
func checkValues(ch *chart.Chart, values map[string]any) (checked bool, err error) {
	if !compilesAlone(ch) {
		return false, nil
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, values); err != nil {
		return false, nil // Helm meets the same error, and says it in its words
	}
	coalesced, err := chartutil.CoalesceValues(ch, values)
	if err != nil {
		return false, nil
	}
	v := checkCoalesced(ch, coalesced)
	return v.checked, v.err
}

// checkCoalesced is checkValues for a chart whose dependencies are processed, and values
// coalesced with its own.
func checkCoalesced(ch *chart.Chart, coalesced map[string]any) valuesCheck {
	if !compilesAlone(ch) {
		return valuesCheck{}
	}
	if broken := breaches(ch, coalesced); broken != "" {
		return valuesCheck{true, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s", broken)}
	}
	return valuesCheck{checked: true}
}

// compilesAlone says whether every schema of the chart and its subcharts compiles alone.
func compilesAlone(ch *chart.Chart) bool {
	if ch.Schema != nil && compiledSchemas.compiled(ch.Schema) == nil {
		return false
	}
	for _, dep := range ch.Dependencies() {
		if !compilesAlone(dep) {
			return false
		}
	}
	return true
}

// breaches is Helm's account of the values that break the schemas of ch and its subcharts,
// chart by chart (chartutil.ValidateAgainstSchema); empty when none does.
func breaches(ch *chart.Chart, values map[string]any) string {
	var sb strings.Builder
	if ch.Schema != nil {
		if err := validate(compiledSchemas.compiled(ch.Schema), values); err != nil {
			fmt.Fprintf(&sb, "%s:\n%s", ch.Name(), err)
		}
	}
	for _, sub := range ch.Dependencies() {
		raw, ok := values[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		subValues, ok := raw.(map[string]any)
		if !ok {
			fmt.Fprintf(&sb, "%s:\ninvalid type for values: expected object (map), got %T\n", sub.Name(), raw)
			continue
		}
		sb.WriteString(breaches(sub, subValues))
	}
	return sb.String()
}

// validate is chartutil.ValidateAgainstSingleSchema with the schema compiled, its message
// included.
func validate(s *jsonschema.Schema, values map[string]any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unable to validate schema: %s", r)
		}
	}()
	if err := s.Validate(values); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "jsonschema validation failed with '"+schemaURL+"#'\n") + "\n")
	}
	return nil
}

// valuesCheck is checkValues' verdict.
type valuesCheck struct {
	checked bool
	err     error
}

// checkValuesOf checks values against the schemas of the chart of an archive, on a copy of its own.
func checkValuesOf(digest string, archive []byte, values map[string]any) valuesCheck {
	ch, err := loadedCharts.load(digest, archive)
	if err != nil {
		return valuesCheck{}
	}
	checked, err := checkValues(ch, values)
	return valuesCheck{checked, err}
}
