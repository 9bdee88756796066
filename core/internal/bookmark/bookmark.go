// Package bookmark owns a user's bookmarks of storage folders: what a valid one is, and
// adding and removing them from the user's list.
package bookmark

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/basalt-dev/basalt/sdk"
)

// MaxBookmarks bounds how many bookmarks a user keeps.
const MaxBookmarks = 200

// Bookmark is a named folder: path is "bucket/prefix/" as the files API names it.
type Bookmark struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// List is one user's bookmarks, in the order they were added.
type List struct {
	Bookmarks []Bookmark `json:"bookmarks"`
}

// Add appends b, named after its last folder when it has no name, and returns it as kept.
func (l *List) Add(b Bookmark) (Bookmark, error) {
	b.Path = strings.TrimLeft(b.Path, "/")
	b.Name = strings.TrimSpace(b.Name)
	if b.Name == "" {
		parts := strings.Split(strings.TrimRight(b.Path, "/"), "/")
		b.Name = parts[len(parts)-1]
	}
	var bad []sdk.FieldViolation
	if rule := checkPath(b.Path); rule != "" {
		bad = append(bad, sdk.FieldViolation{Field: "path", Rule: rule})
	} else if l.index(b.Path) >= 0 {
		bad = append(bad, sdk.FieldViolation{Field: "path", Rule: "is already bookmarked"})
	}
	if utf8.RuneCountInString(b.Name) > 100 || strings.ContainsAny(b.Name, "\r\n\x00") {
		bad = append(bad, sdk.FieldViolation{Field: "name", Rule: "must be one line of at most 100 characters"})
	}
	if len(l.Bookmarks) >= MaxBookmarks {
		bad = append(bad, sdk.FieldViolation{Field: "path", Rule: "cannot be added: a user keeps at most 200 bookmarks"})
	}
	if len(bad) > 0 {
		return Bookmark{}, sdk.InvalidFields("invalid bookmark", bad...)
	}
	l.Bookmarks = append(l.Bookmarks, b)
	return b, nil
}

// Remove drops the bookmark of path.
func (l *List) Remove(path string) error {
	i := l.index(strings.TrimLeft(path, "/"))
	if i < 0 {
		return sdk.Errorf(sdk.ErrNotFound, "no bookmark of %q", path)
	}
	l.Bookmarks = slices.Delete(l.Bookmarks, i, i+1)
	return nil
}

func (l *List) index(path string) int {
	return slices.IndexFunc(l.Bookmarks, func(b Bookmark) bool { return b.Path == path })
}

// checkPath returns what is wrong with a bookmarked path, or "".
func checkPath(p string) string {
	if p == "" {
		return "is required: a bucket, then folders (bucket/folder/)"
	}
	if len(p) > 1024 {
		return "must be at most 1024 bytes"
	}
	for _, part := range strings.Split(strings.TrimSuffix(p, "/"), "/") {
		if part == "" || part == "." || part == ".." || strings.ContainsAny(part, "\r\n\x00") {
			return "must be a bucket, then folders, without empty, . or .. elements or line breaks"
		}
	}
	return ""
}
