package action

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/basalt-dev/basalt/core/internal/scope"
	"github.com/basalt-dev/basalt/sdk"
)

// Rollback brings an earlier revision of a running service back: its chart and its values,
// as Helm kept them, with the difference shown first.
type Rollback struct{ cfg *Config }

// NewRollback returns the rollback verb.
func NewRollback(cfg *Config) *Rollback { return &Rollback{cfg: cfg} }

// History lists the service's revisions, the newest first.
func (r *Rollback) History(ctx context.Context, sc *scope.Scope, service string) ([]sdk.Revision, error) {
	region, _, err := r.release(ctx, sc, service, false)
	if err != nil {
		return nil, err
	}
	resp, err := region.History(sc.Context(ctx), sdk.HistoryRequest{ReleaseRef: sdk.ReleaseRef{Name: service}})
	return resp.Revisions, err
}

// RolledBack is a rollback planned or done.
type RolledBack struct {
	Revision    int
	FromVersion string
	ToVersion   string
	Diff        Diff
	Service     sdk.Release
}

// Plan shows what bringing revision back would change, changing nothing.
func (r *Rollback) Plan(ctx context.Context, sc *scope.Scope, service string, revision int) (*RolledBack, error) {
	region, now, err := r.release(ctx, sc, service, true)
	if err != nil {
		return nil, err
	}
	ctx = sc.Context(ctx)
	ref := sdk.ReleaseRef{Name: service}
	if revision == 0 {
		revision = now.Release.Revision - 1
	}
	if revision < 1 || revision >= now.Release.Revision {
		return nil, sdk.InvalidFields("cannot roll back", sdk.FieldViolation{Field: "revision",
			Rule: fmt.Sprintf("must be an earlier revision of the service, from 1 to %d", now.Release.Revision-1)})
	}
	history, err := region.History(ctx, sdk.HistoryRequest{ReleaseRef: ref})
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(history.Revisions, func(r sdk.Revision) bool { return r.Revision == revision })
	if i < 0 {
		return nil, sdk.InvalidFields("cannot roll back", sdk.FieldViolation{Field: "revision",
			Rule: fmt.Sprintf("revision %d is no longer in the service's history", revision)})
	}
	then, err := region.GetRelease(ctx, sdk.GetReleaseRequest{ReleaseRef: ref, IncludeValues: true, Revision: revision})
	if err != nil {
		return nil, err
	}
	var before, after map[string]any
	if err := decodeValues(now.Values, &before); err != nil {
		return nil, err
	}
	if err := decodeValues(then.Values, &after); err != nil {
		return nil, err
	}
	return &RolledBack{Revision: revision, FromVersion: now.Release.ChartVersion, ToVersion: history.Revisions[i].ChartVersion,
		Diff: diffOf(before, after, now.Manifest, then.Manifest, true, nil), Service: now.Release}, nil
}

// Run brings revision back (0: the previous one).
func (r *Rollback) Run(ctx context.Context, sc *scope.Scope, service string, revision int) (*RolledBack, error) {
	planned, err := r.Plan(ctx, sc, service, revision)
	if err != nil {
		return nil, err
	}
	region, _ := sc.Services()
	resp, err := region.Rollback(sc.Context(ctx), sdk.RollbackRequest{ReleaseRef: sdk.ReleaseRef{Name: service}, Revision: planned.Revision})
	if err != nil {
		return nil, err
	}
	r.cfg.Log.Info("service rolled back", "user", sc.User.Username, "project", sc.Project.ID, "service", service,
		"revision", planned.Revision)
	planned.Service = resp.Release
	return planned, nil
}

// release reads a service the caller may see, and change when change, with its values
// and manifest (masked) when it is to be changed.
func (r *Rollback) release(ctx context.Context, sc *scope.Scope, service string, change bool) (sdk.Region, sdk.GetReleaseResponse, error) {
	region, err := sc.Services()
	if err != nil {
		return nil, sdk.GetReleaseResponse{}, err
	}
	got, err := region.GetRelease(sc.Context(ctx), sdk.GetReleaseRequest{ReleaseRef: sdk.ReleaseRef{Name: service}, IncludeValues: change})
	if err != nil {
		return nil, sdk.GetReleaseResponse{}, err
	}
	if !sc.Visible(got.Release) {
		return nil, sdk.GetReleaseResponse{}, sdk.Errorf(sdk.ErrNotFound, "no service %q", service)
	}
	if change {
		if err := sc.MayChange(got.Release); err != nil {
			return nil, sdk.GetReleaseResponse{}, err
		}
	}
	return region, got, nil
}

func decodeValues(raw []byte, into *map[string]any) error {
	*into = map[string]any{}
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("a revision's values: %w", err)
	}
	return nil
}
