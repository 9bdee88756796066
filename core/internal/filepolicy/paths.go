// Package filepolicy is how Basalt serves a project's files: which paths a request may name
// (Confine), how downloads read the store (through a link it signs, else the plugin), which
// ranges they take, and the headers that keep user content inert in Basalt's origin.
package filepolicy

import (
	"strconv"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// Confine reads a path, bucket/key, and keeps it inside the project's home: anything else
// is not found, whatever the store would allow. An empty path is the home.
func Confine(home sdk.ObjectRef, path string) (sdk.ObjectRef, error) {
	path = strings.TrimPrefix(path, "/")
	if path == "" {
		return home, nil
	}
	for _, part := range strings.Split(path, "/") {
		if part == ".." || part == "." {
			return sdk.ObjectRef{}, sdk.InvalidFields("invalid path", sdk.FieldViolation{Field: "path", Rule: "must be a path inside the project's files, without . or .."})
		}
	}
	bucket, key, _ := strings.Cut(path, "/")
	ref := sdk.ObjectRef{Bucket: bucket, Key: key}
	if strings.Contains(path, "\x00") || ref.Bucket != home.Bucket || !strings.HasPrefix(ref.Key, home.Key) {
		return sdk.ObjectRef{}, sdk.Errorf(sdk.ErrNotFound, "no such file or folder: %s", path)
	}
	return ref, nil
}

// ParseRange reads a single "bytes=a-b" or "bytes=a-" range; other forms are served whole.
func ParseRange(header string) (offset, length int64, ranged bool, err error) {
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	from, to, _ := strings.Cut(spec, "-")
	if from == "" {
		return 0, 0, false, nil // suffix ranges are rare; serve the whole object
	}
	offset, err = strconv.ParseInt(from, 10, 64)
	if err != nil || offset < 0 {
		return 0, 0, false, sdk.InvalidFields("bad range", sdk.FieldViolation{Field: "Range", Rule: "must read bytes=<start>-[<end>]"})
	}
	if to != "" {
		end, err := strconv.ParseInt(to, 10, 64)
		if err != nil || end < offset {
			return 0, 0, false, sdk.InvalidFields("bad range", sdk.FieldViolation{Field: "Range", Rule: "the end must not come before the start"})
		}
		length = end - offset + 1
	}
	return offset, length, true, nil
}
