package filetree

import (
	"crypto/rand"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// The rules of names and keys below are a Store's, exported for stores of files that answer
// sdk.Storage themselves, so that every such store draws the same borders.

// CheckCaller checks that a caller has a username that can name a bucket.
func CheckCaller(c sdk.Caller) error {
	if c.Username == "" {
		return sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	if !ValidName(c.Username) {
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

// Bounds of a key, as on S3, and of one of its names, which leave a backend room for a
// suffix of its own (a sidecar file's ".json") within a file system's 255 bytes.
const (
	maxKeyLen  = 1024
	maxNameLen = 250
)

// ValidName reports whether s can be one element of a path: not empty, not . or .., no
// slash, no NUL, at most 250 bytes.
func ValidName(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= maxNameLen && !strings.ContainsAny(s, "/\x00")
}

// CheckObject checks an object's key, naming field in what it reports.
func CheckObject(field, key string) error {
	if key == "" || strings.HasSuffix(key, "/") {
		return sdk.InvalidFields("invalid object", sdk.FieldViolation{Field: field, Rule: "must name an object: not empty, not ending in /"})
	}
	return checkNames(field, key)
}

// CheckFolder checks a folder's key: empty (the bucket itself) or names ending in "/".
func CheckFolder(field, key string) error {
	if key == "" {
		return nil
	}
	if !strings.HasSuffix(key, "/") {
		return sdk.InvalidFields("invalid folder", sdk.FieldViolation{Field: field, Rule: "must be empty or end in /"})
	}
	return checkNames(field, strings.TrimSuffix(key, "/"))
}

// CheckPrefix checks a listing's prefix: a folder, then possibly the start of a name.
func CheckPrefix(field, prefix string) error {
	dir, start := split(prefix)
	if err := CheckFolder(field, dir); err != nil {
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
		if !ValidName(name) {
			return sdk.InvalidFields("invalid key", sdk.FieldViolation{Field: field, Rule: "must be names of at most 250 bytes separated by single slashes: no leading slash, no . or .., no NUL"})
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
