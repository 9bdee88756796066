package action

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/sdk"
)

// ProfileDocument is the personal document holding the user's answers to the profile form.
const ProfileDocument = documents.Folder + "/profile"

// UserProfile is that document: the values as the user saved them.
type UserProfile struct {
	Values map[string]any `json:"values"`
}

// launchProfile is user.profile for a launch: what the user's settings hold (free-form,
// from before the form), overlaid with the declared fields' values or defaults, less the
// fields the launch opts out of.
func (c *Config) launchProfile(fromSettings map[string]any, saved UserProfile, optOut []string) (map[string]any, error) {
	if c.Profile == nil {
		if len(optOut) > 0 {
			return nil, sdk.InvalidFields("invalid launch", sdk.FieldViolation{Field: "profileOptOut", Rule: "must be empty: this instance declares no profile"})
		}
		return fromSettings, nil
	}
	var bad []sdk.FieldViolation
	for i, name := range optOut {
		if _, ok := c.Profile.Field(name); !ok {
			bad = append(bad, sdk.FieldViolation{Field: fmt.Sprintf("profileOptOut[%d]", i),
				Rule: fmt.Sprintf("names no field of the profile (%s); got %q", strings.Join(c.Profile.Names(), ", "), name)})
		}
	}
	if len(bad) > 0 {
		return nil, sdk.InvalidFields("invalid launch", bad...)
	}
	out := maps.Clone(fromSettings)
	if out == nil {
		out = map[string]any{}
	}
	maps.Copy(out, c.Profile.Effective(saved.Values))
	for _, name := range optOut {
		delete(out, name)
	}
	return out, nil
}

// profileRead finds user.profile.<field> wherever a chart's schema reads the context: paths
// and templates alike.
var profileRead = regexp.MustCompile(`user\.profile\.([A-Za-z][A-Za-z0-9_]*)`)

// profileUsed lists the declared profile fields a chart's schema reads, in the profile's
// order: the launcher offers to leave each out.
func (c *Config) profileUsed(chartSchema map[string]any) []string {
	if c.Profile == nil || chartSchema == nil {
		return nil
	}
	raw, err := json.Marshal(chartSchema)
	if err != nil {
		return nil
	}
	read := map[string]bool{}
	for _, m := range profileRead.FindAllStringSubmatch(string(raw), -1) {
		read[m[1]] = true
	}
	var out []string
	for _, name := range c.Profile.Names() {
		if read[name] && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
