// Package secrethome owns where users' and groups' secrets live in a secret store: the home
// patterns of a plugin's configuration ("{username}", "project-{group}"), the home of a
// caller in a project, and the check that a path lies inside one of the caller's homes.
// Secrets plugins share it so that every store draws the same borders between users.
package secrethome

import (
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// MaxPathLen bounds a secret's path.
const MaxPathLen = 1024

// The placeholders of the home patterns.
const (
	UsernamePlaceholder = "{username}"
	GroupPlaceholder    = "{group}"
)

// Layout is a store's pair of home patterns.
type Layout struct {
	User  string // e.g. "{username}" or "users/{username}"
	Group string // e.g. "project-{group}"
}

// Validate checks the patterns, naming the fields userField and groupField in what it
// reports.
func (l Layout) Validate(userField, groupField string) []sdk.FieldViolation {
	var bad []sdk.FieldViolation
	if !validPattern(l.User, UsernamePlaceholder) {
		bad = append(bad, sdk.FieldViolation{Field: userField, Rule: "must hold {username} once and be a relative path of names, without . or .."})
	}
	if !validPattern(l.Group, GroupPlaceholder) {
		bad = append(bad, sdk.FieldViolation{Field: groupField, Rule: "must hold {group} once and be a relative path of names, without . or .."})
	}
	return bad
}

// validPattern reports whether a home pattern holds its placeholder once and makes a clean
// path whatever name fills it.
func validPattern(pattern, placeholder string) bool {
	if strings.Count(pattern, placeholder) != 1 || strings.HasPrefix(pattern, "/") || strings.HasSuffix(pattern, "/") {
		return false
	}
	_, err := Clean(strings.Replace(pattern, placeholder, "x", 1))
	return err == nil
}

// validName reports whether a username or group name can fill a home pattern: one path
// element.
func validName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\x00")
}

// UserHome returns a user's home, or false when the user has none: a name that is not a
// path element, or whose home would be a group's.
func (l Layout) UserHome(username string) (string, bool) {
	if !validName(username) {
		return "", false
	}
	home := strings.Replace(l.User, UsernamePlaceholder, username, 1)
	before, after, _ := strings.Cut(l.Group, GroupPlaceholder)
	if g, ok := strings.CutPrefix(home, before); ok {
		if g, ok = strings.CutSuffix(g, after); ok && validName(g) {
			return "", false // a user named after a group's home must not get it
		}
	}
	return home, true
}

// GroupHome returns a group's home, or false when the name cannot make one.
func (l Layout) GroupHome(group string) (string, bool) {
	if !validName(group) {
		return "", false
	}
	return strings.Replace(l.Group, GroupPlaceholder, group, 1), true
}

// Homes returns the top folders the caller may use: their own and their groups'.
func (l Layout) Homes(c sdk.Caller) []string {
	var homes []string
	if h, ok := l.UserHome(c.Username); ok {
		homes = append(homes, h)
	}
	for _, g := range c.Groups {
		if h, ok := l.GroupHome(g); ok {
			homes = append(homes, h)
		}
	}
	return homes
}

// Home returns the caller's home in a project: their own for a personal project, the
// group's when they belong to it. Anything else is not found.
func (l Layout) Home(c sdk.Caller, p sdk.Project) (string, error) {
	if c.Username == "" {
		return "", sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	if p.Personal() {
		home, ok := l.UserHome(c.Username)
		if !ok {
			return "", sdk.Errorf(sdk.ErrNotFound, "user %q has no secrets home", c.Username)
		}
		return home, nil
	}
	home, ok := l.GroupHome(p.Group)
	if !ok || !slices.Contains(c.Groups, p.Group) {
		return "", sdk.Errorf(sdk.ErrNotFound, "project %q not found", p.ID)
	}
	return home, nil
}

// Clean normalises a path (no leading or trailing slash) and refuses one with an empty, "."
// or ".." element, or a NUL.
func Clean(path string) (string, error) {
	p := strings.Trim(path, "/")
	if len(p) > MaxPathLen {
		return "", sdk.InvalidFields("invalid path", sdk.FieldViolation{Field: "path", Rule: "must be at most 1024 bytes"})
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == "" || part == "." || part == ".." || strings.ContainsRune(part, 0) {
			return "", sdk.InvalidFields("invalid path", sdk.FieldViolation{Field: "path", Rule: "must be slash-separated names, without empty, . or .. elements"})
		}
	}
	return p, nil
}

// Within reports whether path is home or inside it.
func Within(path, home string) bool {
	return path == home || strings.HasPrefix(path, home+"/")
}

// Resolve cleans path and checks that the caller may use it: a folder may be a home, a
// secret must be inside one. Any other path is not found, so that nobody learns what others
// keep.
func (l Layout) Resolve(c sdk.Caller, path string, folder bool) (string, error) {
	if c.Username == "" {
		return "", sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	p, err := Clean(path)
	if err != nil {
		return "", err
	}
	for _, home := range l.Homes(c) {
		if Within(p, home) && (folder || p != home) {
			return p, nil
		}
	}
	return "", sdk.Errorf(sdk.ErrNotFound, "secret %q not found", path)
}
