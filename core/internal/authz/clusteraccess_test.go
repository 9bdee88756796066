package authz

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// accessLedger is a region that records the kubeconfigs asked of it.
type accessLedger struct {
	sdk.Region
	got []sdk.ClusterAccessRequest
}

func (l *accessLedger) ClusterAccess(_ context.Context, req sdk.ClusterAccessRequest) (sdk.ClusterAccessResponse, error) {
	l.got = append(l.got, req)
	return sdk.ClusterAccessResponse{}, nil
}

// A kubeconfig acts in the namespace as launching does: a project's member gets one, for
// themselves in the scope's project whatever the request named, and a viewer gets none.
func TestKubeconfigsAreNotForViewers(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.csv")
	if err := os.WriteFile(policy, []byte(config.DefaultPolicy+"\ng, user:dave, role:viewer, project-data-team\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newAuthorizer(t, config.Authz{Policy: policy})
	forged := sdk.ClusterAccessRequest{Caller: sdk.Caller{Username: "mallory"}, Project: sdk.Project{ID: "user-mallory"}}

	member := &accessLedger{}
	alice := scope(&identity.User{Username: "alice", Groups: []string{"data-team"}}, "project-data-team")
	if _, err := a.Region(member).ClusterAccess(alice, forged); err != nil {
		t.Fatalf("a member's kubeconfig: %v", err)
	}
	if len(member.got) != 1 || member.got[0].Caller.Username != "alice" || member.got[0].Project.ID != "project-data-team" {
		t.Errorf("the region was asked %+v, want one kubeconfig for alice in project-data-team", member.got)
	}

	viewer := &accessLedger{}
	dave := scope(&identity.User{Username: "dave"}, "project-data-team")
	if _, err := a.Region(viewer).ClusterAccess(dave, forged); !errors.Is(err, sdk.ErrPermissionDenied) && !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("a viewer's kubeconfig: %v, want permission denied or not found", err)
	}
	if len(viewer.got) != 0 {
		t.Errorf("a viewer's request reached the region")
	}
}
