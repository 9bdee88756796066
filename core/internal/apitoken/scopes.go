package apitoken

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// Scopes a token may hold; each is checked before the policy, which still decides.
const (
	ScopeRead  = "read"  // read what the API shows (every GET outside administration)
	ScopeWrite = "write" // change things: launch, pause, resume, delete, files, settings
	ScopeAdmin = "admin" // the administration routes, reading and changing, for an administrator
)

// Scopes are every scope, in the order the portal offers them.
var Scopes = []string{ScopeRead, ScopeWrite, ScopeAdmin}

// checkScopes checks a token's scopes as asked for at creation.
func checkScopes(scopes []string) error {
	if len(scopes) == 0 {
		return sdk.InvalidFields("invalid API token", sdk.FieldViolation{Field: "scopes", Rule: "at least one of read, write, admin"})
	}
	for i, s := range scopes {
		if !slices.Contains(Scopes, s) || slices.Index(scopes, s) != i {
			return sdk.InvalidFields("invalid API token", sdk.FieldViolation{Field: fmt.Sprintf("scopes[%d]", i), Rule: "one of read, write, admin, each once"})
		}
	}
	return nil
}

// needed is the scope a request needs: the administration routes need admin, reading needs
// read, and the rest write.
func needed(method, path string) string {
	switch {
	case path == "/api/v1/admin" || strings.HasPrefix(path, "/api/v1/admin/"):
		return ScopeAdmin
	case method == http.MethodGet || method == http.MethodHead:
		return ScopeRead
	}
	return ScopeWrite
}

// Allow refuses a request the grant's scopes do not cover, naming the scope it needs.
func (g *Grant) Allow(method, path string) error {
	need := needed(method, path)
	if !slices.Contains(g.Scopes, need) {
		return sdk.Errorf(sdk.ErrPermissionDenied, "this API token lacks the %s scope, which %s %s needs", need, method, path)
	}
	return nil
}
