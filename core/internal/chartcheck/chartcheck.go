// Package chartcheck finds what a catalog author should fix in a chart version before users
// launch it: a values.schema.json that is not a JSON Schema, named schemas and x-onyxia
// expressions that resolve to nothing, defaults that fail the chart's own schema, a missing
// icon or README. `basalt catalog check` runs it on every version of a catalog.
package chartcheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/core/internal/schemacheck"
	"github.com/basalt-dev/basalt/sdk"
)

// Severity says whether a problem breaks launches (an error) or only users' comfort.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Problem is one finding about a chart version.
type Problem struct {
	Severity Severity
	Message  string
}

// xOnyxiaKeywords are the x-onyxia keywords Onyxia and Basalt read.
var xOnyxiaKeywords = []string{"overwriteDefaultWith", "overwriteListEnumWith", "overwriteSchemaWith", "hidden", "readonly", "useRegionSliderConfig"}

// Checker checks chart versions against a schema registry.
type Checker struct {
	planner *launch.Planner
}

// New returns a checker resolving named schemas with reg (Basalt's built-in ones when nil).
func New(reg *schema.Registry) (*Checker, error) {
	p, err := launch.NewPlanner(reg)
	if err != nil {
		return nil, err
	}
	return &Checker{planner: p}, nil
}

// Version checks one chart version as a catalog plugin hands it out.
func (c *Checker) Version(v sdk.GetChartResponse) []Problem {
	var out []Problem
	add := func(sev Severity, format string, args ...any) {
		out = append(out, Problem{sev, fmt.Sprintf(format, args...)})
	}
	if v.Summary.Icon == "" {
		add(Warning, "Chart.yaml has no icon: the catalog shows a placeholder")
	}
	if len(strings.TrimSpace(string(v.Readme))) == 0 {
		add(Warning, "no README.md: the chart's page has no description")
	}
	if len(v.ValuesSchema) == 0 {
		add(Warning, "no values.schema.json: users get a YAML editor instead of a form")
	} else if _, err := schemacheck.Compile("values.schema.json", v.ValuesSchema); err != nil {
		add(Error, "values.schema.json is not a valid JSON Schema: %s", oneLine(err))
		return out
	}
	chart, err := launch.ParseChart(v.Chart.Chart+" "+v.Chart.Version, v.ChartYAML, v.ValuesYAML, v.ValuesSchema)
	if err != nil {
		add(Error, "%v", err)
		return out
	}
	if chart.Schema != nil {
		w := walker{reg: c.planner.Registry()}
		w.node(chart.Schema, "", false)
		out = append(out, w.out...)
		resolved, err := c.planner.Registry().Resolve(chart.Schema, nil)
		if err != nil {
			add(Error, "values.schema.json: %v", err)
			return out
		}
		out = append(out, defaults(resolved, values.Path{})...)
	}
	for _, ctx := range sampleContexts() {
		_, err := c.planner.Plan(launch.Request{Chart: chart, Context: launch.NewContext(ctx.in)})
		if err == nil {
			continue
		}
		if fields := sdk.FieldsOf(err); len(fields) > 0 {
			for _, f := range fields {
				add(Error, "the defaults (user %s) fail the schema: %s: %s", ctx.name, f.Field, f.Rule)
			}
		} else {
			add(Error, "%v", err)
		}
		break // the same failures would repeat for each context
	}
	return out
}

// walker visits a schema as written (before resolution), where its author can fix it.
type walker struct {
	reg *schema.Registry
	out []Problem
}

func (w *walker) add(sev Severity, at, format string, args ...any) {
	if at == "" {
		at = "(root)"
	}
	w.out = append(w.out, Problem{sev, at + ": " + fmt.Sprintf(format, args...)})
}

// node checks one schema node; inItem tells expressions in array items, which may read the
// item's own keys ({{id}}) rather than the context.
func (w *walker) node(n any, at string, inItem bool) {
	s, ok := n.(map[string]any)
	if !ok {
		return
	}
	if raw, ok := s["x-onyxia"]; ok {
		w.xOnyxia(raw, at, inItem)
	}
	for _, key := range []string{"properties", "definitions", "$defs", "patternProperties"} {
		props, _ := s[key].(map[string]any)
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			sub := name
			if key != "properties" {
				sub = key + "." + name
			}
			if at != "" {
				sub = at + "." + sub
			}
			w.node(props[name], sub, inItem)
		}
	}
	if items, ok := s["items"]; ok {
		w.node(items, at+"[]", true)
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := s[key].([]any)
		for _, sub := range list {
			w.node(sub, at, inItem)
		}
	}
}

func (w *walker) xOnyxia(raw any, at string, inItem bool) {
	x, ok := raw.(map[string]any)
	if !ok {
		w.add(Error, at, "x-onyxia must be an object")
		return
	}
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(xOnyxiaKeywords, k) {
			w.add(Warning, at, "x-onyxia.%s is not a keyword Onyxia or Basalt reads", k)
		}
	}
	if v, ok := x["overwriteSchemaWith"]; ok {
		name, isString := v.(string)
		if _, _, found := w.reg.Lookup(name, nil); !isString || !found {
			w.add(Error, at, "x-onyxia.overwriteSchemaWith %v names no schema (built-in or the administrator's): the chart's own schema stays", v)
		}
	}
	for _, k := range []string{"overwriteDefaultWith", "overwriteListEnumWith"} {
		expr, ok := x[k]
		if !ok || inItem {
			continue
		}
		for _, p := range prefill.Paths(expr) {
			if !launch.InContext(p) {
				w.add(Error, at, "x-onyxia.%s reads %q, which the launch context never holds: the default always applies", k, p)
			}
		}
	}
}

type sampleContext struct {
	name string
	in   launch.ContextInput
}

// sampleContexts are a user with nothing configured (every default applies) and one with
// S3, Vault and Git (every expression has a value).
func sampleContexts() []sampleContext {
	bare := launch.ContextInput{User: launch.UserInfo{Username: "author"}, Project: launch.ProjectInfo{ID: "user-author"},
		RandomSubdomain: "123456", OneTimePassword: "check"}
	full := bare
	full.User = launch.UserInfo{Username: "author", DisplayName: "Chart Author", Email: "author@example.org",
		Claims: map[string]any{"groups": []any{"team"}}}
	full.Project.Password = "check"
	full.Settings = launch.UserSettings{Lang: "en", GitName: "Chart Author", GitEmail: "author@example.org", GitToken: "token"}
	full.S3Profiles = []launch.S3Profile{{Name: "default", URL: "https://s3.example.org", Region: "us-east-1",
		AccessKeyID: "key", SecretAccessKey: "secret", WorkingDirectoryPath: "author/", Personal: true}}
	full.SecretsToken = "token"
	full.Region = &launch.Region{ID: "check", Vault: &launch.RegionVault{URL: "https://vault.example.org", KVEngine: "onyxia-kv"}}
	return []sampleContext{{"no S3, Vault or Git", bare}, {"with S3, Vault and Git", full}}
}

// defaults checks every default of a resolved schema against the node it stands in: a
// default that fails is silently skipped at launch (Onyxia's rule), so its author never
// sees it used.
func defaults(s map[string]any, at values.Path) []Problem {
	var out []Problem
	if d, ok := s["default"]; ok {
		node := make(map[string]any, len(s))
		for k, v := range s {
			if k != "default" {
				node[k] = v
			}
		}
		if v, err := schemacheck.CompileValue("default", node); err == nil {
			for _, vio := range v.Violations(values.Clone(d)) {
				where := at.String()
				if len(vio.Location) > 0 {
					where += "/" + strings.Join(vio.Location, "/")
				}
				if where == "" {
					where = "(root)"
				}
				out = append(out, Problem{Error, fmt.Sprintf("%s: the default %s fails its own schema: %s", where, short(d), vio.Rule)})
			}
		}
	}
	for _, k := range schema.PropertyOrder(s) {
		if sub, ok := s["properties"].(map[string]any)[k].(map[string]any); ok {
			out = append(out, defaults(sub, at.Child(k))...)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		out = append(out, defaults(items, at.Child(0))...)
	}
	return out
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

// oneLine keeps a multi-line error on the line of its chart.
func oneLine(err error) string {
	var parts []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}
