package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/launch/action"
	"github.com/basalt-dev/basalt/core/internal/launch/form"
	"github.com/basalt-dev/basalt/sdk"
)

// The user profile form (Onyxia's declarative user profile): the administrator declares its
// fields (profile.schema), each user saves their answers in a personal document, and every
// launch context reads them as user.profile.<field>.

// maxProfileBytes bounds the saved values, written as JSON: a few fields of text, not data.
const maxProfileBytes = 16 << 10

// ProfileView is the profile's schema, its form and the caller's values.
type ProfileView struct {
	// Schema is the JSON Schema the administrator declared; absent when none is.
	Schema map[string]any `json:"schema,omitempty"`
	// Form is the schema as the launch form describes one, for the portal to draw.
	Form *form.Field `json:"form,omitempty"`
	// Values are the caller's saved answers: a field left out takes its default.
	Values map[string]any `json:"values"`
}

// ProfileUpdate is the caller's answers, saved whole.
type ProfileUpdate struct {
	Values map[string]any `json:"values"`
}

func (s *Server) profileView(values map[string]any) ProfileView {
	if values == nil {
		values = map[string]any{}
	}
	v := ProfileView{Values: values}
	if p := s.launcher.Profile; p != nil {
		v.Schema = p.Document
		v.Form = form.Build("", "", p.Document, values).Root
	}
	return v
}

func (s *Server) getProfile(c echo.Context) error {
	saved, _, err := readPersonal[action.UserProfile](c, action.ProfileDocument)
	if err != nil {
		return err
	}
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, s.profileView(saved.Values))
}

func (s *Server) putProfile(c echo.Context) error {
	var in ProfileUpdate
	if err := httpapi.DecodeStrict(c, &in, "the profile {values}"); err != nil {
		return err
	}
	if err := s.checkProfile(in.Values); err != nil {
		return err
	}
	// A cleared field (null) is dropped: its default applies again.
	values := map[string]any{}
	for k, v := range in.Values {
		if v != nil {
			values[k] = v
		}
	}
	if err := changePersonal(s, c, action.ProfileDocument, false, func(p *action.UserProfile) error {
		p.Values = values
		return nil
	}); err != nil {
		return err
	}
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, s.profileView(values))
}

// checkProfile names every value that cannot be saved, and the rule it breaks.
func (s *Server) checkProfile(values map[string]any) error {
	if raw, _ := json.Marshal(values); len(raw) > maxProfileBytes {
		return sdk.InvalidFields("invalid profile", sdk.FieldViolation{Field: "values", Rule: "must be at most 16 KiB written as JSON"})
	}
	p := s.launcher.Profile
	var bad []sdk.FieldViolation
	if p == nil {
		for k := range values {
			bad = append(bad, sdk.FieldViolation{Field: "values." + k, Rule: "is not a field of the profile: this instance declares none"})
		}
	} else {
		for _, v := range p.Check(values) {
			bad = append(bad, sdk.FieldViolation{Field: "values." + v.Field, Rule: v.Rule})
		}
	}
	if len(bad) > 0 {
		return sdk.InvalidFields("invalid profile", bad...)
	}
	return nil
}

// optOutList reads a launch form's profileOptOut: field names separated by commas.
func optOutList(q string) []string {
	var out []string
	for _, name := range strings.Split(q, ",") {
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out
}
