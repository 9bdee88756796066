package launch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/link"
	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/sdk"
)

// TestEveryChartEveryContext plans every shared chart for every test context: the values
// validate, every overwriteDefaultWith that the context defines lands in the values (or its
// coerced form), and those it does not define fall back to the schema default or
// values.yaml.
func TestEveryChartEveryContext(t *testing.T) {
	p, err := NewPlanner(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range sharedCharts(t) {
		c := loadChart(t, path)
		for _, cc := range contextCases() {
			t.Run(c.Name+"-"+c.Version+"/"+cc.name, func(t *testing.T) {
				ctx := NewContext(cc.in)
				plan, err := p.Plan(Request{Chart: c, Context: ctx})
				if err != nil {
					t.Fatalf("plan: %v", err)
				}
				cs, err := p.compiled(c, nil)
				if err != nil {
					t.Fatal(err)
				}
				checked := 0
				walkOverwrites(cs.resolved, values.Path{}, func(s map[string]any, at values.Path, expr any) {
					got, ok := values.Get(plan.Values, at)
					if !ok {
						t.Errorf("%s: no value", at)
						return
					}
					want, defined := prefill.Resolve(expr, ctx.Map())
					if defined && fitsType(want, s["type"]) {
						if !values.Equal(got, want) {
							t.Errorf("%s (%v): got %#v, want the context's %#v", at, expr, got, want)
						}
					} else if !defined {
						fallback, hasDefault := s["default"]
						if !hasDefault {
							fallback, _ = values.Get(c.Values, at)
						}
						if !values.Equal(got, fallback) {
							t.Errorf("%s (%v, undefined): got %#v, want the fallback %#v", at, expr, got, fallback)
						}
					}
					checked++
				})
				if checked < 30 {
					t.Errorf("only %d fields carry overwriteDefaultWith", checked)
				}
			})
		}
	}
}

// walkOverwrites calls fn for each overwriteDefaultWith outside array items (those are
// item-relative) and outside objects with properties (rule 2 ignores them).
func walkOverwrites(s map[string]any, at values.Path, fn func(map[string]any, values.Path, any)) {
	if props, ok := s["properties"].(map[string]any); ok {
		for k, p := range props {
			if ps, ok := p.(map[string]any); ok {
				walkOverwrites(ps, at.Child(k), fn)
			}
		}
		return
	}
	if x, ok := s["x-onyxia"].(map[string]any); ok {
		if expr, ok := x["overwriteDefaultWith"]; ok {
			fn(s, at, expr)
		}
	}
}

func fitsType(v any, t any) bool {
	switch t {
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer", "number":
		_, ok := values.Number(v)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	}
	return true
}

func TestContextValuesInCharts(t *testing.T) {
	p, _ := NewPlanner(nil)
	c := loadChart(t, catalogDir+"/jupyter-python-2.5.2.tgz")
	cases := contextCases()
	want := map[string]map[string]any{
		"personal": {
			"ingress.hostname": "user-jdoe-123456-0.lab.example.org", "s3.accessKeyId": "AK", "s3.endpoint": "minio.example.org",
			"vault.token": "hvs.personal", "vault.directory": "jdoe", "git.name": "John Doe", "git.cache": "3600",
			"security.password": "otp-1", "resources.requests.cpu": "200m", "persistence.size": "20Gi",
			"userPreferences.language": "fr", "userPreferences.darkMode": true, "security.networkPolicy.enabled": true,
			"ai.activeProvider.selectedModel": "m2", "init.regionInit": "https://init.example.org/onyxia-init.sh",
		},
		"group-hardened": {
			"ingress.hostname": "projet-ml-team-123456-0.lab.example.org", "s3.accessKeyId": "TAK", "s3.pathStyleAccess": true,
			"s3.endpoint": "s3.local", "git.name": "", "git.token": "", "vault.directory": "projet-ml-team",
		},
		"no-s3-no-vault": {
			"git.repository": "", "s3.workingDirectoryPath": "", "resources.limits.memory": "50Gi",
			"ingress.enabled": false, "ingress.useCertManager": false, "userPreferences.language": "en", // a region without a domain exposes nothing
		},
	}
	for _, cc := range cases {
		plan, err := p.Plan(Request{Chart: c, Context: NewContext(cc.in)})
		if err != nil {
			t.Fatal(err)
		}
		for path, v := range want[cc.name] {
			pp, _ := values.ParsePath(path)
			if got, _ := values.Get(plan.Values, pp); !values.Equal(got, v) {
				t.Errorf("%s: %s = %#v, want %#v", cc.name, path, got, v)
			}
		}
		if cc.name == "group-hardened" {
			if tok, _ := values.Get(plan.Values, values.Path{"vault", "token"}); tok != nil && tok != "" {
				t.Errorf("group launch carries the personal Vault token %v", tok)
			}
		}
	}
}

func dialectPlanner(t *testing.T) (*Planner, *Chart, *Context) {
	t.Helper()
	reg, err := schema.LoadDir("testdata/schemas")
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlanner(reg)
	if err != nil {
		t.Fatal(err)
	}
	in := contextCases()[0].in
	in.User.Claims = map[string]any{"groups": []any{"sspcloud", "ml-team"}, "https://claims.example.org/team": "blue"}
	in.Settings.Profile = map[string]any{"port": 9090, "flag": "yes", "models": []any{"m1", "m2", 3}}
	in.AI.Providers = []AIProvider{{ID: "p1", Name: "Lab", SelectedModel: "b", Models: []string{"a", "b"}}, {ID: "p2", Name: "Other", SelectedModel: "zzz", Models: []string{"c"}}}
	return p, loadChart(t, "testdata/dialect"), NewContext(in)
}

func TestDialect(t *testing.T) {
	p, c, ctx := dialectPlanner(t)
	plan, err := p.Plan(Request{Chart: c, Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"team.first":             "sspcloud",
		"team.label":             "ml-team-123456",
		"team.dotted":            "blue",
		"team.all":               []any{"sspcloud", "ml-team"},
		"team.pair":              []any{"jdoe", "static", 3.0},
		"team.labels":            map[string]any{"owner": "jdoe", "project": "user-jdoe"},
		"team.brokenPair":        []any{"fallback"},
		"port":                   8080.0,
		"typedPort":              9090.0,
		"coerced":                true,
		"numberAsText":           "9090",
		"unknown":                "schema-default",
		"fromChart":              "chart-value",
		"outOfEnum":              "a",
		"pinned":                 "fixed",
		"twoItems":               []any{"x", "x"},
		"resources.requests.cpu": "200m", // the built-in schema replaced the inline one
		"unknownSchema.inline":   "kept",
		"byRef":                  "admin-default",
		"providers": []any{
			map[string]any{"id": "p1", "label": "Lab (jdoe)", "selectedModel": "b"},
			map[string]any{"id": "p2", "label": "Other (jdoe)"}, // "zzz" is not one of its models and "" neither
		},
	}
	for path, v := range want {
		pp, err := values.ParsePath(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := values.Get(plan.Values, pp); !values.Equal(got, v) {
			t.Errorf("%s = %#v, want %#v", path, got, v)
		}
	}
	if _, ok := values.Get(plan.Values, values.Path{"resources", "inline"}); ok {
		t.Error("the swap kept a property of the inline schema")
	}
	// overwriteListEnumWith and useRegionSliderConfig personalise the schema
	props := plan.Schema["properties"].(map[string]any)
	if le := props["model"].(map[string]any)["listEnum"]; !values.Equal(le, []any{"m1", "m2", "3"}) {
		t.Errorf("model listEnum = %v", le)
	}
	cpu := props["cpu"].(map[string]any)
	if cpu["sliderMin"] != 100.0 || cpu["sliderMax"] != 8000.0 {
		t.Errorf("cpu slider = %v..%v, want the region's 100..8000", cpu["sliderMin"], cpu["sliderMax"])
	}
	// a role schema wins over the administrator's
	plan, err = p.Plan(Request{Chart: c, Context: ctx, Roles: []string{"zz-unknown", "admins"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Values["byRef"]; got != "role-default" {
		t.Errorf("byRef with role admins = %v", got)
	}
}

func TestRefused(t *testing.T) {
	p, c, ctx := dialectPlanner(t)
	tests := []struct {
		name   string
		values map[string]any
		link   string
		field  string
		rule   string
	}{
		{"wrong type", map[string]any{"port": "eighty"}, "", "port", "got string, want integer"},
		{"outside enum", map[string]any{"outOfEnum": "c"}, "", "outOfEnum", "value must be one of"},
		{"readonly changed", nil, "locked.=%C2%ABmine%C2%BB", "locked", "read-only"},
		{"hidden changed", map[string]any{"secretHidden": "x"}, "", "secretHidden", "hidden"},
		{"URL outside allowedURIPattern", map[string]any{"docs": "http://evil.example.org"}, "", "docs", "URL not allowed"},
		{"outside listEnum", nil, "model.=%C2%ABgpt%C2%BB", "model", "must be one of m1, m2, 3"},
		{"slider unit", map[string]any{"cpu": "2"}, "", "cpu", "must be a number followed by m"},
		{"slider bounds", map[string]any{"cpu": "9000m"}, "", "cpu", "between 100m and 8000m"},
		{"range order", map[string]any{"resources": map[string]any{"requests": map[string]any{"cpu": "3000m"}, "limits": map[string]any{"cpu": "2000m"}}}, "", "resources.requests.cpu", "must not exceed resources.limits.cpu"},
		{"array item", nil, "twoItems[1].=5", "twoItems[1]", "want string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Chart: c, Context: ctx}
			if tt.values != nil {
				req.Values = []map[string]any{tt.values}
			}
			if tt.link != "" {
				l, err := link.Parse(tt.link)
				if err != nil {
					t.Fatal(err)
				}
				req.Overrides = l.Overrides
			}
			_, err := p.Plan(req)
			if !errors.Is(err, sdk.ErrInvalidArgument) {
				t.Fatalf("err = %v, want invalid argument", err)
			}
			for _, f := range sdk.FieldsOf(err) {
				if f.Field == tt.field && strings.Contains(f.Rule, tt.rule) {
					return
				}
			}
			t.Errorf("violations %v lack %s: %s", sdk.FieldsOf(err), tt.field, tt.rule)
		})
	}
}

func TestRefusedInRealCharts(t *testing.T) {
	p, _ := NewPlanner(nil)
	c := loadChart(t, catalogDir+"/vscode-python-2.6.2.tgz")
	ctx := NewContext(contextCases()[0].in)
	l, _ := link.Parse("init.personalInit=%C2%ABhttp://evil.example.org/x.sh%C2%BB&kubernetes.role=%C2%ABroot%C2%BB&ingress.hostname=%C2%ABother.example.org%C2%BB&persistence.enabled=%C2%AByes%C2%BB&resources.limits.memory=%C2%AB500Gi%C2%BB")
	_, err := p.Plan(Request{Chart: c, Context: ctx, Overrides: l.Overrides})
	got := map[string]string{}
	for _, f := range sdk.FieldsOf(err) {
		got[f.Field] += f.Rule + ";"
	}
	for field, rule := range map[string]string{
		"init.personalInit":       "URL not allowed",
		"kubernetes.role":         "must be one of view, edit, admin",
		"ingress.hostname":        "hidden",
		"persistence.enabled":     "want boolean",
		"resources.limits.memory": "between 1Gi and 200Gi",
	} {
		if !strings.Contains(got[field], rule) {
			t.Errorf("%s: rules %q lack %q", field, got[field], rule)
		}
	}
	// the same values, legal, pass
	l, _ = link.Parse("init.personalInit=%C2%ABhttps://example.org/x.sh%C2%BB&kubernetes.role=%C2%ABedit%C2%BB&resources.limits.memory=%C2%AB64Gi%C2%BB&git.branch=-")
	plan, err := p.Plan(Request{Chart: c, Context: ctx, Overrides: l.Overrides})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plan.Values["git"].(map[string]any)["branch"]; ok {
		t.Error("git.branch=- did not unset")
	}
}

func TestChartWithoutSchema(t *testing.T) {
	p, _ := NewPlanner(nil)
	dir := t.TempDir()
	mustWrite(t, dir+"/Chart.yaml", []byte("name: plain\nversion: 0.1.0\n"))
	mustWrite(t, dir+"/values.yaml", []byte("a: 1\nb: {c: x}\n"))
	c := loadChart(t, dir)
	plan, err := p.Plan(Request{Chart: c, Context: NewContext(contextCases()[0].in), Values: []map[string]any{{"b": map[string]any{"d": true}}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"a": 1, "b": map[string]any{"c": "x", "d": true}}; !values.Equal(plan.Values, want) {
		t.Errorf("values = %v", plan.Values)
	}
}

func TestBrokenCharts(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir+"/junk.tgz", []byte("not gzip"))
	for _, path := range []string{dir + "/missing", dir + "/junk.tgz", dir} {
		if _, err := LoadChart(path); !errors.Is(err, ErrBrokenChart) {
			t.Errorf("LoadChart(%s) = %v, want ErrBrokenChart", path, err)
		}
	}
}

func TestContextGroupHardening(t *testing.T) {
	in := contextCases()[1].in
	c := NewContext(in)
	if c.User.IP != "0.0.0.0" || c.Git != nil || c.Vault.VaultToken != "" || len(c.S3Array) != 1 || c.S3.ProfileName != "team" {
		t.Errorf("hardened group context leaks personal data: %+v", c)
	}
	in.HidePersonalInfoInGroups = false
	c = NewContext(in)
	if c.User.IP != "10.1.2.3" || c.Git == nil || c.Vault.VaultToken != "hvs.personal" || c.S3.ProfileName != "default" {
		t.Errorf("group context without hardening: %+v", c)
	}
	in.S3Profile = "team"
	if c = NewContext(in); c.S3.ProfileName != "team" || c.S3Array[0].ProfileName != "team" || c.S3.Port != 9000 {
		t.Errorf("chosen profile: %+v", c.S3)
	}
	if c.Project.Basic == "" || fmt.Sprint(c.Map()["k8s"].(map[string]any)["ingress"]) != "true" {
		t.Errorf("context map: %v", c.Map())
	}
}

func TestNoIngressWithoutDomain(t *testing.T) {
	in := contextCases()[0].in
	in.Region.Services.Expose.Domain = ""
	if c := NewContext(in); c.K8s.Ingress {
		t.Errorf("k8s.ingress is true for a region without a domain: %+v", c.K8s)
	}
	in.Region.Services.Expose.Domain = "lab.example.org"
	no := false
	in.Region.Services.Expose.Ingress = &no
	if c := NewContext(in); c.K8s.Ingress {
		t.Errorf("k8s.ingress is true although the region turns it off: %+v", c.K8s)
	}
}
