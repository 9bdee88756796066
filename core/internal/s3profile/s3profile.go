// Package s3profile owns the S3 profiles users bring themselves (another store, another
// account, static keys): what a valid profile is, the set of a user's profiles with at most
// one chosen for their services, and the view of a profile that leaves its secrets out.
package s3profile

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// MaxProfiles bounds how many profiles a user keeps.
const MaxProfiles = 50

// Reserved is the name of the instance's own profile (the region's STS credentials), which
// a user's profile may not take: launch links pick profiles by name.
const Reserved = "default"

// Profile is a saved profile, secrets included. It never leaves the server except through
// the credentials endpoint.
type Profile struct {
	Name               string `json:"name"`
	URL                string `json:"url"`
	Region             string `json:"region,omitempty"`
	PathStyleAccess    bool   `json:"pathStyleAccess"`
	AccessKeyID        string `json:"accessKeyId"`
	SecretAccessKey    string `json:"secretAccessKey"`
	SessionToken       string `json:"sessionToken,omitempty"`
	DefaultForServices bool   `json:"defaultForServices"`
}

// View is a profile as lists show it: the secret key and the session token are left out.
type View struct {
	Name               string `json:"name"`
	URL                string `json:"url"`
	Region             string `json:"region"`
	PathStyleAccess    bool   `json:"pathStyleAccess"`
	AccessKeyID        string `json:"accessKeyId"`
	HasSessionToken    bool   `json:"hasSessionToken"`
	DefaultForServices bool   `json:"defaultForServices"`
}

// View returns the profile without its secrets.
func (p Profile) View() View {
	return View{Name: p.Name, URL: p.URL, Region: p.Region, PathStyleAccess: p.PathStyleAccess,
		AccessKeyID: p.AccessKeyID, HasSessionToken: p.SessionToken != "", DefaultForServices: p.DefaultForServices}
}

// Input creates or replaces a profile. On a replacement, an empty secretAccessKey keeps the
// saved one and an absent sessionToken keeps the saved one ("" removes it), so that a form
// that never saw the secrets can still save the rest.
type Input struct {
	Name               string  `json:"name"`
	URL                string  `json:"url"`
	Region             string  `json:"region"`
	PathStyleAccess    bool    `json:"pathStyleAccess"`
	AccessKeyID        string  `json:"accessKeyId"`
	SecretAccessKey    string  `json:"secretAccessKey"`
	SessionToken       *string `json:"sessionToken"`
	DefaultForServices bool    `json:"defaultForServices"`
}

// Set is one user's profiles, in the order they were created.
type Set struct {
	Profiles []Profile `json:"profiles"`
}

// Find returns the profile named name.
func (s *Set) Find(name string) (Profile, bool) {
	i := s.index(name)
	if i < 0 {
		return Profile{}, false
	}
	return s.Profiles[i], true
}

// ForServices returns the profile the user chose for their services, if any.
func (s *Set) ForServices() (Profile, bool) {
	for _, p := range s.Profiles {
		if p.DefaultForServices {
			return p, true
		}
	}
	return Profile{}, false
}

// Views lists the profiles without their secrets.
func (s *Set) Views() []View {
	out := make([]View, 0, len(s.Profiles))
	for _, p := range s.Profiles {
		out = append(out, p.View())
	}
	return out
}

// Create adds a profile made from in.
func (s *Set) Create(in Input) (Profile, error) {
	p := in.profile(Profile{})
	bad := s.check(p, -1)
	if in.SecretAccessKey == "" {
		bad = append(bad, sdk.FieldViolation{Field: "secretAccessKey", Rule: "is required"})
	}
	if len(s.Profiles) >= MaxProfiles {
		bad = append(bad, sdk.FieldViolation{Field: "name", Rule: "cannot be added: a user keeps at most 50 profiles"})
	}
	if len(bad) > 0 {
		return Profile{}, sdk.InvalidFields("invalid S3 profile", bad...)
	}
	s.Profiles = append(s.Profiles, p)
	s.keepOneForServices(len(s.Profiles) - 1)
	return p, nil
}

// Update replaces the profile named name (renaming it when in names another).
func (s *Set) Update(name string, in Input) (Profile, error) {
	i := s.index(name)
	if i < 0 {
		return Profile{}, sdk.Errorf(sdk.ErrNotFound, "no S3 profile %q", name)
	}
	p := in.profile(s.Profiles[i])
	if bad := s.check(p, i); len(bad) > 0 {
		return Profile{}, sdk.InvalidFields("invalid S3 profile", bad...)
	}
	s.Profiles[i] = p
	s.keepOneForServices(i)
	return p, nil
}

// Delete removes the profile named name.
func (s *Set) Delete(name string) error {
	i := s.index(name)
	if i < 0 {
		return sdk.Errorf(sdk.ErrNotFound, "no S3 profile %q", name)
	}
	s.Profiles = slices.Delete(s.Profiles, i, i+1)
	return nil
}

func (s *Set) index(name string) int {
	return slices.IndexFunc(s.Profiles, func(p Profile) bool { return p.Name == name })
}

// keepOneForServices clears the choice on every other profile when profile i was chosen.
func (s *Set) keepOneForServices(i int) {
	if !s.Profiles[i].DefaultForServices {
		return
	}
	for j := range s.Profiles {
		s.Profiles[j].DefaultForServices = j == i
	}
}

// profile applies the input over a saved profile (the zero one for a creation).
func (in Input) profile(saved Profile) Profile {
	p := Profile{Name: in.Name, URL: strings.TrimSpace(in.URL), Region: in.Region, PathStyleAccess: in.PathStyleAccess,
		AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey, SessionToken: saved.SessionToken,
		DefaultForServices: in.DefaultForServices}
	if p.Name == "" {
		p.Name = saved.Name
	}
	if p.SecretAccessKey == "" {
		p.SecretAccessKey = saved.SecretAccessKey
	}
	if in.SessionToken != nil {
		p.SessionToken = *in.SessionToken
	}
	return p
}

var (
	nameRule   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	regionRule = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	keyRule    = regexp.MustCompile(`^[\x21-\x7e]{1,256}$`) // printable, no spaces
)

// check lists what is wrong with p as the profile at index self (-1 for a new one).
func (s *Set) check(p Profile, self int) []sdk.FieldViolation {
	var bad []sdk.FieldViolation
	field := func(name, rule string) { bad = append(bad, sdk.FieldViolation{Field: name, Rule: rule}) }
	switch {
	case !nameRule.MatchString(p.Name):
		field("name", "must be 1 to 63 letters, digits, dots, dashes or underscores, starting with a letter or digit")
	case strings.EqualFold(p.Name, Reserved):
		field("name", `must not be "default", the name of the instance's own profile`)
	default:
		for i, other := range s.Profiles {
			if i != self && strings.EqualFold(other.Name, p.Name) {
				field("name", "must be unique: another profile is named "+other.Name)
			}
		}
	}
	if rule := checkURL(p.URL); rule != "" {
		field("url", rule)
	}
	if p.Region != "" && !regionRule.MatchString(p.Region) {
		field("region", "must be a region name such as us-east-1: letters, digits, dots, dashes or underscores")
	}
	if !keyRule.MatchString(p.AccessKeyID) {
		field("accessKeyId", "is required: 1 to 256 printable characters without spaces")
	}
	if p.SecretAccessKey != "" && !keyRule.MatchString(p.SecretAccessKey) {
		field("secretAccessKey", "must be 1 to 256 printable characters without spaces")
	}
	if len(p.SessionToken) > 4096 || strings.ContainsAny(p.SessionToken, " \t\r\n\x00") {
		field("sessionToken", "must be at most 4096 characters without spaces or line breaks")
	}
	return bad
}

// checkURL returns what is wrong with an endpoint URL, or "".
func checkURL(raw string) string {
	if raw == "" {
		return "is required: the S3 endpoint, e.g. https://s3.example.org"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "must be an http:// or https:// URL with a host, e.g. https://s3.example.org"
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return "must be the endpoint alone: no credentials, path, query or fragment"
	}
	return ""
}
