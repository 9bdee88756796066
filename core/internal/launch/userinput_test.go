package launch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/link"
	"github.com/basalt-dev/basalt/sdk"
)

// lookupBob is what a user would type to read another tenant's Secrets through a chart that
// renders values with Helm's tpl (Onyxia's library chart does, for extraEnvVars[].value).
const lookupBob = `{{ (lookup "v1" "Secret" "user-bob" "").items | toJson }}`

// refusedAt plans req and returns the rule of the violation at field, failing the test when
// the plan is not refused there.
func refusedAt(t *testing.T, p *Planner, req Request, field string) string {
	t.Helper()
	_, err := p.Plan(req)
	if !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Fatalf("plan: %v, want invalid argument at %s", err, field)
	}
	for _, f := range sdk.FieldsOf(err) {
		if f.Field == field {
			return f.Rule
		}
	}
	t.Fatalf("violations %v lack %s", sdk.FieldsOf(err), field)
	return ""
}

func overrides(t *testing.T, query string) []link.Override {
	t.Helper()
	l, err := link.Parse(query)
	if err != nil {
		t.Fatal(err)
	}
	return l.Overrides
}

// TestTemplateDelimitersRefused: a value the user supplies (request values, a link's
// overrides) holding {{ or }} is refused at its field, in the real jupyter-python whose
// library chart renders extraEnvVars[].value with tpl, and in a chart without schema.
func TestTemplateDelimitersRefused(t *testing.T) {
	p, _ := NewPlanner(nil)
	jupyter := loadChart(t, catalogDir+"/jupyter-python-2.5.2.tgz")
	ctx := NewContext(contextCases()[0].in)
	env := map[string]any{"extraEnvVars": []any{map[string]any{"name": "LEAK", "value": lookupBob}}}
	for name, req := range map[string]Request{
		"request values": {Chart: jupyter, Context: ctx, Values: []map[string]any{env}},
		"link":           {Chart: jupyter, Context: ctx, Overrides: overrides(t, "extraEnvVars[0].name=%C2%ABLEAK%C2%BB&extraEnvVars[0].value=%C2%AB"+percentEncoded(lookupBob)+"%C2%BB")},
	} {
		t.Run(name, func(t *testing.T) {
			if rule := refusedAt(t, p, req, "extraEnvVars[0].value"); !strings.Contains(rule, "template delimiters") {
				t.Errorf("rule %q does not name the template delimiters", rule)
			}
		})
	}

	dir := t.TempDir()
	mustWrite(t, dir+"/Chart.yaml", []byte("name: plain\nversion: 0.1.0\n"))
	mustWrite(t, dir+"/values.yaml", []byte("conf:\n  ns: '{{ .Release.Namespace }}'\n"))
	plain := loadChart(t, dir)
	for _, tt := range []struct {
		field  string
		values map[string]any
	}{
		{"conf.ns", map[string]any{"conf": map[string]any{"ns": "{{ .Release.Name }}"}}}, // a template changed
		{"conf.mine", map[string]any{"conf": map[string]any{"mine": "half }} of it"}}},
		{"conf.{{ key }}", map[string]any{"conf": map[string]any{"{{ key }}": "v"}}},
		{"list[1][0]", map[string]any{"list": []any{"ok", []any{"{{"}}}},
	} {
		refusedAt(t, p, Request{Chart: plain, Context: ctx, Values: []map[string]any{tt.values}}, tt.field)
	}
}

// TestTemplateDelimitersFromThePlatformPass: what the server fills (values.yaml, the launch
// context through overwriteDefaultWith) may hold delimiters, also when the portal sends the
// whole pre-filled values back.
func TestTemplateDelimitersFromThePlatformPass(t *testing.T) {
	p, _ := NewPlanner(nil)
	in := contextCases()[0].in
	in.User.Claims = map[string]any{"groups": []any{"{{ platform }}"}}
	ctx := NewContext(in)
	pyspark := loadChart(t, catalogDir+"/jupyter-pyspark-3.2.2.tgz")
	plan, err := p.Plan(Request{Chart: pyspark, Context: ctx})
	if err != nil {
		t.Fatalf("jupyter-pyspark, whose values.yaml holds templates: %v", err)
	}
	if _, err := p.Plan(Request{Chart: pyspark, Context: ctx, Values: []map[string]any{plan.Values}}); err != nil {
		t.Fatalf("the pre-filled values sent back: %v", err)
	}
	d, dialect, _ := dialectPlanner(t)
	plan, err = d.Plan(Request{Chart: dialect, Context: ctx})
	if err != nil || plan.Values["team"].(map[string]any)["first"] != "{{ platform }}" {
		t.Fatalf("a claim through overwriteDefaultWith: %v, %v", err, plan.Values["team"])
	}
}

// TestHiddenAndReadonlyFieldsCannotBeRemoved: a platform-set field present in the pre-filled
// values and absent from the final ones was changed, whichever way it went.
func TestHiddenAndReadonlyFieldsCannotBeRemoved(t *testing.T) {
	p, c, ctx := dialectPlanner(t)
	for link, field := range map[string]string{"secretHidden.=-": "secretHidden", "locked.=-": "locked"} {
		if rule := refusedAt(t, p, Request{Chart: c, Context: ctx, Overrides: overrides(t, link)}, field); !strings.Contains(rule, "set by the platform") {
			t.Errorf("%s: rule %q", link, rule)
		}
	}
	real, _ := NewPlanner(nil)
	vscode := loadChart(t, catalogDir+"/vscode-python-2.6.2.tgz")
	for _, in := range []ContextInput{contextCases()[0].in, contextCases()[2].in} { // with and without a region script
		ctx := NewContext(in)
		for _, q := range []string{"init.regionInit=-", "init.=-", "init.regionInitCheckSum=-"} {
			field := "init.regionInit"
			if strings.Contains(q, "CheckSum") {
				field = "init.regionInitCheckSum"
			}
			if rule := refusedAt(t, real, Request{Chart: vscode, Context: ctx, Overrides: overrides(t, q)}, field); !strings.Contains(rule, "hidden") {
				t.Errorf("%s: rule %q", q, rule)
			}
		}
		// removing what the user may change is still allowed
		if _, err := real.Plan(Request{Chart: vscode, Context: ctx, Overrides: overrides(t, "init.personalInit=-&git.branch=-")}); err != nil {
			t.Errorf("removing user fields: %v", err)
		}
	}
}

// TestValuesSizeCapped: the values a request builds are at most MaxValuesBytes.
func TestValuesSizeCapped(t *testing.T) {
	p, _ := NewPlanner(nil)
	dir := t.TempDir()
	mustWrite(t, dir+"/Chart.yaml", []byte("name: plain\nversion: 0.1.0\n"))
	c := loadChart(t, dir)
	ctx := NewContext(contextCases()[0].in)
	big := map[string]any{"blob": strings.Repeat("x", MaxValuesBytes)}
	if rule := refusedAt(t, p, Request{Chart: c, Context: ctx, Values: []map[string]any{big}}, "values"); !strings.Contains(rule, "at most") {
		t.Errorf("rule %q does not name the cap", rule)
	}
	small := map[string]any{"blob": strings.Repeat("x", MaxValuesBytes/2)}
	if _, err := p.Plan(Request{Chart: c, Context: ctx, Values: []map[string]any{small}}); err != nil {
		t.Errorf("half the cap: %v", err)
	}
}

// TestLinkIndexGapRefused: a link's override that would leave a gap in a list is refused at
// its path, in the form as in the plan.
func TestLinkIndexGapRefused(t *testing.T) {
	p, _ := NewPlanner(nil)
	jupyter := loadChart(t, catalogDir+"/jupyter-python-2.5.2.tgz")
	req := Request{Chart: jupyter, Context: NewContext(contextCases()[0].in), Overrides: overrides(t, "extraEnvVars[5].name=%C2%ABX%C2%BB")}
	if rule := refusedAt(t, p, req, "extraEnvVars[5].name"); !strings.Contains(rule, "past the end") {
		t.Errorf("rule %q", rule)
	}
	if _, err := p.Form(req); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("form: %v, want invalid argument", err)
	}
}

// percentEncoded writes every byte but letters and digits as %XX, as a link may.
func percentEncoded(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
