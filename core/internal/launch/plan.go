// Package launch turns a chart version, a user, a project and a region into the exact Helm
// values to install: it resolves the chart's schema against the schema registry, pre-fills
// it from the launch context with Onyxia's rules, layers the user's values and a launch
// link's overrides, and validates the result. It knows nothing of HTTP; the server and
// `basalt render` call it alike.
package launch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/launch/link"
	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/core/internal/schemacheck"
	"github.com/basalt-dev/basalt/sdk"
)

// Planner plans launches. It caches each chart's resolved and compiled schema per set of
// roles, so that planning a launch of a known chart only pre-fills and validates.
type Planner struct {
	registry *schema.Registry

	mu    sync.Mutex
	cache map[cacheKey]*compiledSchema
}

type cacheKey struct {
	chart *Chart
	roles string
}

type compiledSchema struct {
	resolved  map[string]any
	validator *schemacheck.Schema
}

// NewPlanner returns a planner over a schema registry (Basalt's built-in schemas alone
// when nil).
func NewPlanner(reg *schema.Registry) (*Planner, error) {
	if reg == nil {
		var err error
		if reg, err = schema.NewRegistry(nil, nil); err != nil {
			return nil, err
		}
	}
	return &Planner{registry: reg, cache: map[cacheKey]*compiledSchema{}}, nil
}

// Registry returns the planner's schema registry.
func (p *Planner) Registry() *schema.Registry { return p.registry }

// Request is one launch to plan.
type Request struct {
	Chart   *Chart
	Context *Context
	Roles   []string // the user's roles, for role-specific named schemas
	// Values are the user's values, layered in order over the pre-filled ones.
	Values []map[string]any
	// Overrides come last, from a launch link or a saved configuration.
	Overrides []link.Override
	// Base, when set, is what the values start from instead of the chart's values pre-filled
	// from the context: a running service's values when it is changed. Read-only and hidden
	// fields keep their value there.
	Base map[string]any
}

// Plan is a planned launch.
type Plan struct {
	Chart     string
	Version   string
	Schema    map[string]any // resolved and personalised; nil for a chart without schema
	Prefilled map[string]any // the chart's values.yaml under the pre-filled values
	Values    map[string]any // what gets installed
}

// Plan computes a launch's values. When they are invalid it returns the plan and an
// sdk.InvalidFields error naming every failing field and its rule.
func (p *Planner) Plan(req Request) (*Plan, error) { return p.PlanContext(context.Background(), req) }

// PlanContext is Plan within ctx's trace: one span for the plan and one for each step
// (resolving the form, building the values, validating them).
func (p *Planner) PlanContext(ctx context.Context, req Request) (_ *Plan, err error) {
	ctx, end := startSpan(ctx, "launch.plan", chartAttrs(req.Chart)...)
	defer func() { end(err) }()
	plan, cs, lctx, err := p.prefill(ctx, req)
	if err != nil {
		return nil, err
	}
	_, endValues := startSpan(ctx, "launch.values")
	final, err := withChanges(plan.Prefilled, req.Values, req.Overrides)
	endValues(err)
	if err != nil {
		return nil, err
	}
	plan.Values = final
	if cs == nil {
		return plan, invalidValues(plan, templateViolations(plan.Prefilled, final))
	}
	_, endCheck := startSpan(ctx, "launch.validate")
	err = invalidValues(plan, check(cs.validator, plan.Schema, plan.Prefilled, final, lctx))
	endCheck(err)
	return plan, err
}

// invalidValues is the error of a plan with violations; nil without any.
func invalidValues(plan *Plan, violations []sdk.FieldViolation) error {
	if len(violations) == 0 {
		return nil
	}
	return sdk.InvalidFields(fmt.Sprintf("invalid values for %s %s", plan.Chart, plan.Version), violations...)
}

// Form returns the launch form of a chart for the request's user, pre-filled, with a launch
// link's overrides in its values: what the link opens is what the user sees and launches.
func (p *Planner) Form(req Request) (*form.Form, error) {
	return p.FormContext(context.Background(), req)
}

// FormContext is Form within ctx's trace.
func (p *Planner) FormContext(ctx context.Context, req Request) (_ *form.Form, err error) {
	ctx, end := startSpan(ctx, "launch.form", chartAttrs(req.Chart)...)
	defer func() { end(err) }()
	plan, _, _, err := p.prefill(ctx, req)
	if err != nil {
		return nil, err
	}
	final, err := withChanges(plan.Prefilled, nil, req.Overrides)
	if err != nil {
		return nil, err
	}
	f := form.Build(plan.Chart, plan.Version, plan.Schema, final)
	if len(req.Overrides) > 0 {
		f.LinkChanges = form.Changes(values.Diff(plan.Prefilled, final))
		if f.LinkChanges == nil {
			f.LinkChanges = []form.Change{} // a link that changes nothing: said as such
		}
	}
	return f, nil
}

// MaxValuesBytes caps the values a launch builds, written as JSON: Helm keeps a release,
// its values included, in one Kubernetes Secret of at most 1 MiB.
const MaxValuesBytes = 1 << 20

// withChanges is a copy of prefilled with the user's values merged in, then a launch link's
// overrides applied (they come last); prefilled itself is left as it is. An override that
// would leave a gap in a list, or values above MaxValuesBytes, are field errors.
func withChanges(prefilled map[string]any, user []map[string]any, overrides []link.Override) (map[string]any, error) {
	final := values.Clone(prefilled).(map[string]any)
	for _, v := range user {
		final = values.Merge(final, values.Normalize(values.Clone(v))).(map[string]any)
	}
	final, err := link.Apply(final, overrides)
	var refused *link.ApplyError
	if errors.As(err, &refused) {
		return nil, sdk.InvalidFields("invalid launch link", sdk.FieldViolation{Field: refused.Path.String(), Rule: refused.Err.Error()})
	}
	if final == nil {
		final = map[string]any{}
	}
	if n := values.Size(final); n > MaxValuesBytes {
		return nil, sdk.InvalidFields("values too large", sdk.FieldViolation{Field: "values",
			Rule: fmt.Sprintf("must be at most %d bytes once built (here %d): Helm stores a release in one Kubernetes Secret", MaxValuesBytes, n)})
	}
	return final, nil
}

// prefill resolves the chart's form for the request's user: its schema with the named
// schemas in place and personalised, and its defaults computed from the launch context.
func (p *Planner) prefill(ctx context.Context, req Request) (_ *Plan, _ *compiledSchema, _ prefill.Context, err error) {
	_, end := startSpan(ctx, "launch.resolve")
	defer func() { end(err) }()
	if req.Chart == nil {
		return nil, nil, nil, fmt.Errorf("launch: no chart")
	}
	if req.Context == nil {
		return nil, nil, nil, fmt.Errorf("launch: no context")
	}
	lctx := req.Context.Map()
	plan := &Plan{Chart: req.Chart.Name, Version: req.Chart.Version}
	base := values.Clone(req.Chart.Values).(map[string]any)
	if req.Base != nil {
		base = values.Clone(req.Base).(map[string]any)
	}
	if req.Chart.Schema == nil {
		plan.Prefilled = base
		return plan, nil, lctx, nil
	}
	cs, err := p.compiled(req.Chart, req.Roles)
	if err != nil {
		return nil, nil, nil, err
	}
	plan.Schema = prefill.Personalize(cs.resolved, lctx)
	if req.Base != nil {
		plan.Prefilled = base
		return plan, cs, lctx, nil
	}
	computed := prefill.Defaults(plan.Schema, lctx, req.Chart.Values)
	plan.Prefilled = values.Merge(base, computed).(map[string]any)
	return plan, cs, lctx, nil
}

// Prefill is the chart's values pre-filled for the request's context, with its personalised
// schema, before any value of the user's: what a launch starts from.
func (p *Planner) Prefill(ctx context.Context, req Request) (*Plan, error) {
	plan, _, _, err := p.prefill(ctx, req)
	return plan, err
}

func (p *Planner) compiled(c *Chart, roles []string) (*compiledSchema, error) {
	sorted := slices.Clone(roles)
	sort.Strings(sorted)
	key := cacheKey{chart: c, roles: strings.Join(sorted, "\x00")}
	p.mu.Lock()
	cs, ok := p.cache[key]
	p.mu.Unlock()
	if ok {
		return cs, nil
	}
	resolved, err := p.registry.Resolve(c.Schema, roles)
	if err != nil {
		return nil, broken("%s %s: %v", c.Name, c.Version, err)
	}
	v, err := schemacheck.CompileValue(c.Name+"-"+c.Version+"/values.schema.json", resolved)
	if err != nil {
		return nil, broken("%s %s: %v", c.Name, c.Version, err)
	}
	cs = &compiledSchema{resolved: resolved, validator: v}
	p.mu.Lock()
	p.cache[key] = cs
	p.mu.Unlock()
	return cs, nil
}

// Forget drops what the planner cached about a chart (after a catalog refresh).
func (p *Planner) Forget(c *Chart) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.cache {
		if k.chart == c {
			delete(p.cache, k)
		}
	}
}
