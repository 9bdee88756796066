package filetree

import (
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
	return l.GroupPrefix + p.Group, ValidName(p.Group) && slices.Contains(c.Groups, p.Group)
}

// owns reports whether bucket is the caller's or one of their groups'.
func (l Layout) owns(c sdk.Caller, bucket string) bool {
	if bucket == l.UserPrefix+c.Username {
		return true
	}
	group, ok := strings.CutPrefix(bucket, l.GroupPrefix)
	return ok && ValidName(group) && slices.Contains(c.Groups, group)
}
