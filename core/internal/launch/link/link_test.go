package link

import (
	"errors"
	"reflect"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

func TestParseCompatExamples(t *testing.T) {
	tests := []struct {
		query string
		want  Link
	}{
		{
			query: "name=my-nb&autoLaunch=true&resources.limits.memory=%C2%AB8Gi%C2%BB&persistence.size=%C2%AB20Gi%C2%BB",
			want: Link{Name: "my-nb", AutoLaunch: true, Overrides: []Override{
				{Path: values.Path{"resources", "limits", "memory"}, Value: "8Gi"},
				{Path: values.Path{"persistence", "size"}, Value: "20Gi"},
			}},
		},
		{
			query: "version=2.3.1&shared=true&s3=default&kubernetes.enabled=false&networking.user.port=8888&git.branch=-",
			want: Link{Version: "2.3.1", Shared: ptr(true), S3: "default", Overrides: []Override{
				{Path: values.Path{"kubernetes", "enabled"}, Value: false},
				{Path: values.Path{"networking", "user", "port"}, Value: 8888.0},
				{Path: values.Path{"git", "branch"}, Unset: true},
			}},
		},
		{
			query: "tolerations[0].key=%C2%ABnvidia.com%2Fgpu%C2%BB&tolerations[0].operator=%C2%ABExists%C2%BB&nodeSelector.node%5C.kubernetes%5C.io/instance-type=%C2%ABg5.xlarge%C2%BB",
			want: Link{Overrides: []Override{
				{Path: values.Path{"tolerations", 0, "key"}, Value: "nvidia.com/gpu"},
				{Path: values.Path{"tolerations", 0, "operator"}, Value: "Exists"},
				{Path: values.Path{"nodeSelector", "node.kubernetes.io/instance-type"}, Value: "g5.xlarge"},
			}},
		},
		{
			query: "replicaCount.=2&service.image.version=%C2%AB16.4%C2%BB&primary.persistence.size=20&a\\.b.c=null",
			want: Link{Overrides: []Override{
				{Path: values.Path{"replicaCount"}, Value: 2.0},
				{Path: values.Path{"service", "image", "version"}, Value: "16.4"},
				{Path: values.Path{"primary", "persistence", "size"}, Value: 20.0},
				{Path: values.Path{"a.b", "c"}, Value: nil},
			}},
		},
	}
	for _, tt := range tests {
		got, err := Parse(tt.query)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.query, err)
		}
		if !sameLink(got, tt.want) {
			t.Errorf("Parse(%q) =\n %+v\nwant\n %+v", tt.query, got, tt.want)
		}
		back, err := Format(got)
		if err != nil || back != tt.query {
			t.Errorf("Format(Parse(%q)) = %q, %v", tt.query, back, err)
		}
		// a link built in code is written canonically and reads back the same
		canon, err := Format(tt.want)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(canon)
		if err != nil || !sameLink(again, tt.want) {
			t.Errorf("Parse(Format(%+v)) = %+v, %v (text %q)", tt.want, again, err, canon)
		}
	}
}

func TestCanonicalFormat(t *testing.T) {
	l := Link{Name: "my nb", Shared: ptr(false), AutoLaunch: true, Overrides: []Override{
		{Path: values.Path{"replicaCount"}, Value: 2},
		{Path: values.Path{"nodeSelector", "node.kubernetes.io/x"}, Value: "a b/«c»"},
		{Path: values.Path{"git", "branch"}, Unset: true},
		{Path: values.Path{"x", 1, "y"}, Value: 1.5},
	}}
	got, err := Format(l)
	if err != nil {
		t.Fatal(err)
	}
	want := "name=my%20nb&shared=false&autoLaunch=true&replicaCount.=2&nodeSelector.node%5C.kubernetes%5C.io/x=%C2%ABa%20b%2F%C2%AB" +
		"c%C2%BB%C2%BB&git.branch=-&x[1].y=1.5"
	if got != want {
		t.Errorf("Format =\n %s\nwant\n %s", got, want)
	}
}

func TestParseRejects(t *testing.T) {
	for _, q := range []string{
		"a.b=8Gi",        // neither a full number nor «text»
		"a.b=12abc",      // numbers only when fully numeric
		"a.b=",           // empty value
		"a..b=1",         // empty segment
		".a=1",           // empty first segment
		"a[x].b=1",       // bad index
		"a[0]b.c=1",      // missing dot after index
		"shared=yes",     // shared is a boolean
		"name=a&name=b",  // twice
		"a.b=%C2%ABx",    // unterminated «
		"a.b=%ZZ",        // bad escape
		"autoLaunch=1",   // boolean only
		"a.b=1e999",      // out of range
		"a[01].b=1",      // not canonical index
		"x.y=%C2%AB%E2%", // truncated escape
	} {
		if _, err := Parse(q); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", q, err)
		}
	}
}

func TestKeepsIgnoredParametersAndOrder(t *testing.T) {
	q := "oidc-spa.state=abc&a.b=1&name=x&foo=bar&&c.d=true"
	l, err := Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Overrides) != 2 || l.Name != "x" {
		t.Fatalf("Parse = %+v", l)
	}
	back, _ := Format(l)
	if back != q {
		t.Errorf("Format = %q, want %q", back, q)
	}
	// a changed value is written canonically in place, the rest as it was
	l.Overrides[0].Value = "one"
	l.Name = ""
	back, _ = Format(l)
	if want := "oidc-spa.state=abc&a.b=%C2%ABone%C2%BB&foo=bar&&c.d=true"; back != want {
		t.Errorf("Format after edit = %q, want %q", back, want)
	}
}

func TestApply(t *testing.T) {
	l, err := Parse("tolerations[0].key=%C2%ABk%C2%BB&git.branch=-&list[1].=-&new.deep.x=3")
	if err != nil {
		t.Fatal(err)
	}
	root := map[string]any{
		"git":  map[string]any{"branch": "main", "name": "a"},
		"list": []any{"a", "b", "c"},
	}
	got, err := Apply(root, l.Overrides)
	want := map[string]any{
		"git":         map[string]any{"name": "a"},
		"list":        []any{"a"},
		"tolerations": []any{map[string]any{"key": "k"}},
		"new":         map[string]any{"deep": map[string]any{"x": 3.0}},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Apply = %#v, %v\nwant %#v", got, err, want)
	}
}

func ptr[T any](v T) *T { return &v }

func sameLink(a, b Link) bool {
	if a.Name != b.Name || a.Version != b.Version || a.S3 != b.S3 || a.AutoLaunch != b.AutoLaunch {
		return false
	}
	if (a.Shared == nil) != (b.Shared == nil) || (a.Shared != nil && *a.Shared != *b.Shared) {
		return false
	}
	if len(a.Overrides) != len(b.Overrides) {
		return false
	}
	for i := range a.Overrides {
		x, y := a.Overrides[i], b.Overrides[i]
		if !pathEqual(x.Path, y.Path) || x.Unset != y.Unset || !values.Equal(x.Value, y.Value) {
			return false
		}
	}
	return true
}
