package action

import (
	"errors"
	"slices"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

func TestLaunchProfileOverlaysAndOptsOut(t *testing.T) {
	cfg, err := config.Load(config.Sources{Sets: []string{
		`profile.schema={"properties":{"team":{"type":"string"},"cpuBudget":{"type":"integer","default":2}}}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewConfig(cfg, nil, nil)
	if err != nil || c.Profile == nil {
		t.Fatalf("%v %v", c, err)
	}
	fromSettings := map[string]any{"aiAssistant": map[string]any{"enabled": true}, "team": "old"}
	saved := UserProfile{Values: map[string]any{"team": "statistics", "cpuBudget": 99.5}} // cpuBudget no longer fits
	got, err := c.launchProfile(fromSettings, saved, nil)
	want := map[string]any{"aiAssistant": map[string]any{"enabled": true}, "team": "statistics", "cpuBudget": 2.0}
	if err != nil || len(got) != 3 || got["team"] != "statistics" || got["cpuBudget"] != 2.0 || got["aiAssistant"] == nil {
		t.Errorf("got %v %v, want %v", got, err, want)
	}
	if fromSettings["team"] != "old" {
		t.Error("the settings' map was changed in place")
	}
	got, _ = c.launchProfile(fromSettings, saved, []string{"team"})
	if _, ok := got["team"]; ok || got["cpuBudget"] != 2.0 {
		t.Errorf("opted out of team: %v", got)
	}
	_, err = c.launchProfile(nil, saved, []string{"team", "colour"})
	var ie *sdk.Error
	if !errors.Is(err, sdk.ErrInvalidArgument) || !errors.As(err, &ie) || len(ie.Fields) != 1 || ie.Fields[0].Field != "profileOptOut[1]" {
		t.Errorf("unknown field opted out: %v", err)
	}

	schema := map[string]any{"properties": map[string]any{
		"a": map[string]any{"x-onyxia": map[string]any{"overwriteDefaultWith": "{{user.profile.cpuBudget}}-{{user.profile.team}}"}},
		"b": map[string]any{"x-onyxia": map[string]any{"overwriteDefaultWith": "user.profile.unknown"}},
	}}
	if used := c.profileUsed(schema); !slices.Equal(used, []string{"cpuBudget", "team"}) {
		t.Errorf("fields the chart reads: %v", used)
	}
	none, _ := NewConfig(mustLoad(t), nil, nil)
	if got, err := none.launchProfile(fromSettings, UserProfile{}, nil); err != nil || len(got) != 2 || got["team"] != "old" {
		t.Errorf("without a declared profile the settings' profile stays: %v %v", got, err)
	}
	if _, err := none.launchProfile(nil, UserProfile{}, []string{"team"}); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("opting out without a profile: %v", err)
	}
}

func mustLoad(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.Sources{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
