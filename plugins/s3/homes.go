package s3

import (
	"slices"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/basalt-dev/basalt/sdk"
)

// A home is where a user's or a group's files live: a whole bucket (multi mode, Key "")
// or a prefix of the shared bucket ending in "/".
type home = sdk.ObjectRef

// userHome returns the caller's own home.
func (c Config) userHome(username string) (home, error) {
	return c.homeOf(username, c.WorkingDirectory.BucketNamePrefix, c.WorkingDirectory.Prefix)
}

// groupHome returns a group's home.
func (c Config) groupHome(group string) (home, error) {
	return c.homeOf(group, c.WorkingDirectory.BucketNamePrefixGroup, c.WorkingDirectory.PrefixGroup)
}

func (c Config) homeOf(name, bucketPrefix, keyPrefix string) (home, error) {
	wd := c.WorkingDirectory
	if wd.BucketMode == bucketModeShared {
		if name == "" || strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
			return home{}, sdk.Errorf(sdk.ErrInvalidArgument, "the name %q cannot name a folder", name)
		}
		return home{Bucket: wd.BucketName, Key: keyPrefix + name + "/"}, nil
	}
	bucket := bucketPrefix + name
	if s3utils.CheckValidBucketNameStrict(bucket) != nil {
		return home{}, sdk.Errorf(sdk.ErrInvalidArgument, "the name %q cannot name a bucket", name)
	}
	return home{Bucket: bucket}, nil
}

// homes returns every home the caller may use: their own, then their groups'. Groups whose
// names cannot make a home are skipped.
func (c Config) homes(caller sdk.Caller) ([]home, error) {
	if caller.Username == "" {
		return nil, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	own, err := c.userHome(caller.Username)
	if err != nil {
		return nil, err
	}
	out := []home{own}
	for _, g := range caller.Groups {
		if h, err := c.groupHome(g); err == nil {
			out = append(out, h)
		}
	}
	return out, nil
}

// projectHome returns the home of the project a call acts in.
func (c Config) projectHome(caller sdk.Caller, p sdk.Project) (home, error) {
	if caller.Username == "" {
		return home{}, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	if p.Personal() {
		return c.userHome(caller.Username)
	}
	if !slices.Contains(caller.Groups, p.Group) {
		return home{}, sdk.Errorf(sdk.ErrNotFound, "project %q not found", p.ID)
	}
	h, err := c.groupHome(p.Group)
	if err != nil {
		return home{}, sdk.Errorf(sdk.ErrNotFound, "project %q not found", p.ID)
	}
	return h, nil
}

// within reports whether ref lies in h. A shared-mode home's own folder key is within it.
func within(ref sdk.ObjectRef, h home) bool {
	return ref.Bucket == h.Bucket && strings.HasPrefix(ref.Key, h.Key)
}

// authorize checks that ref lies in one of the caller's homes, whatever the store itself
// would allow: anything else is not found, so that a caller cannot learn it exists. It also
// refuses keys that S3 would read as another place or reject.
func (c Config) authorize(caller sdk.Caller, ref sdk.ObjectRef, field string) error {
	homes, err := c.homes(caller)
	if err != nil {
		return err
	}
	if err := checkKey(field, ref.Key); err != nil {
		return err
	}
	for _, h := range homes {
		if within(ref, h) {
			return nil
		}
	}
	if ref.Key == "" {
		return sdk.Errorf(sdk.ErrNotFound, "bucket %q not found", ref.Bucket)
	}
	return sdk.Errorf(sdk.ErrNotFound, "%s/%s not found", ref.Bucket, ref.Key)
}

// maxKeyLen is S3's bound on a key.
const maxKeyLen = 1024

// checkKey refuses keys that are not valid UTF-8, hold NUL, start with a slash, or hold
// "." or ".." elements, which some stores and most file tools resolve to another place.
func checkKey(field, key string) error {
	if key == "" {
		return nil
	}
	rule := ""
	switch {
	case len(key) > maxKeyLen:
		rule = "must be at most 1024 bytes"
	case s3utils.CheckValidObjectNamePrefix(key) != nil || strings.ContainsRune(key, 0):
		rule = "must be UTF-8 without NUL"
	case strings.HasPrefix(key, "/") || strings.Contains(key, "//"):
		rule = "must not start with / nor hold an empty name"
	default:
		for name := range strings.SplitSeq(key, "/") {
			if name == "." || name == ".." {
				rule = "must not hold . or .. names"
			}
		}
	}
	if rule != "" {
		return sdk.InvalidFields("invalid key", sdk.FieldViolation{Field: field, Rule: rule})
	}
	return nil
}

// checkObjectKey is checkKey for a key that must name an object rather than a folder.
func checkObjectKey(field, key string) error {
	if key == "" || strings.HasSuffix(key, "/") {
		return sdk.InvalidFields("invalid object", sdk.FieldViolation{Field: field, Rule: "must name an object: not empty, not ending in /"})
	}
	return nil
}
