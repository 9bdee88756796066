package sdk

import (
	"fmt"
	"regexp"
	"time"
)

// API tokens for scripts: Basalt keeps no database, so the record of each token a person makes
// lives with their own project in a region (Region.AccessTokens, Region.SetAccessTokens), where
// every replica of the core can read it with its own identity. A record holds the SHA-256 of
// the token's secret, never the secret, and who the person was when they made it: a script
// presenting the token acts as that person, with the groups and roles they had then.

// AccessToken is the record of one API token.
type AccessToken struct {
	ID string // the token's public part, AccessTokenID
	// SecretHash is the SHA-256 of the token's secret part, in lower-case hex.
	SecretHash string
	Name       string   // what its owner calls it
	Scopes     []string // what it may do, as the core names it
	Created    time.Time
	Expires    time.Time // always set: a token without an end is refused
	// Who made it, as the identity provider said at the time.
	Subject  string
	Username string
	FullName string
	Email    string
	Groups   []string
	Roles    []string
}

// AccessTokenID is the rule for a token's id: 16 to 64 letters or digits.
var AccessTokenID = regexp.MustCompile(`^[A-Za-z0-9]{16,64}$`)

// accessTokenHash is the rule for a record's SecretHash: a SHA-256 in lower-case hex.
var accessTokenHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

// MaxAccessTokens bounds the tokens one person keeps, which regions store beside their project.
const MaxAccessTokens = 32

type AccessTokensRequest struct {
	Project Project // a person's own project
}

type AccessTokensResponse struct {
	Tokens []AccessToken // in the order they were added
}

type SetAccessTokensRequest struct {
	Project Project       // a person's own project
	Add     []AccessToken // records to add; an id already kept is a conflict
	Remove  []string      // ids to remove; one not kept is ignored
}

type SetAccessTokensResponse struct {
	Tokens []AccessToken
}

// Check checks a change of API tokens against the contract's rules: what a region calls before
// storing it.
func (r SetAccessTokensRequest) Check() error {
	if !r.Project.Personal() {
		return InvalidFields("invalid API tokens", FieldViolation{Field: "project", Rule: "API tokens are kept with a person's own project"})
	}
	for i, t := range r.Add {
		field := fmt.Sprintf("add[%d]", i)
		switch {
		case !AccessTokenID.MatchString(t.ID):
			return InvalidFields("invalid API tokens", FieldViolation{Field: field + ".id", Rule: "16 to 64 letters or digits"})
		case !accessTokenHash.MatchString(t.SecretHash):
			return InvalidFields("invalid API tokens", FieldViolation{Field: field + ".secretHash", Rule: "a SHA-256 in lower-case hex"})
		case t.Name == "" || len(t.Name) > 100:
			return InvalidFields("invalid API tokens", FieldViolation{Field: field + ".name", Rule: "1 to 100 characters"})
		case t.Username == "":
			return InvalidFields("invalid API tokens", FieldViolation{Field: field + ".username", Rule: "required"})
		case t.Expires.IsZero() || !t.Expires.After(t.Created):
			return InvalidFields("invalid API tokens", FieldViolation{Field: field + ".expires", Rule: "required, after its creation"})
		}
	}
	for i, id := range r.Remove {
		if !AccessTokenID.MatchString(id) {
			return InvalidFields("invalid API tokens", FieldViolation{Field: fmt.Sprintf("remove[%d]", i), Rule: "16 to 64 letters or digits"})
		}
	}
	return nil
}

// ApplyAccessTokens is a change applied to the records a region keeps: what a region stores
// after Check. Adding an id already kept is ErrConflict; more than MaxAccessTokens is refused.
func ApplyAccessTokens(have []AccessToken, r SetAccessTokensRequest) ([]AccessToken, error) {
	gone := make(map[string]bool, len(r.Remove))
	for _, id := range r.Remove {
		gone[id] = true
	}
	out := make([]AccessToken, 0, len(have)+len(r.Add))
	kept := map[string]bool{}
	for _, t := range have {
		if !gone[t.ID] {
			out = append(out, t)
			kept[t.ID] = true
		}
	}
	for _, t := range r.Add {
		if kept[t.ID] {
			return nil, Errorf(ErrConflict, "an API token with id %q is already kept", t.ID)
		}
		kept[t.ID] = true
		out = append(out, t)
	}
	if len(out) > MaxAccessTokens {
		return nil, InvalidFields("invalid API tokens", FieldViolation{Field: "add", Rule: fmt.Sprintf("at most %d API tokens per person; revoke one first", MaxAccessTokens)})
	}
	return out, nil
}
