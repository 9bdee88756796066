package action

import (
	"context"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/launch/link"
)

// Render is the launch pipeline offline, for chart authors and tests (basalt render): the
// chart and the launch context are given whole and no plugin is asked; the user's values
// and a launch link's overrides are layered as a launch layers them.
type Render struct{ planner *launch.Planner }

// NewRender returns the offline verb over a planner.
func NewRender(planner *launch.Planner) *Render { return &Render{planner: planner} }

// Offline is what an offline launch is made of.
type Offline struct {
	Chart   *launch.Chart
	Context *launch.Context
	Roles   []string
	Values  []map[string]any // layered in order
	Link    string           // a launch link's query string, with or without what precedes "?"
}

func (o Offline) request() (launch.Request, error) {
	req := launch.Request{Chart: o.Chart, Context: o.Context, Roles: o.Roles, Values: o.Values}
	if o.Link != "" {
		q := o.Link
		if _, after, ok := strings.Cut(q, "?"); ok {
			q = after
		}
		l, err := link.Parse(q)
		if err != nil {
			return req, err
		}
		req.Overrides = l.Overrides
	}
	return req, nil
}

// Plan is the values the launch would install; invalid ones are an sdk.InvalidFields error.
func (r *Render) Plan(ctx context.Context, in Offline) (*launch.Plan, error) {
	req, err := in.request()
	if err != nil {
		return nil, err
	}
	return r.planner.PlanContext(ctx, req)
}

// Form is the launch's form, pre-filled from the context, with the link's changes.
func (r *Render) Form(ctx context.Context, in Offline) (*form.Form, error) {
	req, err := in.request()
	if err != nil {
		return nil, err
	}
	return r.planner.FormContext(ctx, req)
}
