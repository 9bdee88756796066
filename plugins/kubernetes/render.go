package kubernetes

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"text/template"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/utils/lru"
)

// renderChart renders a chart whose dependencies are processed with values prepared for
// rendering (chartutil.ToRenderValues), as Helm's engine renders them: each template with the
// values of its chart, partials left out, "<no value>" removed. Helm's engine parses every
// template of the chart and its subcharts at each render, most of its time; here they are
// parsed once per archive and set of templates (parsedTemplates), and each render clones the
// parsed set to bind its own functions. lookup is the render's lookup function, nil for none.
// An error is not Helm's error: the caller renders with Helm to tell it.
func renderChart(digest string, ch *chart.Chart, vals chartutil.Values, lookup any) (rendered map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			rendered, err = nil, fmt.Errorf("rendering panicked: %v", r)
		}
	}()
	tpls := map[string]renderable{}
	collectTemplates(ch, tpls, vals)
	names := helmOrder(tpls)
	set, err := parsedTemplates.get(digest, names, tpls)
	if err != nil {
		return nil, err
	}
	t, err := set.bound(lookup)
	if err != nil {
		return nil, err
	}
	rendered = make(map[string]string, len(names))
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		r := tpls[name]
		r.vals["Template"] = chartutil.Values{"Name": name, "BasePath": r.basePath}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, r.vals); err != nil {
			return nil, err
		}
		rendered[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return rendered, nil
}

// renderable is one template of a chart and the values it is rendered with, those of its
// chart (shared by the chart's templates, as in Helm's engine).
type renderable struct {
	text     string
	vals     chartutil.Values
	basePath string
}

// collectTemplates gathers the templates of a chart and of its dependencies, each with its
// chart's values: the parent's values under the chart's name, and what every chart sees
// (.Chart, .Files, .Release, .Capabilities, .Subcharts). A library chart gives its partials
// only. It returns the chart's values, which its parent sees under .Subcharts.
func collectTemplates(ch *chart.Chart, tpls map[string]renderable, parent chartutil.Values) map[string]any {
	subcharts := map[string]any{}
	files := make(chartFiles, len(ch.Files))
	for _, f := range ch.Files {
		files[f.Name] = f.Data
	}
	own := map[string]any{
		"Chart": struct {
			chart.Metadata
			IsRoot bool
		}{*ch.Metadata, ch.IsRoot()},
		"Files":        files,
		"Release":      parent["Release"],
		"Capabilities": parent["Capabilities"],
		"Values":       make(chartutil.Values),
		"Subcharts":    subcharts,
	}
	if ch.IsRoot() {
		own["Values"] = parent["Values"]
	} else if vs, err := parent.Table("Values." + ch.Name()); err == nil {
		own["Values"] = vs
	}
	for _, dep := range ch.Dependencies() {
		subcharts[dep.Name()] = collectTemplates(dep, tpls, own)
	}
	full := ch.ChartFullPath()
	library := strings.EqualFold(ch.Metadata.Type, "library")
	for _, t := range ch.Templates {
		if t == nil || (library && !strings.HasPrefix(path.Base(t.Name), "_")) {
			continue
		}
		tpls[path.Join(full, t.Name)] = renderable{text: string(t.Data), vals: own, basePath: path.Join(full, "templates")}
	}
	return own
}

// helmOrder is the order Helm's engine parses and renders templates in: deeper paths first,
// then by path, descending. It decides which of two definitions of a name wins (the last
// parsed), and what a template sees of the values earlier ones changed.
func helmOrder(tpls map[string]renderable) []string {
	names := make([]string, 0, len(tpls))
	for name := range tpls {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i], names[j]
		if da, db := strings.Count(a, "/"), strings.Count(b, "/"); da != db {
			return da > db
		}
		return a > b
	})
	return names
}

// parsedTemplates keeps the templates of the charts rendered lately, parsed: an archive
// gives the same templates to every launch, but for the subcharts its values leave out.
var parsedTemplates = newTemplateCache(16)

type templateCache struct {
	mu sync.Mutex
	m  *lru.Cache
	// parses counts the sets parsed, for tests.
	parses int
}

func newTemplateCache(size int) *templateCache { return &templateCache{m: lru.New(size)} }

// templateSet is the templates of one render, parsed into one set as Helm's engine parses
// them: a root template named "gotpl", each template added under its path in Helm's order.
type templateSet struct {
	root *template.Template
}

// get returns the parsed set of the templates named, in order, of the archive of digest.
func (c *templateCache) get(digest string, names []string, tpls map[string]renderable) (*templateSet, error) {
	h := sha256.New()
	h.Write([]byte(digest))
	for _, name := range names {
		h.Write([]byte{0})
		h.Write([]byte(name))
	}
	key := string(h.Sum(nil))
	c.mu.Lock()
	kept, ok := c.m.Get(key)
	c.mu.Unlock()
	if ok {
		return kept.(*templateSet), nil
	}
	root := template.New("gotpl")
	root.Option("missingkey=zero")
	root.Funcs(templateFuncs())
	for _, name := range names {
		if _, err := root.New(name).Parse(tpls[name].text); err != nil {
			return nil, err
		}
	}
	set := &templateSet{root: root}
	c.mu.Lock()
	c.m.Add(key, set)
	c.parses++
	c.mu.Unlock()
	return set, nil
}

// bound returns a copy of the set with the functions of one render bound to it.
func (s *templateSet) bound(lookup any) (*template.Template, error) {
	t, err := s.root.Clone()
	if err != nil {
		return nil, err
	}
	t.Option("missingkey=zero")
	if lookup == nil {
		lookup = noLookup
	}
	included := map[string]int{}
	t.Funcs(template.FuncMap{
		"include":  includeIn(t, included),
		"tpl":      tplIn(t, included),
		"required": required,
		"fail":     fail,
		"lookup":   lookup,
	})
	return t, nil
}

// maxIncludeDepth bounds how deep a template may include itself, as Helm's engine does.
const maxIncludeDepth = 1000

// includeIn is include: the named template of set t, executed with data, as text. included
// counts, by name, the includes under way.
func includeIn(t *template.Template, included map[string]int) func(string, any) (string, error) {
	return func(name string, data any) (string, error) {
		if included[name] > maxIncludeDepth {
			return "", fmt.Errorf("template %s includes itself too deeply", name)
		}
		included[name]++
		defer func() { included[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
}

// tplIn is tpl: text rendered as a template of a copy of set t, so that its definitions stay
// its own and it may include the set's.
func tplIn(parent *template.Template, included map[string]int) func(string, any) (string, error) {
	return func(text string, vals any) (string, error) {
		t, err := parent.Clone()
		if err != nil {
			return "", err
		}
		t.Option("missingkey=zero")
		t.Funcs(template.FuncMap{"include": includeIn(t, included), "tpl": tplIn(t, included)})
		if t, err = t.New(parent.Name()).Parse(text); err != nil {
			return "", err
		}
		var buf strings.Builder
		if err := t.Execute(&buf, vals); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
}

// required refuses a missing value or an empty string.
func required(message string, val any) (any, error) {
	if s, ok := val.(string); val == nil || ok && s == "" {
		return val, errors.New(message)
	}
	return val, nil
}

func fail(message string) (string, error) { return "", errors.New(message) }
