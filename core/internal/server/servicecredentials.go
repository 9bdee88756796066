package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/launch/prefill"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/core/internal/launch/values"
	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// A service's values show its secrets masked; its owner gets back, on demand, the ones the
// service itself asks them for: the values its launch form asked as passwords that the
// platform or the user chose for this service (not those copied from the user's other
// credentials, S3, Vault or git, which the account pages show), and the application's token
// the gateway and the lifecycle present for it (lifecycle.probes' token_value).

// ServiceCredentials are the passwords and tokens a service asks its users for, as it runs.
type ServiceCredentials struct {
	Credentials []ServiceCredential `json:"credentials"`
	Commands    []string            `json:"commands"`
}

// ServiceCredential is one password or token of a service.
type ServiceCredential struct {
	Path  string `json:"path"`  // the value's path, e.g. security.password
	Title string `json:"title"` // the launch form's title for it; its path when it has none
	// Kind is password, or token for the application's token (what Basalt presents to it).
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Credential kinds.
const (
	credentialPassword = "password"
	credentialToken    = "token"
)

// ownPasswordSources are the launch context's entries that make a password the service's
// own: one chosen for this service, or the project's service password.
var ownPasswordSources = []string{"service.oneTimePassword", "project.password", "user.password"}

// serviceCredentials answers the caller's own service's passwords: reading one is audited,
// and no cache keeps the answer.
func (s *Server) serviceCredentials(c echo.Context) error {
	sc, region := inServices(c)
	got, err := s.release(c, sc, region, false)
	if err != nil {
		return err
	}
	rel := got.Release
	if o := rel.Metadata.Owner; o != "" && o != sc.User.Username {
		return sdk.Errorf(sdk.ErrPermissionDenied, "only %s, who launched this service, can read its passwords", o)
	}
	ctx := c.Request().Context()
	fields, err := s.passwordFields(c, sc, rel)
	if err != nil {
		return err
	}
	for _, p := range s.opts.Config.Lifecycle.Probes {
		if p.Kind != config.ProbeJupyter || p.TokenValue == "" || !slices.Contains(p.Charts, rel.Chart) {
			continue
		}
		if i := slices.IndexFunc(fields, func(f ServiceCredential) bool { return f.Path == p.TokenValue }); i >= 0 {
			fields[i].Kind = credentialToken
		} else {
			fields = append(fields, ServiceCredential{Path: p.TokenValue, Title: p.TokenValue, Kind: credentialToken})
		}
	}
	out := []ServiceCredential{}
	if len(fields) > 0 {
		unmasked, err := region.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: rel.Name}, Unmasked: true})
		if err != nil {
			return err
		}
		var current map[string]any
		if err := json.Unmarshal(unmasked.Values, &current); err != nil {
			return fmt.Errorf("the values of service %s: %w", rel.Name, err)
		}
		for _, f := range fields {
			p, err := values.ParsePath(f.Path)
			if err != nil {
				continue
			}
			if v, _ := values.Get(current, p); v != nil {
				if text, ok := v.(string); ok && text != "" {
					f.Value = text
					out = append(out, f)
				}
			}
		}
	}
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, ServiceCredentials{Credentials: out, Commands: []string{
		shell.Command("helm", "get", "values", rel.Name, "--namespace", sc.Namespace, "--output", "json")}})
}

// passwordFields are the values the launch form of the service's chart version asks as the
// service's own passwords; none when its catalog no longer offers that version.
func (s *Server) passwordFields(c echo.Context, sc *scope.Scope, rel sdk.Release) ([]ServiceCredential, error) {
	if rel.Metadata.Catalog == "" {
		return nil, nil
	}
	ctx := c.Request().Context()
	chart := rel.Metadata.Chart
	if chart == "" {
		chart = rel.Chart
	}
	entry, err := s.catalogs.Open(ctx, sc.User, sc.Project, rel.Metadata.Catalog)
	if errors.Is(err, sdk.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	resp, err := entry.Chart(ctx, chart, rel.ChartVersion)
	if errors.Is(err, sdk.ErrNotFound) || (err == nil && len(resp.ValuesSchema) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	doc, err := schema.Decode(resp.ValuesSchema)
	if err != nil {
		return nil, fmt.Errorf("the schema of %s %s: %w", chart, rel.ChartVersion, err)
	}
	resolved, err := s.launcher.Planner.Registry().Resolve(doc, sc.User.Roles)
	if err != nil {
		return nil, fmt.Errorf("the schema of %s %s: %w", chart, rel.ChartVersion, err)
	}
	return ownPasswords(resolved), nil
}

// ownPasswords walks a resolved schema's objects, in the form's order, for the values drawn
// as passwords (render or format password) that no other credential of the user's fills.
func ownPasswords(s map[string]any) []ServiceCredential {
	var out []ServiceCredential
	var walk func(node map[string]any, p values.Path)
	walk = func(node map[string]any, p values.Path) {
		if len(p) > 0 && isPasswordField(node) {
			title, _ := node["title"].(string)
			if title == "" {
				title = p.String()
			}
			out = append(out, ServiceCredential{Path: p.String(), Title: title, Kind: credentialPassword})
			return
		}
		props, _ := node["properties"].(map[string]any)
		for _, k := range schema.PropertyOrder(node) {
			if child, ok := props[k].(map[string]any); ok {
				walk(child, p.Child(k))
			}
		}
	}
	walk(s, values.Path{})
	return out
}

func isPasswordField(node map[string]any) bool {
	if node["render"] != "password" && node["format"] != "password" {
		return false
	}
	x, _ := node["x-onyxia"].(map[string]any)
	source, ok := x["overwriteDefaultWith"]
	if !ok {
		return true // the chart's own, or what the user typed
	}
	read := prefill.Paths(source)
	for _, p := range read {
		if !slices.Contains(ownPasswordSources, p) {
			return false
		}
	}
	return len(read) > 0
}
