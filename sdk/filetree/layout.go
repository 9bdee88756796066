package filetree

import (
	"crypto/rand"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// Layout is where homes are in a tree, and how much of a folder one page of a listing shows.
type Layout struct {
	UserPrefix  string // a user's bucket is UserPrefix followed by the username
	GroupPrefix string // a group's bucket is GroupPrefix followed by the group's name
	MaxPageSize int    // the largest page a listing returns; 0: 1000
}

// Validate reports the prefixes that would let a user reach a bucket not theirs, naming them
// userField and groupField.
func (l Layout) Validate(userField, groupField string) []sdk.FieldViolation {
	var bad []sdk.FieldViolation
	for field, prefix := range map[string]string{userField: l.UserPrefix, groupField: l.GroupPrefix} {
		if strings.ContainsAny(prefix, "/\x00") {
			bad = append(bad, sdk.FieldViolation{Field: field, Rule: "must not hold a slash or NUL: a bucket is one folder"})
		}
	}
	// A user named after a group's bucket, or the other way round, would own it.
	if strings.HasPrefix(l.UserPrefix, l.GroupPrefix) || strings.HasPrefix(l.GroupPrefix, l.UserPrefix) {
		bad = append(bad, sdk.FieldViolation{Field: groupField, Rule: "neither prefix may start the other, or a user could own a group's bucket"})
	}
	slices.SortFunc(bad, func(a, b sdk.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
	return bad
}

func (l Layout) pageSize(asked int) int {
	size := l.MaxPageSize
	if size <= 0 {
		size = 1000
	}
	if asked > 0 {
		size = min(size, asked)
	}
	return size
}

// home returns the caller's bucket for a project: their own, or a group's they belong to.
func (l Layout) home(c sdk.Caller, p sdk.Project) (string, bool) {
	if p.Personal() {
		return l.UserPrefix + c.Username, true
	}
	return l.GroupPrefix + p.Group, validName(p.Group) && slices.Contains(c.Groups, p.Group)
}

// owns reports whether bucket is the caller's or one of their groups'.
func (l Layout) owns(c sdk.Caller, bucket string) bool {
	if bucket == l.UserPrefix+c.Username {
		return true
	}
	group, ok := strings.CutPrefix(bucket, l.GroupPrefix)
	return ok && validName(group) && slices.Contains(c.Groups, group)
}

func checkCaller(c sdk.Caller) error {
	if c.Username == "" {
		return sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	if !validName(c.Username) {
		return sdk.Errorf(sdk.ErrInvalidArgument, "the username %q cannot name a bucket", c.Username)
	}
	return nil
}

// TempPrefix starts the names of the files a Store is writing, beside the file each will
// replace. No key may use it and listings do not show them.
const TempPrefix = ".basalt-upload-"

// tempName returns a fresh name beside name.
func tempName(name string) string {
	dir, _ := split(name)
	return dir + TempPrefix + rand.Text()
}

// Bounds of a key, as on S3, and of one of its names, as on most file systems.
const (
	maxKeyLen  = 1024
	maxNameLen = 255
)

// validName reports whether s can be one element of a path: not empty, not . or .., no
// slash, no NUL.
func validName(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= maxNameLen && !strings.ContainsAny(s, "/\x00")
}

// checkObject checks an object's key.
func checkObject(field, key string) error {
	if key == "" || strings.HasSuffix(key, "/") {
		return sdk.InvalidFields("invalid object", sdk.FieldViolation{Field: field, Rule: "must name an object: not empty, not ending in /"})
	}
	return checkNames(field, key)
}

// checkFolder checks a folder's key: empty (the bucket itself) or names ending in "/".
func checkFolder(field, key string) error {
	if key == "" {
		return nil
	}
	if !strings.HasSuffix(key, "/") {
		return sdk.InvalidFields("invalid folder", sdk.FieldViolation{Field: field, Rule: "must be empty or end in /"})
	}
	return checkNames(field, strings.TrimSuffix(key, "/"))
}

// checkPrefix checks a listing's prefix: a folder, then possibly the start of a name.
func checkPrefix(field, prefix string) error {
	dir, start := split(prefix)
	if err := checkFolder(field, dir); err != nil {
		return err
	}
	if strings.ContainsRune(start, 0) || len(prefix) > maxKeyLen {
		return sdk.InvalidFields("invalid prefix", sdk.FieldViolation{Field: field, Rule: "must be at most 1024 bytes, without NUL"})
	}
	return nil
}

// checkNames checks the slash-separated names of a key: nothing a tree would read as another
// place (., .., an absolute path, an empty element, NUL) and none of the store's own names.
func checkNames(field, key string) error {
	if len(key) > maxKeyLen {
		return sdk.InvalidFields("invalid key", sdk.FieldViolation{Field: field, Rule: "must be at most 1024 bytes"})
	}
	for name := range strings.SplitSeq(key, "/") {
		if !validName(name) {
			return sdk.InvalidFields("invalid key", sdk.FieldViolation{Field: field, Rule: "must be names of at most 255 bytes separated by single slashes: no leading slash, no . or .., no NUL"})
		}
		if strings.HasPrefix(name, TempPrefix) {
			return sdk.InvalidFields("invalid key", sdk.FieldViolation{Field: field, Rule: "must not use a name starting with " + TempPrefix})
		}
	}
	return nil
}

// split cuts a key or path into its folder (ending in "/", or empty) and its last name.
func split(key string) (dir, name string) {
	i := strings.LastIndexByte(key, '/')
	return key[:i+1], key[i+1:]
}

// folders returns the folders of a path from the top, e.g. "b/", "b/x/" for "b/x/y".
func folders(name string) []string {
	var dirs []string
	for i := range len(name) {
		if name[i] == '/' {
			dirs = append(dirs, name[:i+1])
		}
	}
	return dirs
}
