package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const profileYAML = `profile:
  schema:
    type: object
    required: [team]
    x-basalt-order: [team, cpuBudget]
    properties:
      team:
        type: string
        title: Team
        enum: [data-science, statistics]
      preferredLanguage:
        type: string
        default: python
        maxLength: 20
      cpuBudget:
        type: integer
        minimum: 1
        maximum: 16
        default: 2
      gpu:
        type: boolean
`

func TestProfileSchemaLoads(t *testing.T) {
	cfg, err := Load(Sources{File: writeFile(t, profileYAML)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Profile.Load()
	if err != nil || s == nil {
		t.Fatalf("%v %v", s, err)
	}
	// x-basalt-order first, the others alphabetically.
	if got := s.Names(); !slices.Equal(got, []string{"team", "cpuBudget", "gpu", "preferredLanguage"}) {
		t.Errorf("order %v", got)
	}
	team, _ := s.Field("team")
	if !team.Required || team.Title != "Team" {
		t.Errorf("team %+v", team)
	}
	got := s.Check(map[string]any{"team": "astronomy", "cpuBudget": 2.5, "preferredLanguage": strings.Repeat("r", 21), "gpu": "yes", "colour": "red"})
	want := map[string]string{
		"team": "must be one of data-science, statistics", "cpuBudget": "must be a whole number",
		"preferredLanguage": "at most 20 characters", "gpu": "must be true or false", "colour": "is not a field of the profile (team, cpuBudget, gpu, preferredLanguage)",
	}
	if len(got) != len(want) {
		t.Errorf("violations %+v", got)
	}
	for _, v := range got {
		if !strings.Contains(v.Rule, want[v.Field]) {
			t.Errorf("%s: %q, want %q", v.Field, v.Rule, want[v.Field])
		}
	}
	if got := s.Check(map[string]any{"cpuBudget": 20.0}); len(got) != 2 || got[0].Rule != "must be at most 16" || got[1] != (ProfileViolation{"team", "is required"}) {
		t.Errorf("bounds and required: %+v", got)
	}
	if got := s.Check(map[string]any{"team": "statistics", "cpuBudget": 4.0, "gpu": true}); len(got) != 0 {
		t.Errorf("good values refused: %+v", got)
	}
	// What launches read: saved values that still fit, else defaults.
	eff := s.Effective(map[string]any{"team": "statistics", "cpuBudget": 99.0})
	if eff["team"] != "statistics" || eff["cpuBudget"] != 2.0 || eff["preferredLanguage"] != "python" || len(eff) != 3 {
		t.Errorf("effective %v", eff)
	}
}

func TestProfileSchemaFileKeepsItsOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profile.json")
	body := `{"type":"object","properties":{"zone":{"type":"string"},"team":{"type":"string","default":"ops"},"age":{"type":"number"}}}`
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Sources{File: writeFile(t, "profile:\n  schema_file: "+path+"\n")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.Profile.Load()
	if err != nil || !slices.Equal(s.Names(), []string{"zone", "team", "age"}) {
		t.Fatalf("%v %v", s, err)
	}
	if s, _ := (Profile{}).Load(); s != nil {
		t.Errorf("no profile declared gives %+v", s)
	}
}

func TestProfileSchemaMistakesNameTheField(t *testing.T) {
	for body, want := range map[string]string{
		"{properties: {team: {type: array}}}":                                  "profile.schema.properties.team.type: must be string, number, integer or boolean; got array",
		"{properties: {team: {type: string, minimum: 1}}}":                     "profile.schema.properties.team.minimum: must be a number, on a number or integer field",
		"{properties: {cpu: {type: integer, minimum: 4, maximum: 2}}}":         "profile.schema.properties.cpu.minimum: is above maximum",
		"{properties: {cpu: {type: integer, default: 1.5}}}":                   "profile.schema.properties.cpu.default: must be a whole number",
		"{properties: {team: {type: string, enum: [a, 3]}}}":                   "profile.schema.properties.team.enum[1]: must be text",
		"{properties: {team: {type: string, pattern: '('}}}":                   "profile.schema.properties.team.pattern: is not a regular expression",
		"{properties: {team: {type: string, format: email}}}":                  "profile.schema.properties.team.format: is not a keyword",
		"{properties: {team-name: {type: string}}}":                            "profile.schema.properties.team-name: a field's name must be",
		"{type: object, required: [tema], properties: {team: {type: string}}}": "profile.schema.required[0]: names no field of properties; got tema",
		"{type: array}": "profile.schema.type: must be object",
	} {
		_, err := Load(Sources{File: writeFile(t, "profile:\n  schema: "+body+"\n")})
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %s", body, err, want)
		}
	}
	_, err := Load(Sources{File: writeFile(t, "profile:\n  schema_file: /nonexistent/profile.json\n")})
	if err == nil || !strings.Contains(err.Error(), "profile.schema_file: cannot read the profile schema") {
		t.Errorf("missing file: %v", err)
	}
}
