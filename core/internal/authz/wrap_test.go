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

// releaseLedger is a region that records the calls that reach it, for checking what the
// wrapper lets through and as whom.
type releaseLedger struct {
	sdk.Region
	got []sdk.ReleaseRef
}

func (l *releaseLedger) GetRelease(_ context.Context, req sdk.GetReleaseRequest) (sdk.GetReleaseResponse, error) {
	l.got = append(l.got, req.ReleaseRef)
	return sdk.GetReleaseResponse{}, nil
}

func (l *releaseLedger) History(_ context.Context, req sdk.HistoryRequest) (sdk.HistoryResponse, error) {
	l.got = append(l.got, req.ReleaseRef)
	return sdk.HistoryResponse{}, nil
}

func (l *releaseLedger) Rollback(_ context.Context, req sdk.RollbackRequest) (sdk.RollbackResponse, error) {
	l.got = append(l.got, req.ReleaseRef)
	return sdk.RollbackResponse{}, nil
}

// TestChangingAServiceNeedsTheLaunchRight: a viewer of a project reads a service's masked
// values and history, but neither its values with their secrets nor a rollback, which a
// member gets; the calls reach the region as the scope's user, whatever the request said.
func TestChangingAServiceNeedsTheLaunchRight(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "policy.csv")
	if err := os.WriteFile(policy, []byte(config.DefaultPolicy+"\ng, user:dave, role:viewer, project-data-team\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newAuthorizer(t, config.Authz{Policy: policy})
	alice := scope(&identity.User{Username: "alice", Groups: []string{"data-team"}}, "project-data-team")
	dave := scope(&identity.User{Username: "dave"}, "project-data-team")
	forged := sdk.ReleaseRef{Caller: sdk.Caller{Username: "mallory"}, Project: sdk.Project{ID: "user-mallory"}, Name: "jupyter"}

	calls := []struct {
		name        string
		call        func(ctx context.Context, r sdk.Region) error
		viewerMayDo bool
	}{
		{"GetRelease masked", func(ctx context.Context, r sdk.Region) error {
			_, err := r.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: forged, IncludeValues: true})
			return err
		}, true},
		{"GetRelease of a revision", func(ctx context.Context, r sdk.Region) error {
			_, err := r.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: forged, Revision: 1})
			return err
		}, true},
		{"History", func(ctx context.Context, r sdk.Region) error {
			_, err := r.History(ctx, sdk.HistoryRequest{ReleaseRef: forged})
			return err
		}, true},
		{"GetRelease unmasked", func(ctx context.Context, r sdk.Region) error {
			_, err := r.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: forged, Unmasked: true})
			return err
		}, false},
		{"Rollback", func(ctx context.Context, r sdk.Region) error {
			_, err := r.Rollback(ctx, sdk.RollbackRequest{ReleaseRef: forged})
			return err
		}, false},
	}
	for _, c := range calls {
		for _, who := range []struct {
			ctx     context.Context
			name    string
			allowed bool
		}{{alice, "alice", true}, {dave, "dave", c.viewerMayDo}} {
			ledger := &releaseLedger{}
			err := c.call(who.ctx, a.Region(ledger))
			switch {
			case who.allowed && err != nil:
				t.Errorf("%s by %s: %v, want it allowed", c.name, who.name, err)
			case !who.allowed && err == nil:
				t.Errorf("%s by %s went through, want it refused", c.name, who.name)
			case !who.allowed && !errors.Is(err, sdk.ErrPermissionDenied) && !errors.Is(err, sdk.ErrNotFound):
				t.Errorf("%s by %s: %v, want permission denied or not found", c.name, who.name, err)
			}
			if !who.allowed {
				if len(ledger.got) != 0 {
					t.Errorf("%s by %s reached the region though refused", c.name, who.name)
				}
				continue
			}
			if len(ledger.got) != 1 {
				t.Fatalf("%s by %s: %d calls reached the region, want 1", c.name, who.name, len(ledger.got))
			}
			got := ledger.got[0]
			if got.Caller.Username != who.name || got.Project.ID != "project-data-team" || got.Name != "jupyter" {
				t.Errorf("%s by %s reached the region as %s in %s for %q, want the scope's user and project", c.name, who.name, got.Caller.Username, got.Project.ID, got.Name)
			}
		}
	}
}
