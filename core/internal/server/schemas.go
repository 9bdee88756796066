package server

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/launch/schema"
	"github.com/basalt-dev/basalt/sdk"
)

// SchemaView is a named schema of the registry as the caller gets it.
type SchemaView struct {
	Name   string          `json:"name"`
	Source schema.Source   `json:"source"`
	Role   string          `json:"role,omitempty"`
	Schema json.RawMessage `json:"schema,omitempty"`
}

// SchemaList is the names of the schemas a caller can use, without their content.
type SchemaList struct {
	Schemas []SchemaView `json:"schemas"`
}

// schemaCaller is the caller of the registry's endpoints, who must be able to read catalogs
// in the project they act in: the schemas are what the catalogs' charts pull in.
func (s *Server) schemaCaller(c echo.Context) (*identity.User, error) {
	u, p, err := s.project(c)
	if err != nil {
		return nil, err
	}
	if !s.opts.Authz.Allowed(u, s.scopes.Projects(u), p.ID, authz.ObjCatalogs, authz.ActRead) {
		return nil, sdk.Errorf(sdk.ErrNotFound, "not found in project %q", p.ID)
	}
	return u, nil
}

// listSchemas lists the names overwriteSchemaWith can use for the caller: built-in,
// the administrator's, and those of the caller's roles.
func (s *Server) listSchemas(c echo.Context) error {
	u, err := s.schemaCaller(c)
	if err != nil {
		return err
	}
	entries := s.launcher.Planner.Registry().List(u.Roles)
	out := make([]SchemaView, len(entries))
	for i, e := range entries {
		out[i] = SchemaView{Name: e.Name, Source: e.Source, Role: e.Role}
	}
	return c.JSON(http.StatusOK, SchemaList{Schemas: out})
}

// getSchema returns the schema a name gives the caller, role-specific first, with its
// properties in the order of its file.
func (s *Server) getSchema(c echo.Context) error {
	u, err := s.schemaCaller(c)
	if err != nil {
		return err
	}
	name, err := url.PathUnescape(c.Param("name"))
	if err != nil {
		return sdk.InvalidFields("invalid schema name", sdk.FieldViolation{Field: "name", Rule: "must be percent-encoded"})
	}
	doc, src, ok := s.launcher.Planner.Registry().Lookup(name, u.Roles)
	if !ok {
		return sdk.Errorf(sdk.ErrNotFound, "no schema named %q", name)
	}
	raw, err := schema.Encode(doc)
	if err != nil {
		return err
	}
	v := SchemaView{Name: name, Source: src, Schema: raw}
	if src == schema.SourceRole {
		v.Role = s.launcher.Planner.Registry().RoleOf(name, u.Roles)
	}
	return c.JSON(http.StatusOK, v)
}
