package launch

import (
	"reflect"
	"slices"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/launch/link"
)

func TestFormOfRealChart(t *testing.T) {
	p, _ := NewPlanner(nil)
	c := loadChart(t, catalogDir+"/jupyter-python-2.5.2.tgz")
	f, err := p.Form(Request{Chart: c, Context: NewContext(contextCases()[0].in)})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]*form.Field{}
	var index func(*form.Field)
	index = func(f *form.Field) {
		byPath[f.Path] = f
		for _, c := range f.Fields {
			index(c)
		}
	}
	index(f.Root)
	cpu := byPath["resources.requests.cpu"]
	if cpu == nil || cpu.Widget != "rangeSlider" || cpu.Slider.RangeID != "cpu" || cpu.Slider.Extremity != "down" || cpu.Value != "200m" || cpu.Slider.Min != 100 {
		t.Errorf("resources.requests.cpu = %+v (slider %+v)", cpu, cpu.Slider)
	}
	role := byPath["kubernetes.role"]
	if role.Widget != "select" || len(role.Options) != 3 || role.HiddenWhen == nil || role.HiddenWhen.Path != "kubernetes.enabled" || role.HiddenWhen.Value != false {
		t.Errorf("kubernetes.role = %+v", role)
	}
	if tok := byPath["vault.token"]; tok.Widget != "password" || tok.HiddenWhen.Path != "vault.enabled" || tok.Value != "hvs.personal" {
		t.Errorf("vault.token = %+v (relative hidden path resolved against its parent)", tok)
	}
	if h := byPath["ingress.hostname"]; !h.Hidden {
		t.Errorf("ingress.hostname is not hidden: %+v", h)
	}
	if ns := byPath["nodeSelector"]; ns.Widget != "yaml" {
		t.Errorf("nodeSelector widget = %s", ns.Widget)
	}
	if m := byPath["ai.activeProvider.selectedModel"]; m.Widget != "select" || len(m.Options) != 2 {
		t.Errorf("selectedModel options from the context = %+v", m.Options)
	}

	// The form follows the file: the chart's values.schema.json at the top, the named
	// schemas' own files inside the groups they replace.
	var top []string
	for _, f := range f.Root.Fields {
		top = append(top, f.Key)
	}
	want := []string{"service", "resources", "persistence", "init", "extraEnvVars", "kubernetes", "vault", "s3", "git",
		"ai", "networking", "discovery", "security", "nodeSelector", "openshiftSCC", "ingress", "route", "repository",
		"startupProbe", "tolerations", "userPreferences", "global", "proxy", "certificates", "message", "runtimeClassName"}
	if !slices.Equal(top, want) {
		t.Errorf("top-level fields %v, want the file's order %v", top, want)
	}
	var gitKeys []string
	for _, f := range byPath["git"].Fields {
		gitKeys = append(gitKeys, f.Key)
	}
	if want := []string{"enabled", "name", "email", "cache", "token", "repository", "branch", "asCodeServerRoot"}; !slices.Equal(gitKeys, want) {
		t.Errorf("git fields %v, want ide/git.json's order %v", gitKeys, want)
	}
}

// A launch link opens the form with its values: the launcher sends the form's values, not the
// link, so an override missing here would be lost at launch.
func TestFormShowsLaunchLinkOverrides(t *testing.T) {
	p, _ := NewPlanner(nil)
	c := loadChart(t, catalogDir+"/jupyter-python-2.5.2.tgz")
	l, err := link.Parse("name=nb&resources.limits.memory=%C2%AB8Gi%C2%BB&git.enabled=false")
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.Form(Request{Chart: c, Context: NewContext(contextCases()[0].in), Overrides: l.Overrides})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	var walk func(*form.Field)
	walk = func(f *form.Field) {
		got[f.Path] = f.Value
		for _, c := range f.Fields {
			walk(c)
		}
	}
	walk(f.Root)
	if got["resources.limits.memory"] != "8Gi" || got["git.enabled"] != false {
		t.Errorf("form values = memory limit %v, git.enabled %v; want the link's 8Gi and false", got["resources.limits.memory"], got["git.enabled"])
	}
	if got["resources.requests.memory"] == "8Gi" {
		t.Errorf("an override leaked into another field")
	}
}

// The form says what a launch link changed from the pre-filled values, leaf by leaf, so that
// the portal can show it before launching; an override that keeps a pre-filled value is no
// change.
func TestFormListsWhatTheLinkChanges(t *testing.T) {
	p, _ := NewPlanner(nil)
	c := loadChart(t, catalogDir+"/jupyter-python-2.5.2.tgz")
	l, err := link.Parse("name=nb&init.personalInit=%C2%ABhttps%3A%2F%2Fevil.example.org%2Fx.sh%C2%BB" +
		"&resources.limits.memory=%C2%AB8Gi%C2%BB&persistence.enabled=true&s3.endpoint=%C2%ABs3.evil.example.org%C2%BB")
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.Form(Request{Chart: c, Context: NewContext(contextCases()[0].in), Overrides: l.Overrides})
	if err != nil {
		t.Fatal(err)
	}
	want := []form.Change{
		{Path: "init.personalInit", Value: "https://evil.example.org/x.sh"},
		{Path: "resources.limits.memory", Value: "8Gi"},
		{Path: "s3.endpoint", Value: "s3.evil.example.org"},
	}
	if !reflect.DeepEqual(f.LinkChanges, want) {
		t.Errorf("link changes =\n%+v\nwant\n%+v", f.LinkChanges, want)
	}

	plain, err := p.Form(Request{Chart: c, Context: NewContext(contextCases()[0].in)})
	if err != nil {
		t.Fatal(err)
	}
	if plain.LinkChanges != nil {
		t.Errorf("a form without a link lists changes: %+v", plain.LinkChanges)
	}
}
