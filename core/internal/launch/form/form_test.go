package form_test

import (
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
)

const (
	catalogDir     = "../../../../../shared/catalogs/interactive"
	onyxiaSchemas  = "../../../../../shared/reference/onyxia-builtin-schemas"
	jupyterPython  = catalogDir + "/jupyter-python-2.5.2.tgz"
	jupyterPyspark = catalogDir + "/jupyter-pyspark-3.2.2.tgz"
)

// fieldsOf indexes a form's fields by path: a list's item at "list[]", its fields at "list[0].key".
func fieldsOf(f *form.Field) map[string]*form.Field {
	out := map[string]*form.Field{}
	var walk func(*form.Field)
	walk = func(f *form.Field) {
		out[f.Path] = f
		for _, c := range f.Fields {
			walk(c)
		}
		if f.Items != nil {
			walk(f.Items)
		}
	}
	walk(f)
	return out
}

func formOf(t *testing.T, reg *schema.Registry, chart string) map[string]*form.Field {
	t.Helper()
	p, err := launch.NewPlanner(reg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := launch.LoadChart(chart)
	if err != nil {
		t.Fatal(err)
	}
	ctx := launch.NewContext(launch.ContextInput{
		User:    launch.UserInfo{Username: "jdoe", Email: "jdoe@example.org"},
		Project: launch.ProjectInfo{ID: "user-jdoe", Password: "pw"},
		Region:  &launch.Region{ID: "paris"},
	})
	f, err := p.Form(launch.Request{Chart: c, Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	return fieldsOf(f.Root)
}

// Onyxia's own named schemas, served as an administrator's, require s3.enabled and a
// toleration's key, operator and effect: the fields of real charts resolved against them say
// so, and only those.
func TestFieldsCarryRequiredFromOnyxiaSchemas(t *testing.T) {
	reg, err := schema.LoadDir(onyxiaSchemas)
	if err != nil {
		t.Fatal(err)
	}
	for _, chart := range []string{jupyterPython, jupyterPyspark} {
		fields := formOf(t, reg, chart)
		for _, path := range []string{"s3.enabled", "tolerations[0].key", "tolerations[0].operator", "tolerations[0].effect"} {
			if f := fields[path]; f == nil || !f.Required {
				t.Errorf("%s: %s is not required: %+v", chart, path, f)
			}
		}
		for _, path := range []string{"s3.accessKeyId", "tolerations[0].value", "tolerations[0].tolerationSeconds", "git.name", "extraEnvVars[0].name"} {
			if f := fields[path]; f == nil || f.Required {
				t.Errorf("%s: %s is required or missing, the schema does not require it: %+v", chart, path, f)
			}
		}
	}

	// Basalt's built-in ide/extraenv.json requires an environment variable's name.
	fields := formOf(t, nil, jupyterPython)
	if f := fields["extraEnvVars[0].name"]; f == nil || !f.Required || fields["extraEnvVars[0].value"].Required {
		t.Errorf("extraEnvVars[] with Basalt's schemas: name %+v, value %+v; want name required, value not", f, fields["extraEnvVars[0].value"])
	}
}

// minLength, maxLength, minItems and maxItems reach the field they are written on; a count
// that is not a whole number is left out rather than rounded.
func TestFieldsCarryLengthsAndItemCounts(t *testing.T) {
	doc, err := schema.Decode([]byte(`{
		"type": "object",
		"required": ["user", "tags"],
		"properties": {
			"user": {"type": "string", "minLength": 3, "maxLength": 63},
			"bio": {"type": "string", "maxLength": 280, "minLength": 1.5},
			"tags": {"type": "array", "minItems": 1, "maxItems": 4, "items": {"type": "string", "maxLength": 20}},
			"ports": {"type": "array", "items": {"type": "object", "required": ["port"], "properties": {
				"port": {"type": "integer"}, "name": {"type": "string", "minLength": 0}
			}}}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	fields := fieldsOf(form.Build("c", "1.0.0", doc, map[string]any{"user": "jdoe", "tags": []any{"a"}}).Root)
	check := func(path string, required bool, minLen, maxLen, minItems, maxItems int) {
		t.Helper()
		f := fields[path]
		if f == nil {
			t.Fatalf("no field %s", path)
		}
		if f.Required != required || got(f.MinLength) != minLen || got(f.MaxLength) != maxLen || got(f.MinItems) != minItems || got(f.MaxItems) != maxItems {
			t.Errorf("%s: required %v, length %d..%d, items %d..%d; want %v, %d..%d, %d..%d", path, f.Required,
				got(f.MinLength), got(f.MaxLength), got(f.MinItems), got(f.MaxItems), required, minLen, maxLen, minItems, maxItems)
		}
	}
	const none = -1
	check("user", true, 3, 63, none, none)
	check("bio", false, none, 280, none, none)
	check("tags", true, none, none, 1, 4)
	check("tags[]", false, none, 20, none, none)
	check("ports[0].port", true, none, none, none, none)
	check("ports[0].name", false, 0, none, none, none)
	check("ports", false, none, none, none, none)
}

func got(n *int) int {
	if n == nil {
		return -1
	}
	return *n
}
