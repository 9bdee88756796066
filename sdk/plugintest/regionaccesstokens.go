package plugintest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// testRegionAccessTokens checks the records of API tokens: one added is listed as given (every
// field, across the wire), a second one with the same id is a conflict, bad records are
// refused naming the field, a group's project keeps none, and a removed record is gone while
// the other stays. A region that keeps none answers ErrUnimplemented to both calls.
func testRegionAccessTokens(t *testing.T, k *regionKit) {
	if !k.project.Personal() {
		t.Skip("the kit's project is a group's: API tokens are kept with a person's own")
	}
	if _, err := k.r.AccessTokens(k.ctx, sdk.AccessTokensRequest{Project: k.project}); errors.Is(err, sdk.ErrUnimplemented) {
		return
	} else if err != nil {
		t.Fatalf("AccessTokens: %v", err)
	}
	created := time.Now().UTC().Truncate(time.Second)
	record := func(id, name string) sdk.AccessToken {
		sum := sha256.Sum256([]byte("secret of " + id))
		return sdk.AccessToken{ID: id, SecretHash: hex.EncodeToString(sum[:]), Name: name, Scopes: []string{"read"},
			Created: created, Expires: created.Add(24 * time.Hour), Subject: "sub-" + k.setup.Caller.Username,
			Username: k.setup.Caller.Username, FullName: "Kit Person", Email: "kit@example.org",
			Groups: []string{"kit-group"}, Roles: []string{"kit-role"}}
	}
	// unique's 15 letters and digits and one more: an id's shortest
	first, second := record(unique("kit")+"0", "first"), record(unique("kit")+"1", "second")
	t.Cleanup(func() {
		_, _ = k.r.SetAccessTokens(k.ctx, sdk.SetAccessTokensRequest{Project: k.project, Remove: []string{first.ID, second.ID}})
	})
	if _, err := k.r.SetAccessTokens(k.ctx, sdk.SetAccessTokensRequest{Project: k.project, Add: []sdk.AccessToken{first, second}}); err != nil {
		t.Fatalf("SetAccessTokens: %v", err)
	}
	listed, err := k.r.AccessTokens(k.ctx, sdk.AccessTokensRequest{Project: k.project})
	if err != nil {
		t.Fatalf("AccessTokens: %v", err)
	}
	i := slices.IndexFunc(listed.Tokens, func(a sdk.AccessToken) bool { return a.ID == first.ID })
	if i < 0 {
		t.Fatalf("AccessTokens: %+v, want %s", listed.Tokens, first.ID)
	}
	if got := listed.Tokens[i]; !sameAccessToken(got, first) {
		t.Errorf("AccessTokens: %+v, want %+v", got, first)
	}
	if _, err := k.r.SetAccessTokens(k.ctx, sdk.SetAccessTokensRequest{Project: k.project, Add: []sdk.AccessToken{first}}); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("adding an id already kept: %v, want a conflict", err)
	}
	bad := record(unique("kit")+"2", "")
	if _, err := k.r.SetAccessTokens(k.ctx, sdk.SetAccessTokensRequest{Project: k.project, Add: []sdk.AccessToken{bad}}); !errors.Is(err, sdk.ErrInvalidArgument) || len(sdk.FieldsOf(err)) == 0 {
		t.Errorf("a record without a name: %v, want invalid naming the field", err)
	}
	if _, err := k.r.SetAccessTokens(k.ctx, sdk.SetAccessTokensRequest{Project: sdk.Project{ID: k.project.ID, Group: "kit-group"}, Add: []sdk.AccessToken{record(unique("kit")+"3", "group")}}); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("a record kept with a group's project: %v, want invalid", err)
	}
	if _, err := k.r.SetAccessTokens(k.ctx, sdk.SetAccessTokensRequest{Project: k.project, Remove: []string{first.ID}}); err != nil {
		t.Fatalf("SetAccessTokens removing: %v", err)
	}
	listed, _ = k.r.AccessTokens(k.ctx, sdk.AccessTokensRequest{Project: k.project})
	ids := make([]string, len(listed.Tokens))
	for i, a := range listed.Tokens {
		ids[i] = a.ID
	}
	if slices.Contains(ids, first.ID) || !slices.Contains(ids, second.ID) {
		t.Errorf("after removing the first: %v, want only the second of the two", ids)
	}
}

func sameAccessToken(a, b sdk.AccessToken) bool {
	return a.ID == b.ID && a.SecretHash == b.SecretHash && a.Name == b.Name && slices.Equal(a.Scopes, b.Scopes) &&
		a.Created.Equal(b.Created) && a.Expires.Equal(b.Expires) && a.Subject == b.Subject && a.Username == b.Username &&
		a.FullName == b.FullName && a.Email == b.Email && slices.Equal(a.Groups, b.Groups) && slices.Equal(a.Roles, b.Roles)
}
