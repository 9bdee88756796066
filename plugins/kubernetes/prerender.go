package kubernetes

import (
	"errors"
	"strings"
	"sync/atomic"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
)

// prerender renders an install's chart ahead of Helm, with the templates parsed once per
// archive (renderChart), and returns the chart Helm is to install in its place: the same
// metadata, no dependencies, values or files, and for templates the rendered files as text,
// under the same paths. Helm's render of it gives the files back as they are, and Helm does
// the rest of the install as ever (hooks, notes, manifest order, checks, records); the
// records keep the chart rendered (prerendered.recorded).
//
// The chart is prepared as Helm's install prepares it, and changed in the same way (prepare).
// On an error the chart may be changed: Helm must install a fresh copy of it, and will meet
// the error itself.
func prerender(cfg *action.Configuration, r helmRun) (*prerendered, error) {
	prep, err := prepare(cfg, r)
	if err != nil {
		return nil, err
	}
	return prep.render(cfg, r.digest)
}

// prepared is an install's chart made ready to render as Helm's install makes it: its
// dependencies processed (which changes the chart), its values coalesced with the chart's and
// given the release's options and the cluster's capabilities.
type prepared struct {
	chart *chart.Chart
	vals  chartutil.Values
}

func prepare(cfg *action.Configuration, r helmRun) (*prepared, error) {
	if r.upgrade || cfg.Capabilities == nil || r.digest == "" {
		return nil, errNotPrerendered
	}
	ch := r.chart
	if err := chartutil.ProcessDependenciesWithMerge(ch, r.values); err != nil {
		return nil, err
	}
	if len(ch.CRDObjects()) > 0 {
		return nil, errNotPrerendered // Helm installs them before it renders
	}
	options := chartutil.ReleaseOptions{Name: r.name, Namespace: r.ns, Revision: 1, IsInstall: true}
	vals, err := chartutil.ToRenderValuesWithSchemaValidation(ch, r.values, options, cfg.Capabilities, r.valuesChecked)
	if err != nil {
		return nil, err
	}
	return &prepared{chart: ch, vals: vals}, nil
}

// values are the install's values coalesced with the chart's.
func (p *prepared) values() map[string]any {
	v, _ := p.vals["Values"].(chartutil.Values)
	return v
}

// render renders the prepared chart and makes the chart Helm installs in its place.
func (p *prepared) render(cfg *action.Configuration, digest string) (*prerendered, error) {
	var lookup any
	if cfg.RESTClientGetter != nil {
		conf, err := cfg.RESTClientGetter.ToRESTConfig()
		if err != nil {
			return nil, err
		}
		lookup = newRenderLookup(conf).lookup
	}
	ch := p.chart
	rendered, err := renderChart(digest, ch, p.vals, lookup)
	if err != nil {
		return nil, err
	}
	md := *ch.Metadata
	md.Dependencies = nil
	flat := &chart.Chart{Metadata: &md, Templates: make([]*chart.File, 0, len(rendered))}
	prefix := ch.Name() + "/"
	for name, text := range rendered {
		// Helm removes "<no value>" from what it renders: a file that still says it after
		// the removal would lose it a second time.
		if !strings.HasPrefix(name, prefix) || strings.Contains(text, "<no value>") {
			return nil, errNotPrerendered
		}
		flat.Templates = append(flat.Templates, &chart.File{Name: strings.TrimPrefix(name, prefix), Data: []byte(asTemplateText(text))})
	}
	return &prerendered{flat: flat, chart: ch}, nil
}

// prerenderedInstalls counts the installs Helm made of a chart rendered ahead.
var prerenderedInstalls atomic.Int64

// early is what an install does before Helm while the release's records are read: the values
// checked against the chart's schemas, then the chart rendered as for an install, which a
// launch mostly is, on a copy of its own.
type early struct {
	checked  chan struct{}
	check    valuesCheck
	rendered chan struct{}
	pre      *prerendered
	err      error
}

// beforeHelm starts the work of an install before Helm: r gives the release, the archive and
// the values. The values are checked on the chart prepared to render, as Helm's install
// prepares it, then rendered; Install has the check as soon as it is made.
func (p *Plugin) beforeHelm(cfg *action.Configuration, r helmRun, render bool) *early {
	e := &early{checked: make(chan struct{}), rendered: make(chan struct{})}
	p.work.Go(func() {
		defer close(e.rendered)
		var prep *prepared
		e.err = errNotPrerendered
		if render {
			r.valuesChecked = true // below, on the values prepared
			if r.chart, e.err = loadedCharts.load(r.digest, r.archive); e.err == nil {
				prep, e.err = prepare(cfg, r)
			}
		}
		if prep == nil {
			e.check = checkValuesOf(r.digest, r.archive, r.values)
			close(e.checked)
			return
		}
		e.check = checkCoalesced(prep.chart, prep.values())
		close(e.checked)
		if e.check.err != nil {
			e.err = e.check.err // the install is refused
			return
		}
		if !e.check.checked {
			// Left to Helm's own check, made as Helm's install makes it.
			if e.err = chartutil.ValidateAgainstSchema(prep.chart, prep.values()); e.err != nil {
				return
			}
		}
		e.pre, e.err = prep.render(cfg, r.digest)
	})
	return e
}

// values waits for the values' check.
func (e *early) values() valuesCheck {
	<-e.checked
	return e.check
}

// prerendered returns the install's chart rendered ahead of Helm: the one rendered early, else
// one rendered now from r.chart, which this changes.
func (r helmRun) prerendered(cfg *action.Configuration) (*prerendered, error) {
	if r.early != nil {
		<-r.early.rendered
		return r.early.pre, r.early.err
	}
	return prerender(cfg, r)
}

// errNotPrerendered: Helm renders this install's chart itself.
var errNotPrerendered = errors.New("the chart is rendered by Helm")

// asTemplateText is a template whose output is text: its only actions print the "{{" of the
// text.
func asTemplateText(text string) string {
	return strings.ReplaceAll(text, "{{", `{{"{{"}}`)
}

// prerendered is a chart rendered ahead of Helm (flat, which Helm installs) and the chart it
// was rendered from.
type prerendered struct {
	flat, chart *chart.Chart
}

// recorded returns the release as recorded: with the chart rendered rather than the one Helm
// installed in its place.
func (p *prerendered) recorded(rls *release.Release) *release.Release {
	if p == nil || rls.Chart != p.flat {
		return rls
	}
	out := *rls
	out.Chart = p.chart
	return &out
}

// withPrerendered returns a copy of an install's Helm configuration whose records keep the
// chart rendered ahead rather than the one Helm installs.
func withPrerendered(cfg *action.Configuration, p *prerendered) (*action.Configuration, bool) {
	store, ok := cfg.Releases.Driver.(*recordStore)
	if !ok {
		return cfg, false
	}
	recording := *store
	recording.prerendered = p
	releases := *cfg.Releases
	releases.Driver = &recording
	own := *cfg
	own.Releases = &releases
	return &own, true
}
