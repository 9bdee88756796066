package sdk

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// maxProjectName is the longest a project id or a namespace may be: a DNS label.
const maxProjectName = 63

// projectHashLen is how many hex digits of the name's SHA-256 tell apart names with one slug.
// Sixty-four bits: finding another name with the same slug and digits, to be given someone
// else's project, is out of reach (32 bits would take minutes).
const projectHashLen = 16

var (
	// simpleName is a name that is already what a project name is made of. A double dash is
	// kept for the hashed names, so that a simple name can never spell one of them.
	simpleName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	notInLabel = regexp.MustCompile(`[^a-z0-9-]+`)
	dnsLabel   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
)

// ProjectName returns the name of a user's or a group's project under a prefix ("user-",
// "project-"): the core's project id, and a region's namespace. A name that is already a
// lower-case DNS label without a double dash is kept as it is (alice: user-alice). Any other
// name becomes its slug, a double dash and a hash of the exact name (Alice:
// user-alice--3bc51062973c458d), so that names differing only in case or punctuation never
// share a project; a name too long is shortened to fit 63 characters. The core and the region
// plugins all call it, so a project's id is its namespace when their prefixes agree. It
// reports false when no DNS label can be made: an empty name, or a prefix that is not the
// start of one or leaves no room.
func ProjectName(prefix, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	if simpleName.MatchString(name) && len(prefix)+len(name) <= maxProjectName {
		return prefix + name, dnsLabel.MatchString(prefix + name)
	}
	sum := sha256.Sum256([]byte(name))
	suffix := "--" + hex.EncodeToString(sum[:])[:projectHashLen]
	room := maxProjectName - len(prefix) - len(suffix)
	if room < 0 {
		return "", false
	}
	slug := strings.Trim(notInLabel.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(slug) > room {
		slug = strings.TrimRight(slug[:room], "-")
	}
	id := prefix + slug + suffix
	return id, dnsLabel.MatchString(id)
}
