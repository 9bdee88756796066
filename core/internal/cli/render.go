package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/sdk"
)

type renderFlags struct {
	chart, context, region, schemas, link string
	values, sets, roles                   []string
	form                                  bool
}

// newRender is `basalt render`: the launch pipeline offline, for chart authors and tests.
// Exit status: 0 with the values (or the form) on stdout, 2 with each invalid field on
// stderr, 1 for a broken chart, context or flag.
func newRender(stdout, stderr io.Writer) *cobra.Command {
	var f renderFlags
	cmd := &cobra.Command{
		Use:   "render --chart <dir|.tgz> --context <context.json>",
		Short: "Print the values a launch would install (or its form), offline",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(stdout, stderr)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.chart, "chart", "", "chart directory or .tgz archive (required)")
	fl.StringVar(&f.context, "context", "", "launch context as JSON, in Onyxia's shape (required)")
	fl.StringArrayVar(&f.values, "values", nil, "YAML file of user values (repeatable, later ones win)")
	fl.StringArrayVar(&f.sets, "set", nil, "one user value, path=value with the value read as YAML (repeatable)")
	fl.StringVar(&f.link, "link", "", "launch link query string, e.g. 'name=nb&resources.limits.memory=%C2%AB8Gi%C2%BB'")
	fl.StringVar(&f.schemas, "schemas", "", "administrator schema directory (role schemas under roles/<role>/)")
	fl.StringArrayVar(&f.roles, "role", nil, "a role of the user, for role schemas (repeatable)")
	fl.StringVar(&f.region, "region", "", "region configuration (YAML) applied over the context")
	fl.BoolVar(&f.form, "form", false, "print the form description instead of the values")
	_ = cmd.MarkFlagRequired("chart")
	_ = cmd.MarkFlagRequired("context")
	return cmd
}

func (f *renderFlags) run(stdout, stderr io.Writer) error {
	chart, err := launch.LoadChart(f.chart)
	if err != nil {
		return err
	}
	ctx, err := readContext(f.context)
	if err != nil {
		return err
	}
	if f.region != "" {
		r, err := launch.LoadRegion(f.region)
		if err != nil {
			return err
		}
		ctx.ApplyRegion(r)
	}
	reg, err := schema.LoadDir(f.schemas)
	if err != nil {
		return err
	}
	planner, err := launch.NewPlanner(reg)
	if err != nil {
		return err
	}
	in := action.Offline{Chart: chart, Context: ctx, Roles: f.roles, Link: f.link}
	for _, path := range f.values {
		v, err := readValues(path)
		if err != nil {
			return err
		}
		in.Values = append(in.Values, v)
	}
	if len(f.sets) > 0 {
		sets, err := parseSets(f.sets)
		if err != nil {
			return err
		}
		in.Values = append(in.Values, sets)
	}
	render := action.NewRender(planner)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if f.form {
		form, err := render.Form(context.Background(), in)
		if err != nil {
			return err
		}
		return enc.Encode(form)
	}
	plan, err := render.Plan(context.Background(), in)
	if fields := sdk.FieldsOf(err); len(fields) > 0 {
		for _, v := range fields {
			fmt.Fprintf(stderr, "%s: %s\n", v.Field, v.Rule)
		}
		return exitError{code: 2, err: fmt.Errorf("%d invalid value(s)", len(fields))}
	}
	if err != nil {
		return err
	}
	return enc.Encode(plan.Values)
}

func readContext(path string) (*launch.Context, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("context: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c launch.Context
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("context %s: %w", path, err)
	}
	return &c, nil
}

func readValues(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("values %s: %w", path, err)
	}
	if v == nil {
		return map[string]any{}, nil
	}
	m, ok := values.Normalize(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("values %s: not a mapping", path)
	}
	return m, nil
}

func parseSets(sets []string) (map[string]any, error) {
	var root any = map[string]any{}
	for _, s := range sets {
		k, raw, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("--set %s: want path=value", s)
		}
		p, err := values.ParsePath(k)
		if err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
		if _, isKey := p[0].(string); !isKey {
			return nil, errors.New("--set " + s + ": must start with a key")
		}
		var v any
		if err := yaml.Unmarshal([]byte(raw), &v); err != nil {
			v = raw
		}
		if root, err = values.Set(root, p, values.Normalize(v)); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
	}
	return root.(map[string]any), nil
}
