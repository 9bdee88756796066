package documents

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch"
	"github.com/basalt-dev/basalt/sdk"
)

// settingsKey is where the settings secret keeps them; the git token among them is a secret.
const settingsKey = "settings.json"

// Settings are what a user sets once and every launch uses: their git identity (the launch
// context's git fields) and their profile (user.profile).
type Settings struct {
	GitName                string         `json:"gitName"`
	GitEmail               string         `json:"gitEmail"`
	GitToken               string         `json:"gitToken"`
	GitProject             string         `json:"gitProject"`
	GitCredentialsCacheTTL int            `json:"gitCredentialsCacheTTL"` // seconds; 0 leaves git's default
	Profile                map[string]any `json:"profile"`
}

// Launch is the settings as a launch context takes them.
func (s Settings) Launch() launch.UserSettings {
	return launch.UserSettings{GitName: s.GitName, GitEmail: s.GitEmail, GitToken: s.GitToken, GitProject: s.GitProject,
		GitCredentialsCacheTTL: s.GitCredentialsCacheTTL, Profile: s.Profile}
}

// Validate names every field that cannot be saved.
func (s Settings) Validate() error {
	var bad []sdk.FieldViolation
	if s.GitEmail != "" && !strings.Contains(s.GitEmail, "@") {
		bad = append(bad, sdk.FieldViolation{Field: "gitEmail", Rule: "must be an e-mail address"})
	}
	if s.GitCredentialsCacheTTL < 0 {
		bad = append(bad, sdk.FieldViolation{Field: "gitCredentialsCacheTTL", Rule: "must not be negative"})
	}
	for _, f := range []struct{ field, value string }{
		{"gitName", s.GitName}, {"gitEmail", s.GitEmail}, {"gitToken", s.GitToken}, {"gitProject", s.GitProject},
	} {
		if strings.ContainsAny(f.value, "\n\r\x00") {
			bad = append(bad, sdk.FieldViolation{Field: f.field, Rule: "must be one line"})
		}
	}
	if len(bad) > 0 {
		return sdk.InvalidFields("invalid settings", bad...)
	}
	return nil
}

// Settings returns the home's settings; none saved yet is the zero settings.
func (h *Home) Settings(ctx context.Context) (Settings, error) {
	resp, err := h.store.Read(h.scope.Context(ctx), sdk.ReadSecretRequest{Path: h.path + "/" + settings})
	if errors.Is(err, sdk.ErrNotFound) {
		return Settings{Profile: map[string]any{}}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	var out Settings
	if err := json.Unmarshal([]byte(resp.Data[settingsKey]), &out); err != nil {
		return Settings{}, sdk.Errorf(sdk.ErrConflict, "the saved settings are not readable; save them again")
	}
	if out.Profile == nil {
		out.Profile = map[string]any{}
	}
	return out, nil
}

// SaveSettings validates and saves the settings whole; they come back as saved.
func (h *Home) SaveSettings(ctx context.Context, s Settings) (Settings, error) {
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	if s.Profile == nil {
		s.Profile = map[string]any{}
	}
	data, err := json.Marshal(s)
	if err != nil {
		return Settings{}, err
	}
	_, err = h.store.Write(h.scope.Context(ctx), sdk.WriteSecretRequest{Path: h.path + "/" + settings, Data: map[string]string{settingsKey: string(data)}})
	return s, err
}
