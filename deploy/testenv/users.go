package testenv

import "strings"

// User is one of the fixed identities of the OIDC provider.
type User struct {
	Name   string // subject and preferred_username
	Email  string
	Groups []string // Basalt projects the user belongs to
	Roles  []string
}

// Users are the identities every environment has. alice and bob share the
// project data-team, carol is an administrator, dave belongs to nothing.
var Users = []User{
	{Name: "alice", Email: "alice@basalt.test", Groups: []string{"data-team"}},
	{Name: "bob", Email: "bob@basalt.test", Groups: []string{"data-team"}},
	{Name: "carol", Email: "carol@basalt.test", Roles: []string{"admin"}},
	{Name: "dave", Email: "dave@basalt.test"},
}

// LookupUser returns the user named name.
func LookupUser(name string) (User, bool) {
	for _, u := range Users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// Groups lists every group that some user belongs to, in first-seen order.
func Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, u := range Users {
		for _, g := range u.Groups {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}

// The names of the storage buckets and Vault paths that belong to a user or a
// group. MinIO's policies and Vault's templates are written in the same terms.
func UserBucket(user string) string      { return "user-" + user }
func GroupBucket(group string) string    { return "project-" + group }
func UserVaultPath(user string) string   { return "users/" + user }
func GroupVaultPath(group string) string { return "projects/" + group }

// MinIO policy names. Every user gets PolicyUser; a group's members also get
// the group's policy, through the ID token's "policy" claim.
const PolicyUser = "basalt-user"

func GroupPolicy(group string) string { return "project-" + group }

// Claims is what the ID token of u carries besides the standard ones.
func (u User) Claims() map[string]any {
	policies := []string{PolicyUser}
	for _, g := range u.Groups {
		policies = append(policies, GroupPolicy(g))
	}
	return map[string]any{
		"preferred_username": u.Name,
		"name":               u.Name,
		"email":              u.Email,
		"email_verified":     true,
		"groups":             nonNil(u.Groups),
		"roles":              nonNil(u.Roles),
		// MinIO reads its policies from this claim, as a comma-separated list.
		"policy": strings.Join(policies, ","),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
