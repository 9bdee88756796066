package plugintest

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// testRegionClusterAccess checks the credential a region gives for a project's namespace: the
// server, the namespace onboarding made and a token, of a known kind, that has not expired;
// a stranger to a group's project gets none, a person added to it gets one, and none once
// removed (where the region refuses strangers at all). A region that gives none answers
// ErrUnimplemented.
func testRegionClusterAccess(t *testing.T, k *regionKit) {
	own, err := k.r.ClusterAccess(k.ctx, sdk.ClusterAccessRequest{Caller: k.setup.Caller, Project: k.project})
	if errors.Is(err, sdk.ErrUnimplemented) {
		return
	}
	if err != nil {
		t.Fatalf("ClusterAccess: %v", err)
	}
	onboarded, err := k.r.Onboard(k.ctx, sdk.OnboardRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatal(err)
	}
	if u, err := url.Parse(own.Server); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		t.Errorf("ClusterAccess: server %q, want the API server's URL", own.Server)
	}
	if own.Namespace != onboarded.Namespace || own.Token == "" || own.User == "" {
		t.Errorf("ClusterAccess: namespace %q, user %q, token set %v; want namespace %q, a user and a token", own.Namespace, own.User, own.Token != "", onboarded.Namespace)
	}
	if own.Credential != sdk.CredentialIDToken && own.Credential != sdk.CredentialServiceAccount {
		t.Errorf("ClusterAccess: credential %q, want %s or %s", own.Credential, sdk.CredentialIDToken, sdk.CredentialServiceAccount)
	}
	if !own.Expires.IsZero() && !own.Expires.After(time.Now()) {
		t.Errorf("ClusterAccess: expired at %v", own.Expires)
	}

	owner, team := k.team(t)
	if _, err := k.r.ClusterAccess(k.ctx, sdk.ClusterAccessRequest{Caller: owner, Project: team}); err != nil {
		t.Errorf("ClusterAccess of a group's member: %v", err)
	}
	stranger := sdk.Caller{Username: k.setup.Caller.Username + "-stranger"}
	if _, err := k.r.ClusterAccess(k.ctx, sdk.ClusterAccessRequest{Caller: stranger, Project: team}); !errors.Is(err, sdk.ErrPermissionDenied) && !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("ClusterAccess of a stranger to a group's project: %v, want permission denied or not found", err)
	}
	friend := sdk.Caller{Username: k.setup.Caller.Username + "-friend"}
	if _, err := k.r.SetMembers(k.ctx, sdk.SetMembersRequest{Caller: owner, Project: team, Add: []string{friend.Username}}); err != nil {
		if errors.Is(err, sdk.ErrUnimplemented) {
			return
		}
		t.Fatalf("SetMembers: %v", err)
	}
	if _, err := k.r.ClusterAccess(k.ctx, sdk.ClusterAccessRequest{Caller: friend, Project: team}); err != nil {
		t.Errorf("ClusterAccess of a person added to the project: %v", err)
	}
	if _, err := k.r.SetMembers(k.ctx, sdk.SetMembersRequest{Caller: owner, Project: team, Remove: []string{friend.Username}}); err != nil {
		t.Fatalf("SetMembers removing: %v", err)
	}
	if _, err := k.r.ClusterAccess(k.ctx, sdk.ClusterAccessRequest{Caller: friend, Project: team}); err == nil {
		t.Errorf("ClusterAccess of a person removed from the project: given, want refused")
	}
}
