package schemacheck

import "testing"

func TestViolationsNameFieldAndRule(t *testing.T) {
	s, err := Compile("t.json", []byte(`{
		"type": "object",
		"required": ["root"],
		"properties": {
			"root": {"type": "string"},
			"limits": {"type": "object", "properties": {"cpu": {"type": "integer", "minimum": 1}}}
		},
		"additionalProperties": false
	}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Check("plugins.fs.config", []byte(`{"limits": {"cpu": 0}, "extra": true}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"plugins.fs.config": false, "plugins.fs.config.limits.cpu": false}
	for _, v := range got {
		if _, ok := want[v.Field]; !ok {
			t.Errorf("unexpected violation %+v", v)
		}
		want[v.Field] = true
		if v.Rule == "" {
			t.Errorf("violation of %s has no rule", v.Field)
		}
	}
	for f, seen := range want {
		if !seen {
			t.Errorf("no violation reported for %s (got %+v)", f, got)
		}
	}
	ok, err := s.Check("x", []byte(`{"root": "/tmp"}`))
	if err != nil || len(ok) != 0 {
		t.Fatalf("valid document reported %v %v", ok, err)
	}
}

func TestCompileRejectsBrokenSchema(t *testing.T) {
	if _, err := Compile("bad.json", []byte(`{"type": 3}`)); err == nil {
		t.Fatal("a schema with a wrong type keyword must not compile")
	}
	if _, err := Compile("bad.json", []byte(`{`)); err == nil {
		t.Fatal("invalid JSON must not compile")
	}
}
