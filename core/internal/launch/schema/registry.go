// Package schema owns the named JSON Schemas that charts pull in with
// x-onyxia.overwriteSchemaWith (Basalt's built-in set, an administrator's directory and
// per-role directories) and the resolution of a chart's values.schema.json into one
// self-contained schema: named schemas swapped in, $ref inlined.
package schema

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
)

//go:embed builtin
var builtinFS embed.FS

// Builtin returns Basalt's own named schemas, keyed by registry name ("ide/resources.json").
func Builtin() fs.FS {
	sub, err := fs.Sub(builtinFS, "builtin")
	if err != nil {
		panic(err) // the embedded tree is part of the binary
	}
	return sub
}

// Registry finds named schemas: a role's schemas first (roles in alphabetical order, first
// hit wins), then the administrator's, then the built-in ones.
type Registry struct {
	roles   map[string]map[string]map[string]any // role → name → schema
	admin   map[string]map[string]any
	builtin map[string]map[string]any
}

// Source says where a named schema came from.
type Source string

const (
	SourceRole    Source = "role"
	SourceAdmin   Source = "admin"
	SourceBuiltin Source = "builtin"
)

// Entry is one named schema as the registry publishes it.
type Entry struct {
	Name   string         `json:"name"`
	Source Source         `json:"source"`
	Role   string         `json:"role,omitempty"`
	Schema map[string]any `json:"schema"`
}

// NewRegistry reads every *.json file of the administrator's tree (but its top-level roles/
// folder) and of each role's tree (either may be nil) over Basalt's built-in schemas. A file that is not a JSON object is
// an error naming it.
func NewRegistry(admin fs.FS, roles map[string]fs.FS) (*Registry, error) {
	r := &Registry{roles: map[string]map[string]map[string]any{}}
	var err error
	if r.builtin, err = readTree(Builtin(), false); err != nil {
		return nil, fmt.Errorf("built-in schemas: %w", err)
	}
	if admin != nil {
		if r.admin, err = readTree(admin, true); err != nil {
			return nil, fmt.Errorf("administrator schemas: %w", err)
		}
	}
	for role, tree := range roles {
		if r.roles[role], err = readTree(tree, false); err != nil {
			return nil, fmt.Errorf("schemas of role %s: %w", role, err)
		}
	}
	return r, nil
}

// LoadDir reads an administrator's schema directory laid out as Onyxia's are: named schemas
// at their names under dir ("ide/resources.json"), and a role's own under
// roles/<role>/ (which are not also administrator schemas).
func LoadDir(dir string) (*Registry, error) {
	if dir == "" {
		return NewRegistry(nil, nil)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("schema directory %s: not a directory", dir)
	}
	roles := map[string]fs.FS{}
	entries, _ := os.ReadDir(filepath.Join(dir, "roles"))
	for _, e := range entries {
		if e.IsDir() {
			roles[e.Name()] = os.DirFS(filepath.Join(dir, "roles", e.Name()))
		}
	}
	return NewRegistry(os.DirFS(dir), roles)
}

func readTree(tree fs.FS, reserveRoles bool) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	err := fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == "." {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() && p == "roles" && reserveRoles {
			return fs.SkipDir // role schemas are not administrator schemas
		}
		if d.IsDir() || path.Ext(p) != ".json" {
			return nil
		}
		b, err := fs.ReadFile(tree, p)
		if err != nil {
			return err
		}
		doc, err := Decode(b)
		if err != nil {
			return fmt.Errorf("%s: not a JSON object: %w", p, err)
		}
		out[p] = doc
		return nil
	})
	return out, err
}

// Lookup returns the schema registered under name for a user with roles, and where it
// came from. The returned schema is shared: callers must not modify it.
func (r *Registry) Lookup(name string, roles []string) (map[string]any, Source, bool) {
	sorted := slices.Clone(roles)
	sort.Strings(sorted)
	for _, role := range sorted {
		if s, ok := r.roles[role][name]; ok {
			return s, SourceRole, true
		}
	}
	if s, ok := r.admin[name]; ok {
		return s, SourceAdmin, true
	}
	if s, ok := r.builtin[name]; ok {
		return s, SourceBuiltin, true
	}
	return nil, "", false
}

// List returns the schemas a user with roles gets, one per name, sorted by name: what the
// registry endpoint publishes.
func (r *Registry) List(roles []string) []Entry {
	names := map[string]bool{}
	for n := range r.builtin {
		names[n] = true
	}
	for n := range r.admin {
		names[n] = true
	}
	for _, role := range roles {
		for n := range r.roles[role] {
			names[n] = true
		}
	}
	out := make([]Entry, 0, len(names))
	for n := range names {
		s, src, _ := r.Lookup(n, roles)
		e := Entry{Name: n, Source: src, Schema: s}
		if src == SourceRole {
			e.Role = r.RoleOf(n, roles)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// RoleOf returns the role whose schema a name gives a user with roles; "" when none does.
func (r *Registry) RoleOf(name string, roles []string) string {
	sorted := slices.Clone(roles)
	sort.Strings(sorted)
	for _, role := range sorted {
		if _, ok := r.roles[role][name]; ok {
			return role
		}
	}
	return ""
}
