package plugintest

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// The region kit's cases for changing a running release: its history, the values of its
// revisions, masked or not, rollbacks and dry runs.

// launch is one set of values the kit installs: Values with fresh secrets in SecretValues.
type launch struct {
	values  []byte
	secrets []string
}

// newLaunch fills SecretValues' string leaves with fresh secrets and merges them into Values.
func (k *regionKit) newLaunch(t *testing.T) launch {
	t.Helper()
	if len(k.setup.SecretValues) == 0 {
		t.Fatal("plugintest: RegionSetup needs SecretValues for the cases that check masking")
	}
	values := map[string]any{}
	if err := json.Unmarshal(k.setup.Values, &values); err != nil {
		t.Fatalf("plugintest: RegionSetup.Values: %v", err)
	}
	var secret map[string]any
	if err := json.Unmarshal(k.setup.SecretValues, &secret); err != nil {
		t.Fatalf("plugintest: RegionSetup.SecretValues: %v", err)
	}
	var l launch
	var fill func(into, from map[string]any)
	fill = func(into, from map[string]any) {
		for key, v := range from {
			switch v := v.(type) {
			case map[string]any:
				child, _ := into[key].(map[string]any)
				if child == nil {
					child = map[string]any{}
					into[key] = child
				}
				fill(child, v)
			case string:
				s := unique("kit-secret-")
				l.secrets = append(l.secrets, s)
				into[key] = s
			default:
				into[key] = v
			}
		}
	}
	fill(values, secret)
	if len(l.secrets) == 0 {
		t.Fatal("plugintest: RegionSetup.SecretValues holds no string")
	}
	l.values, _ = json.Marshal(values)
	return l
}

// change installs archive with these values: a new release, an upgrade, or a dry run of
// either.
func (k *regionKit) change(t *testing.T, name string, archive []byte, l launch, upgrade, dryRun bool) (sdk.InstallResponse, error) {
	t.Helper()
	md := kitMetadata
	md.Owner = k.setup.Caller.Username
	return k.r.Install(k.ctx, sdk.InstallRequest{
		Caller: k.setup.Caller, Project: k.project, ReleaseName: name, Archive: bytes.NewReader(archive),
		Values: l.values, Metadata: md, Timeout: k.timeout, Upgrade: upgrade, DryRun: dryRun,
	})
}

// changed installs or upgrades, fails the test if that fails, and waits for the change to end
// (a release being changed refuses the next one). A new release is uninstalled when the test
// ends.
func (k *regionKit) changed(t *testing.T, name string, archive []byte, l launch, upgrade bool) sdk.Release {
	t.Helper()
	resp, err := k.change(t, name, archive, l, upgrade, false)
	if err != nil {
		t.Fatalf("Install %s (upgrade %v): %v", name, upgrade, err)
	}
	if !upgrade {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, _ = k.r.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: k.ref(name)})
		})
	}
	k.waitFor(t, name, "done changing", func(r sdk.Release) bool { return r.Status != sdk.StatusPending })
	return resp.Release
}

func (k *regionKit) otherArchive(t *testing.T) []byte {
	t.Helper()
	if len(k.setup.OtherArchive) == 0 {
		t.Fatal("plugintest: RegionSetup needs OtherArchive, another version of the chart, for the history cases")
	}
	return k.setup.OtherArchive
}

// values reads a release's values: masked, unmasked, or of an earlier revision.
func (k *regionKit) values(t *testing.T, req sdk.GetReleaseRequest) (sdk.GetReleaseResponse, map[string]any) {
	t.Helper()
	resp, err := k.r.GetRelease(k.ctx, req)
	if err != nil {
		t.Fatalf("GetRelease %s (revision %d, unmasked %v): %v", req.Name, req.Revision, req.Unmasked, err)
	}
	var values map[string]any
	if err := json.Unmarshal(resp.Values, &values); err != nil {
		t.Fatalf("GetRelease %s (revision %d, unmasked %v): values %q are not a JSON object: %v", req.Name, req.Revision, req.Unmasked, resp.Values, err)
	}
	return resp, values
}

// heldBy reports whether got holds every value the launch gave.
func (l launch) heldBy(got map[string]any) bool {
	var gave any
	_ = json.Unmarshal(l.values, &gave)
	return subsetOf(gave, got)
}

// leaks returns the launch's secrets found in text.
func (l launch) leaks(text string) []string {
	var out []string
	for _, s := range l.secrets {
		if strings.Contains(text, s) {
			out = append(out, s)
		}
	}
	return out
}

func testRegionMaskedValues(t *testing.T, k *regionKit) {
	name := unique("kit-")
	l := k.newLaunch(t)
	k.changed(t, name, k.setup.Archive, l, false)

	masked, values := k.values(t, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), IncludeValues: true})
	if leaked := l.leaks(string(masked.Values)); len(leaked) > 0 {
		t.Errorf("GetRelease shows the secret values %q", leaked)
	}
	if leaked := l.leaks(masked.Manifest); len(leaked) > 0 {
		t.Errorf("GetRelease's manifest shows the secret values %q", leaked)
	}
	var gave any
	_ = json.Unmarshal(k.setup.Values, &gave)
	if !subsetOf(gave, values) {
		t.Errorf("GetRelease: masked values %s lost values that are not secret %s", masked.Values, k.setup.Values)
	}

	// Unmasked implies the values: the core asks for them to change the release.
	unmasked, values := k.values(t, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Unmasked: true})
	if !l.heldBy(values) {
		t.Errorf("GetRelease unmasked: values %s, want every installed value %s", unmasked.Values, l.values)
	}
	if leaked := l.leaks(unmasked.Manifest); len(leaked) > 0 {
		t.Errorf("GetRelease unmasked: the manifest shows the secret values %q; only the values are unmasked", leaked)
	}
}

func testRegionHistory(t *testing.T, k *regionKit) {
	name := unique("kit-")
	first := k.changed(t, name, k.setup.Archive, k.newLaunch(t), false)
	second := k.changed(t, name, k.otherArchive(t), k.newLaunch(t), true)
	if first.ChartVersion == second.ChartVersion {
		t.Fatalf("plugintest: OtherArchive has the version of Archive (%s)", first.ChartVersion)
	}
	history := k.history(t, name)
	if len(history) != 2 {
		t.Fatalf("History after an install and an upgrade: %d revisions %+v, want 2", len(history), history)
	}
	for i, want := range []sdk.Release{second, first} {
		got := history[i]
		if got.Revision != want.Revision || got.ChartVersion != want.ChartVersion || got.Chart != want.Chart {
			t.Errorf("History[%d]: revision %d of %s %s, want revision %d of %s %s", i, got.Revision, got.Chart, got.ChartVersion, want.Revision, want.Chart, want.ChartVersion)
		}
		if got.Updated.IsZero() || got.Description == "" {
			t.Errorf("History[%d]: updated %v, description %q: both must be set", i, got.Updated, got.Description)
		}
	}
	if history[0].Status != "deployed" || history[1].Status != "superseded" {
		t.Errorf("History: statuses %q then %q, want deployed then superseded", history[0].Status, history[1].Status)
	}
	if history[0].Updated.Before(history[1].Updated) {
		t.Errorf("History: not the newest first (%v before %v)", history[0].Updated, history[1].Updated)
	}

	// Suspending is a revision too.
	if _, err := k.r.Suspend(k.ctx, sdk.SuspendRequest{ReleaseRef: k.ref(name)}); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	k.waitFor(t, name, "suspended", func(r sdk.Release) bool { return r.Suspended && r.Status != sdk.StatusPending })
	if history = k.history(t, name); len(history) != 3 || history[0].Revision <= second.Revision || history[0].ChartVersion != second.ChartVersion {
		t.Errorf("History after Suspend: %+v, want a third revision of %s", history, second.ChartVersion)
	}
}

func (k *regionKit) history(t *testing.T, name string) []sdk.Revision {
	t.Helper()
	resp, err := k.r.History(k.ctx, sdk.HistoryRequest{ReleaseRef: k.ref(name)})
	if err != nil {
		t.Fatalf("History %s: %v", name, err)
	}
	return resp.Revisions
}

func testRegionRevisionValues(t *testing.T, k *regionKit) {
	name := unique("kit-")
	one, two := k.newLaunch(t), k.newLaunch(t)
	first := k.changed(t, name, k.setup.Archive, one, false)
	second := k.changed(t, name, k.setup.Archive, two, true)

	for _, c := range []struct {
		revision int
		want     launch
	}{{first.Revision, one}, {second.Revision, two}, {0, two}} {
		got, values := k.values(t, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Revision: c.revision, Unmasked: true})
		if !c.want.heldBy(values) {
			t.Errorf("GetRelease of revision %d: values %s, want %s", c.revision, got.Values, c.want.values)
		}
		if got.Release.Revision != second.Revision {
			t.Errorf("GetRelease of revision %d: the release is at revision %d, want the current one %d", c.revision, got.Release.Revision, second.Revision)
		}
		if got.Manifest == "" {
			t.Errorf("GetRelease of revision %d: no manifest", c.revision)
		}
	}
	// An earlier revision's values are masked as the current ones are.
	masked, _ := k.values(t, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Revision: first.Revision})
	if leaked := one.leaks(string(masked.Values) + masked.Manifest); len(leaked) > 0 {
		t.Errorf("GetRelease of revision %d shows the secret values %q", first.Revision, leaked)
	}
	_, err := k.r.GetRelease(k.ctx, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Revision: second.Revision + 40})
	wantKind(t, "GetRelease of a revision that does not exist", err, sdk.ErrNotFound)
	_, err = k.r.GetRelease(k.ctx, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Revision: -1})
	wantKind(t, "GetRelease of revision -1", err, sdk.ErrInvalidArgument)
}

func testRegionRollback(t *testing.T, k *regionKit) {
	name := unique("kit-")
	one, two := k.newLaunch(t), k.newLaunch(t)
	first := k.changed(t, name, k.setup.Archive, one, false)
	second := k.changed(t, name, k.otherArchive(t), two, true)
	// Renamed and shared after the revision it rolls back to: a rollback keeps that.
	friendly, shared := "Renamed before the rollback", true
	if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), FriendlyName: &friendly, Shared: &shared}); err != nil {
		t.Fatalf("UpdateRelease: %v", err)
	}

	resp, err := k.r.Rollback(k.ctx, sdk.RollbackRequest{ReleaseRef: k.ref(name), Timeout: k.timeout})
	if err != nil {
		t.Fatalf("Rollback to the previous revision: %v", err)
	}
	back := resp.Release
	if back.Revision != second.Revision+1 || back.ChartVersion != first.ChartVersion {
		t.Errorf("Rollback: revision %d of %s, want revision %d of %s", back.Revision, back.ChartVersion, second.Revision+1, first.ChartVersion)
	}
	got, values := k.values(t, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Unmasked: true})
	if !one.heldBy(values) || len(two.leaks(string(got.Values))) > 0 {
		t.Errorf("values after Rollback: %s, want those of revision %d %s", got.Values, first.Revision, one.values)
	}
	md := got.Release.Metadata
	if md.FriendlyName != friendly || !md.Shared || md.Owner != k.setup.Caller.Username || md.Catalog != kitMetadata.Catalog {
		t.Errorf("metadata after Rollback: %+v, want it as it was before (renamed, shared, owned by %s)", md, k.setup.Caller.Username)
	}
	k.waitFor(t, name, "rolled back and ready", sdk.Release.Ready)
	history := k.history(t, name)
	if len(history) != 3 || history[0].Revision != back.Revision || history[0].ChartVersion != first.ChartVersion || history[0].Status != "deployed" {
		t.Errorf("History after Rollback: %+v, want a third revision of %s, deployed", history, first.ChartVersion)
	}

	// Forward again, to a revision named.
	resp, err = k.r.Rollback(k.ctx, sdk.RollbackRequest{ReleaseRef: k.ref(name), Revision: second.Revision, Timeout: k.timeout})
	if err != nil {
		t.Fatalf("Rollback to revision %d: %v", second.Revision, err)
	}
	if resp.Release.ChartVersion != second.ChartVersion {
		t.Errorf("Rollback to revision %d: chart %s, want %s", second.Revision, resp.Release.ChartVersion, second.ChartVersion)
	}
	if _, values := k.values(t, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Unmasked: true}); !two.heldBy(values) {
		t.Errorf("values after Rollback to revision %d: not those it was installed with", second.Revision)
	}

	_, err = k.r.Rollback(k.ctx, sdk.RollbackRequest{ReleaseRef: k.ref(name), Revision: 40 + resp.Release.Revision})
	wantKind(t, "Rollback to a revision that does not exist", err, sdk.ErrNotFound)
	_, err = k.r.Rollback(k.ctx, sdk.RollbackRequest{ReleaseRef: k.ref(name), Revision: -1})
	wantKind(t, "Rollback to revision -1", err, sdk.ErrInvalidArgument)
	if n := len(k.history(t, name)); n != 4 {
		t.Errorf("History after two rollbacks and two refused: %d revisions, want 4", n)
	}
}

func testRegionDryRun(t *testing.T, k *regionKit) {
	// A new release: nothing is recorded.
	name := unique("kit-")
	l := k.newLaunch(t)
	resp, err := k.change(t, name, k.setup.Archive, l, false, true)
	if err != nil {
		t.Fatalf("Install dry run: %v", err)
	}
	if resp.Manifest == "" || resp.Release.Name != name || resp.Release.ChartVersion == "" {
		t.Errorf("Install dry run: release %+v, manifest of %d bytes: want the release it would record and its manifest", resp.Release, len(resp.Manifest))
	}
	if leaked := l.leaks(resp.Manifest); len(leaked) > 0 {
		t.Errorf("Install dry run: the manifest shows the secret values %q", leaked)
	}
	_, err = k.r.GetRelease(k.ctx, sdk.GetReleaseRequest{ReleaseRef: k.ref(name)})
	wantKind(t, "GetRelease after an install dry run", err, sdk.ErrNotFound)
	list, err := k.r.ListReleases(k.ctx, sdk.ListReleasesRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("ListReleases: %v", err)
	}
	if slices.ContainsFunc(list.Releases, func(r sdk.Release) bool { return r.Name == name }) {
		t.Errorf("ListReleases lists %s after a dry run", name)
	}

	// An upgrade: the release stays as it was.
	first := k.changed(t, name, k.setup.Archive, l, false)
	_, err = k.change(t, name, k.otherArchive(t), k.newLaunch(t), false, true)
	wantKind(t, "Install dry run of an existing release without Upgrade", err, sdk.ErrAlreadyExists)
	next := k.newLaunch(t)
	resp, err = k.change(t, name, k.otherArchive(t), next, true, true)
	if err != nil {
		t.Fatalf("upgrade dry run: %v", err)
	}
	if resp.Release.Revision != first.Revision+1 || resp.Release.ChartVersion == first.ChartVersion || resp.Manifest == "" {
		t.Errorf("upgrade dry run: revision %d of %s with a manifest of %d bytes, want revision %d of the other version and its manifest",
			resp.Release.Revision, resp.Release.ChartVersion, len(resp.Manifest), first.Revision+1)
	}
	if leaked := next.leaks(resp.Manifest); len(leaked) > 0 {
		t.Errorf("upgrade dry run: the manifest shows the secret values %q", leaked)
	}
	got, values := k.values(t, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), Unmasked: true})
	if got.Release.Revision != first.Revision || got.Release.ChartVersion != first.ChartVersion || !l.heldBy(values) {
		t.Errorf("after an upgrade dry run: revision %d of %s with values %s, want revision %d of %s as installed",
			got.Release.Revision, got.Release.ChartVersion, got.Values, first.Revision, first.ChartVersion)
	}
	if n := len(k.history(t, name)); n != 1 {
		t.Errorf("History after an upgrade dry run: %d revisions, want 1", n)
	}
}
