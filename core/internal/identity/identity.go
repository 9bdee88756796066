// Package identity knows who a caller is and which projects they act in: the user (from the
// local configuration or, later, an OIDC token), their personal project and one project per
// group.
package identity

import (
	"context"
	"fmt"
	"os/user"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

// User is an authenticated caller.
type User struct {
	Subject  string
	Username string
	Name     string
	Email    string
	Groups   []string
	Roles    []string
	// Claims are the token's claims, for catalog restrictions and the launch context.
	Claims map[string]any
	// IDToken is handed to plugins (S3 STS, Vault JWT login). Never log it.
	IDToken string
}

// String never shows the token, so a User can be logged.
func (u *User) String() string {
	return fmt.Sprintf("%s (groups %s, roles %s)", u.Username, strings.Join(u.Groups, ","), strings.Join(u.Roles, ","))
}

// HasRole reports whether the user holds a role.
func (u *User) HasRole(role string) bool { return slices.Contains(u.Roles, role) }

// Caller is what plugins are told of the user.
func (u *User) Caller() sdk.Caller {
	return sdk.Caller{
		Subject: u.Subject, Username: u.Username, Email: u.Email,
		Groups: u.Groups, Roles: u.Roles, IDToken: u.IDToken,
	}
}

// Project is where a user acts: their own, or one of their groups'.
type Project struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Group string `json:"group,omitempty"` // empty for the personal project
}

// Personal reports whether the project is the user's own.
func (p Project) Personal() bool { return p.Group == "" }

// SDK is the project as plugins see it.
func (p Project) SDK() sdk.Project { return sdk.Project{ID: p.ID, Group: p.Group} }

// Projects lists a user's projects, personal first. Ids come from sdk.ProjectName, as region
// plugins' namespaces do: names that differ only in case or punctuation get different ids. A
// personal project without a valid id (no name, or a prefix leaving no room) has the id "",
// which no request can name; such a group is left out, as Onyxia does.
func Projects(u *User, cfg config.Projects) []Project {
	personal, _ := sdk.ProjectName(cfg.UserPrefix, u.Username)
	out := []Project{{ID: personal, Name: u.Username}}
	seen := map[string]bool{personal: true}
	for _, g := range u.Groups {
		name, ok := groupName(g, cfg)
		if !ok {
			continue
		}
		id, ok := sdk.ProjectName(cfg.GroupPrefix, name)
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		// The project takes the renamed group; plugins get the group as the provider names it
		// (Kubernetes RBAC and Vault policies know that one).
		out = append(out, Project{ID: id, Name: name, Group: g})
	}
	return out
}

// groupName applies the instance's group patterns: whether the group becomes a project, and
// under which name. The patterns were validated with the configuration.
func groupName(g string, cfg config.Projects) (string, bool) {
	if cfg.ExcludedGroupPattern != "" && compiled(cfg.ExcludedGroupPattern).MatchString(g) {
		return "", false
	}
	if cfg.IncludedGroupPattern == "" {
		return g, true
	}
	include := compiled(cfg.IncludedGroupPattern)
	m := include.FindStringSubmatchIndex(g)
	if m == nil {
		return "", false
	}
	if cfg.TransformGroupPattern == "" {
		return g, true
	}
	return string(include.ExpandString(nil, cfg.TransformGroupPattern, g, m)), true
}

var patterns sync.Map // pattern -> *regexp.Regexp: projects are listed at every request

func compiled(pattern string) *regexp.Regexp {
	if re, ok := patterns.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern)
	patterns.Store(pattern, re)
	return re
}

// FindProject returns the user's project of that id; a project the user is not in is
// reported as not found, never as forbidden, so its existence is not revealed.
func FindProject(u *User, cfg config.Projects, id string) (Project, error) {
	for _, p := range Projects(u, cfg) {
		if p.ID == id && id != "" {
			return p, nil
		}
	}
	return Project{}, sdk.Errorf(sdk.ErrNotFound, "no project %q", id)
}

// LocalUser is the single user of local mode.
func LocalUser(cfg config.LocalUser) *User {
	name := cfg.Username
	if name == "" {
		if u, err := user.Current(); err == nil && localName(u.Username) != "" {
			name = localName(u.Username)
		} else {
			name = "local"
		}
	}
	display := cfg.Name
	if display == "" {
		display = name
	}
	claims := map[string]any{
		"sub": "local:" + name, "preferred_username": name, "name": display,
		"groups": anySlice(cfg.Groups), "roles": anySlice(cfg.Roles),
	}
	if cfg.Email != "" {
		claims["email"] = cfg.Email
	}
	return &User{
		Subject: "local:" + name, Username: name, Name: display, Email: cfg.Email,
		Groups: slices.Clone(cfg.Groups), Roles: slices.Clone(cfg.Roles), Claims: claims,
	}
}

// notInName is what a local user's name drops from the system's: anything but lower-case
// letters, digits and dashes, so that it is the same name in every plugin.
var notInName = regexp.MustCompile(`[^a-z0-9-]+`)

func localName(system string) string {
	return strings.Trim(notInName.ReplaceAllString(strings.ToLower(system), "-"), "-")
}

func anySlice(in []string) []any {
	out := make([]any, len(in))
	for i, s := range in {
		out[i] = s
	}
	return out
}

type ctxKey struct{}

// WithUser returns a context carrying the user.
func WithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// UserFrom returns the context's user, or nil for an anonymous caller.
func UserFrom(ctx context.Context) *User {
	u, _ := ctx.Value(ctxKey{}).(*User)
	return u
}
