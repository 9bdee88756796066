package plugintest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// RegionSetup is what the region kit needs from the implementation under test.
type RegionSetup struct {
	// Region is the configured implementation.
	Region sdk.Region
	// Connected says Region already is a client across the plugin wire; the kit then uses
	// it as is.
	Connected bool
	// Caller is the user the kit acts as; Project defaults to the caller's personal project.
	Caller  sdk.Caller
	Project sdk.Project
	// Archive is a chart's .tgz to install: it must be suspendable (Onyxia's global.suspend)
	// and run at least one workload, whose containers print something once ready.
	Archive []byte
	// Values are the install's values, a JSON object.
	Values []byte
	// OtherArchive is another version of the same chart, which the history, rollback and dry
	// run cases install over Archive.
	OtherArchive []byte
	// SecretValues is a JSON object of values the chart accepts whose string leaves are
	// secrets (a password): the kit fills them with fresh strings, merges them into Values,
	// and checks that the region masks them unless asked for the values unmasked.
	SecretValues []byte
	// ReadyTimeout bounds the wait for a release to be ready; 0 means two minutes.
	ReadyTimeout time.Duration
	// Simulated says where the region runs the setup's chart: on simulated nodes only (a
	// test cluster's kwok nodes, Values pinning the chart there), or on real ones. The kit
	// expects a ready release to report it, and a paused one, which has no pod, never to.
	Simulated bool
	// Group is a group the kit makes a project of, with Caller as its member, to add people to
	// (the Projects case); "" is Caller's name with "-kit" after it.
	Group string
}

// TestRegion runs the region conformance kit. setup is called once per subtest.
func TestRegion(t *testing.T, setup func(t *testing.T) RegionSetup) {
	run := func(name string, test func(t *testing.T, k *regionKit)) {
		t.Run(name, func(t *testing.T) { test(t, newRegionKit(t, setup(t))) })
	}
	run("Info", func(t *testing.T, k *regionKit) { testBase(t, sdk.KindRegion, k.r) })
	run("Onboard", testRegionOnboard)
	run("Install", testRegionInstall)
	run("InstallInvalid", testRegionInstallInvalid)
	run("Ready", testRegionReady)
	run("SuspendResume", testRegionSuspendResume)
	run("Simulated", testRegionSimulated)
	run("UpdateRelease", testRegionUpdate)
	run("Lifecycle", testRegionLifecycle)
	run("Fleet", testRegionFleet)
	run("Backends", testRegionBackends)
	run("Cluster", testRegionCluster)
	run("Projects", testRegionProjects)
	run("ClusterAccess", testRegionClusterAccess)
	run("AccessTokens", testRegionAccessTokens)
	run("Grants", testRegionGrants)
	run("Logs", testRegionLogs)
	run("Events", testRegionEvents)
	run("Quota", testRegionQuota)
	run("Uninstall", testRegionUninstall)
	run("NotFound", testRegionNotFound)
	run("MaskedValues", testRegionMaskedValues)
	run("History", testRegionHistory)
	run("RevisionValues", testRegionRevisionValues)
	run("Rollback", testRegionRollback)
	run("DryRun", testRegionDryRun)
}

type regionKit struct {
	r       sdk.Region
	setup   RegionSetup
	ctx     context.Context
	project sdk.Project
	timeout time.Duration
	// streams counts the implementation's own Logs and Events calls in flight, when the kit
	// serves it: through the wire the client returns on cancellation whatever the plugin
	// does, so only this shows a plugin that keeps following after its caller left.
	streams *atomic.Int64
}

// watchedRegion counts the calls of Logs and Events in flight on the plugin's side.
type watchedRegion struct {
	sdk.Region
	streams *atomic.Int64
}

func (w watchedRegion) Logs(ctx context.Context, req sdk.LogsRequest, send func(sdk.LogLine) error) error {
	w.streams.Add(1)
	defer w.streams.Add(-1)
	return w.Region.Logs(ctx, req, send)
}

func (w watchedRegion) Events(ctx context.Context, req sdk.EventsRequest, send func(sdk.Event) error) error {
	w.streams.Add(1)
	defer w.streams.Add(-1)
	return w.Region.Events(ctx, req, send)
}

func newRegionKit(t *testing.T, setup RegionSetup) *regionKit {
	t.Helper()
	if setup.Region == nil || len(setup.Archive) == 0 {
		t.Fatal("plugintest: RegionSetup needs Region and Archive")
	}
	k := &regionKit{r: setup.Region, setup: setup, project: setup.Project, timeout: setup.ReadyTimeout}
	if !setup.Connected {
		k.streams = new(atomic.Int64)
		k.r = ConnectRegion(t, watchedRegion{Region: setup.Region, streams: k.streams})
	}
	if k.project.ID == "" {
		k.project = sdk.Project{ID: "user-" + setup.Caller.Username}
	}
	if k.timeout == 0 {
		k.timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(t.Context(), k.timeout+2*time.Minute)
	t.Cleanup(cancel)
	k.ctx = ctx
	if _, err := k.r.Onboard(k.ctx, sdk.OnboardRequest{Caller: setup.Caller, Project: k.project}); err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	return k
}

func (k *regionKit) ref(name string) sdk.ReleaseRef {
	return sdk.ReleaseRef{Caller: k.setup.Caller, Project: k.project, Name: name}
}

var kitMetadata = sdk.ReleaseMetadata{Catalog: "plugintest", Chart: "plugintest-chart", FriendlyName: "Kit service"}

func (k *regionKit) install(t *testing.T, name string, upgrade bool) (sdk.Release, error) {
	t.Helper()
	md := kitMetadata
	md.Owner = k.setup.Caller.Username
	resp, err := k.r.Install(k.ctx, sdk.InstallRequest{
		Caller: k.setup.Caller, Project: k.project, ReleaseName: name, Archive: bytes.NewReader(k.setup.Archive),
		Values: k.setup.Values, Metadata: md, Timeout: k.timeout, Upgrade: upgrade,
	})
	return resp.Release, err
}

// installed installs a fresh release and uninstalls it when the test ends.
func (k *regionKit) installed(t *testing.T) string {
	t.Helper()
	name := unique("kit-")
	if _, err := k.install(t, name, false); err != nil {
		t.Fatalf("Install %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = k.r.Uninstall(ctx, sdk.UninstallRequest{ReleaseRef: k.ref(name)})
	})
	return name
}

func (k *regionKit) get(t *testing.T, name string, values bool) sdk.GetReleaseResponse {
	t.Helper()
	resp, err := k.r.GetRelease(k.ctx, sdk.GetReleaseRequest{ReleaseRef: k.ref(name), IncludeValues: values})
	if err != nil {
		t.Fatalf("GetRelease %s: %v", name, err)
	}
	return resp
}

// waitFor polls the release until cond holds or the ready timeout passes.
func (k *regionKit) waitFor(t *testing.T, name, what string, cond func(sdk.Release) bool) sdk.Release {
	t.Helper()
	deadline := time.Now().Add(k.timeout)
	delay := 50 * time.Millisecond
	for {
		rel := k.get(t, name, false).Release
		if cond(rel) {
			return rel
		}
		if rel.Status == sdk.StatusFailed {
			t.Fatalf("release %s failed while waiting until %s: %s", name, what, rel.Reason)
		}
		if time.Now().After(deadline) {
			t.Fatalf("release %s not %s after %v: status %s, workloads %+v, simulated %v", name, what, k.timeout, rel.Status, rel.Workloads, rel.Simulated)
		}
		time.Sleep(delay)
		delay = min(2*delay, 2*time.Second)
	}
}

func testRegionOnboard(t *testing.T, k *regionKit) {
	first, err := k.r.Onboard(k.ctx, sdk.OnboardRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("Onboard: %v", err)
	}
	again, err := k.r.Onboard(k.ctx, sdk.OnboardRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("Onboard again: %v", err)
	}
	if first.Namespace == "" || again.Namespace != first.Namespace {
		t.Errorf("Onboard: namespace %q then %q, want the same non-empty one", first.Namespace, again.Namespace)
	}
	if first.Created || again.Created {
		t.Errorf("Onboard of an onboarded project says it created the namespace")
	}
}

// subsetOf reports whether every key of want is in got with an equal value, recursively.
func subsetOf(want, got any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return reflect.DeepEqual(want, got)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for key, wv := range wm {
		if gv, ok := gm[key]; !ok || !subsetOf(wv, gv) {
			return false
		}
	}
	return true
}

func testRegionInstall(t *testing.T, k *regionKit) {
	name := unique("kit-")
	rel, err := k.install(t, name, false)
	if err != nil {
		t.Fatalf("Install: %v", err)
	}
	t.Cleanup(func() {
		_, _ = k.r.Uninstall(context.Background(), sdk.UninstallRequest{ReleaseRef: k.ref(name)})
	})
	if rel.Name != name || rel.Revision < 1 {
		t.Errorf("Install: release %q revision %d, want %q revision ≥ 1", rel.Name, rel.Revision, name)
	}
	list, err := k.r.ListReleases(k.ctx, sdk.ListReleasesRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("ListReleases: %v", err)
	}
	if !slices.ContainsFunc(list.Releases, func(r sdk.Release) bool { return r.Name == name }) {
		t.Errorf("ListReleases: %s not listed", name)
	}

	got := k.get(t, name, true)
	want := kitMetadata
	want.Owner = k.setup.Caller.Username
	if !reflect.DeepEqual(got.Release.Metadata, want) {
		t.Errorf("GetRelease: metadata %+v, want %+v", got.Release.Metadata, want)
	}
	if got.Release.Chart == "" || got.Release.ChartVersion == "" || got.Release.Namespace == "" {
		t.Errorf("GetRelease: chart %q version %q namespace %q must be set", got.Release.Chart, got.Release.ChartVersion, got.Release.Namespace)
	}
	var gave, kept any
	if err := json.Unmarshal(k.setup.Values, &gave); err != nil {
		t.Fatalf("plugintest: RegionSetup.Values: %v", err)
	}
	if err := json.Unmarshal(got.Values, &kept); err != nil {
		t.Fatalf("GetRelease: values are not JSON: %v", err)
	}
	if !subsetOf(gave, kept) {
		t.Errorf("GetRelease: values %s do not hold the installed values %s", got.Values, k.setup.Values)
	}
	if noValues := k.get(t, name, false); len(noValues.Values) != 0 {
		t.Errorf("GetRelease without IncludeValues returned values")
	}

	_, err = k.install(t, name, false)
	wantKind(t, "Install of an existing release without Upgrade", err, sdk.ErrAlreadyExists)
	// An upgrade while the install still runs may be refused (ErrConflict): wait for its end.
	k.waitFor(t, name, "installed", func(r sdk.Release) bool { return r.Status != sdk.StatusPending })
	up, err := k.install(t, name, true)
	if err != nil {
		t.Fatalf("Install with Upgrade: %v", err)
	}
	if up.Revision <= rel.Revision {
		t.Errorf("Upgrade: revision %d, was %d", up.Revision, rel.Revision)
	}
}

func testRegionInstallInvalid(t *testing.T, k *regionKit) {
	_, err := k.r.Install(k.ctx, sdk.InstallRequest{
		Caller: k.setup.Caller, Project: k.project, ReleaseName: "Not_A_DNS_Label",
		Archive: bytes.NewReader(k.setup.Archive), Values: k.setup.Values,
	})
	wantKind(t, "Install with an invalid release name", err, sdk.ErrInvalidArgument)
	name := unique("kit-")
	_, err = k.r.Install(k.ctx, sdk.InstallRequest{
		Caller: k.setup.Caller, Project: k.project, ReleaseName: name,
		Archive: bytes.NewReader([]byte("this is not a chart archive")), Values: k.setup.Values,
	})
	wantKind(t, "Install of a corrupt archive", err, sdk.ErrInvalidArgument)
	_, err = k.r.GetRelease(k.ctx, sdk.GetReleaseRequest{ReleaseRef: k.ref(name)})
	wantKind(t, "GetRelease after a refused install", err, sdk.ErrNotFound)
}

func testRegionReady(t *testing.T, k *regionKit) {
	name := k.installed(t)
	rel := k.waitFor(t, name, "ready", sdk.Release.Ready)
	if rel.Status != sdk.StatusDeployed || len(rel.Workloads) == 0 {
		t.Errorf("ready release: status %s with %d workloads", rel.Status, len(rel.Workloads))
	}
	for _, w := range rel.Workloads {
		if w.Kind == "" || w.Name == "" || w.Desired < 1 {
			t.Errorf("ready release: workload %+v", w)
		}
	}
	if rel.Started.IsZero() || rel.Suspended {
		t.Errorf("ready release: started %v, suspended %v", rel.Started, rel.Suspended)
	}
}

func testRegionSimulated(t *testing.T, k *regionKit) {
	name := k.installed(t)
	where := "ready on real nodes"
	if k.setup.Simulated {
		where = "ready on simulated nodes"
	}
	k.waitFor(t, name, where, func(r sdk.Release) bool { return r.Ready() && r.Simulated == k.setup.Simulated })
	if _, err := k.r.Suspend(k.ctx, sdk.SuspendRequest{ReleaseRef: k.ref(name)}); err != nil {
		t.Fatalf("Suspend: %v", err)
	}
	k.waitFor(t, name, "suspended, not simulated", func(r sdk.Release) bool { return r.Suspended && !r.Simulated })
}

func testRegionSuspendResume(t *testing.T, k *regionKit) {
	name := k.installed(t)
	rel := k.waitFor(t, name, "ready", sdk.Release.Ready)
	if !rel.Suspendable {
		t.Fatalf("plugintest: the setup's chart must be suspendable (global.suspend)")
	}
	for range 2 { // suspending twice is not an error
		if _, err := k.r.Suspend(k.ctx, sdk.SuspendRequest{ReleaseRef: k.ref(name)}); err != nil {
			t.Fatalf("Suspend: %v", err)
		}
	}
	k.waitFor(t, name, "suspended", func(r sdk.Release) bool { return r.Suspended })
	if _, err := k.r.Resume(k.ctx, sdk.ResumeRequest{ReleaseRef: k.ref(name)}); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	k.waitFor(t, name, "resumed and ready", func(r sdk.Release) bool { return !r.Suspended && r.Ready() })
}

func testRegionUpdate(t *testing.T, k *regionKit) {
	name := k.installed(t)
	friendly, shared := "Renamed by the kit", true
	resp, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), FriendlyName: &friendly, Shared: &shared})
	if err != nil {
		t.Fatalf("UpdateRelease: %v", err)
	}
	if resp.Release.Metadata.FriendlyName != friendly || !resp.Release.Metadata.Shared {
		t.Errorf("UpdateRelease: metadata %+v", resp.Release.Metadata)
	}
	if md := k.get(t, name, false).Release.Metadata; md.FriendlyName != friendly || !md.Shared || md.Owner != k.setup.Caller.Username {
		t.Errorf("GetRelease after UpdateRelease: metadata %+v", md)
	}
	unshared := false
	if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), Shared: &unshared}); err != nil {
		t.Fatalf("UpdateRelease (unshare): %v", err)
	}
	if md := k.get(t, name, false).Release.Metadata; md.FriendlyName != friendly || md.Shared {
		t.Errorf("UpdateRelease of Shared alone: metadata %+v, want the name kept and not shared", md)
	}
}

// testRegionLifecycle checks that the lifecycle state is kept as given, that changes merge
// key by key (the engine and the owner write different keys), survive an upgrade, and that
// keys or values beyond the limits are refused.
func testRegionLifecycle(t *testing.T, k *regionKit) {
	name := k.installed(t)
	update := func(change map[string]string) error {
		_, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), Lifecycle: change})
		return err
	}
	if err := update(map[string]string{"lastActive": "2026-12-06T10:00:00Z", "notice": "suspend"}); err != nil {
		t.Fatalf("UpdateRelease (lifecycle): %v", err)
	}
	if err := update(map[string]string{"keepUntil": "2026-12-11T18:00:00Z", "notice": ""}); err != nil {
		t.Fatalf("UpdateRelease (lifecycle, second writer): %v", err)
	}
	want := map[string]string{"lastActive": "2026-12-06T10:00:00Z", "keepUntil": "2026-12-11T18:00:00Z"}
	if got := k.get(t, name, false).Release.Metadata.Lifecycle; !reflect.DeepEqual(got, want) {
		t.Errorf("lifecycle after two changes: %v, want %v (keys merged, the emptied one removed)", got, want)
	}
	friendly := "Renamed with its lifecycle"
	if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), FriendlyName: &friendly}); err != nil {
		t.Fatalf("UpdateRelease (rename): %v", err)
	}
	// A region may install in the background: the upgrade waits for the install to be done.
	k.waitFor(t, name, "deployed", func(r sdk.Release) bool { return r.Status == sdk.StatusDeployed })
	if _, err := k.install(t, name, true); err != nil {
		t.Fatalf("Install (upgrade): %v", err)
	}
	if got := k.get(t, name, false).Release.Metadata.Lifecycle; !reflect.DeepEqual(got, want) {
		t.Errorf("lifecycle after a rename and an upgrade: %v, want %v", got, want)
	}
	for _, bad := range []map[string]string{
		{"Not-a-key": "x"},
		{"lastActive": strings.Repeat("x", sdk.MaxLifecycleValue+1)},
	} {
		if err := update(bad); !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("UpdateRelease with lifecycle %.40v: %v, want ErrInvalidArgument", bad, err)
		}
	}
	many := map[string]string{}
	for i := range sdk.MaxLifecycleKeys {
		many[fmt.Sprintf("key%d", i)] = "x"
	}
	if err := update(many); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("UpdateRelease past %d lifecycle keys: %v, want ErrInvalidArgument", sdk.MaxLifecycleKeys, err)
	}
}

// testRegionFleet checks that the fleet lists a release with its owner, its project's group
// and its lifecycle state, and stops listing it once uninstalled.
func testRegionFleet(t *testing.T, k *regionKit) {
	name := k.installed(t)
	if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), Lifecycle: map[string]string{"keepUntil": "soon"}}); err != nil {
		t.Fatalf("UpdateRelease: %v", err)
	}
	find := func() (sdk.FleetRelease, bool) {
		t.Helper()
		resp, err := k.r.Fleet(k.ctx, sdk.FleetRequest{})
		if err != nil {
			t.Fatalf("Fleet: %v", err)
		}
		for _, f := range resp.Releases {
			if f.Release.Name == name && f.Release.Metadata.Owner == k.setup.Caller.Username && f.Group == k.project.Group {
				return f, true
			}
		}
		return sdk.FleetRelease{}, false
	}
	f, ok := find()
	if !ok {
		t.Fatalf("Fleet does not list %s of %s (group %q)", name, k.setup.Caller.Username, k.project.Group)
	}
	if f.Release.Metadata.Lifecycle["keepUntil"] != "soon" || f.Release.Namespace == "" {
		t.Errorf("Fleet: %s with lifecycle %v in namespace %q", name, f.Release.Metadata.Lifecycle, f.Release.Namespace)
	}
	if _, err := k.r.Uninstall(k.ctx, sdk.UninstallRequest{ReleaseRef: k.ref(name)}); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, ok := find(); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Fleet still lists %s 30 s after its uninstall", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// testRegionBackends checks that a release's backends are well formed (a Service, its port,
// endpoints as ip:port) and that a release that does not exist has none to give.
func testRegionBackends(t *testing.T, k *regionKit) {
	name := k.installed(t)
	resp, err := k.r.Backends(k.ctx, sdk.BackendsRequest{ReleaseRef: k.ref(name)})
	if err != nil {
		t.Fatalf("Backends: %v", err)
	}
	for _, b := range resp.Backends {
		if b.Service == "" || b.Port <= 0 || !strings.HasPrefix(b.Path, "/") {
			t.Errorf("Backends: %+v needs a Service, its port and a path", b)
		}
		for _, e := range b.Endpoints {
			if host, port, err := net.SplitHostPort(e); err != nil || net.ParseIP(host) == nil || port == "" {
				t.Errorf("Backends: endpoint %q is not ip:port", e)
			}
		}
	}
	if _, err := k.r.Backends(k.ctx, sdk.BackendsRequest{ReleaseRef: k.ref(unique("kit-missing-"))}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Backends of a release that does not exist: %v, want ErrNotFound", err)
	}
}

// testRegionGrants checks that grants of every kind (a link's too) are kept as given, replaced
// whole, left alone by other changes, emptied, and refused beyond the contract's rules.
func testRegionGrants(t *testing.T, k *regionKit) {
	name := k.installed(t)
	expires := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	grants := []sdk.Grant{
		{Kind: sdk.GrantUser, Name: "bob", By: k.setup.Caller.Username, Created: expires.Add(-time.Hour)},
		{Kind: sdk.GrantGroup, Name: "data-team", Expires: expires, By: k.setup.Caller.Username, Created: expires.Add(-time.Hour)},
		{Kind: sdk.GrantLink, Name: "kit-link_0123456789abcdefABCDEF", Expires: expires, By: k.setup.Caller.Username, Created: expires.Add(-time.Hour)},
	}
	if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), Grants: &grants}); err != nil {
		t.Fatalf("UpdateRelease (grants): %v", err)
	}
	friendly := "Renamed with its grants"
	if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), FriendlyName: &friendly,
		Lifecycle: map[string]string{"lastActive": "x"}}); err != nil {
		t.Fatalf("UpdateRelease (rename): %v", err)
	}
	got := k.get(t, name, false).Release.Metadata.Grants
	if len(got) != 3 || got[0].Kind != sdk.GrantUser || got[0].Name != "bob" || !got[0].Expires.IsZero() ||
		got[1].Name != "data-team" || !got[1].Expires.Equal(expires) || got[1].By != k.setup.Caller.Username || !got[1].Created.Equal(expires.Add(-time.Hour)) ||
		got[2].Kind != sdk.GrantLink || got[2].Name != grants[2].Name || !got[2].Expires.Equal(expires) {
		t.Fatalf("grants after a rename: %+v, want %+v", got, grants)
	}
	none := []sdk.Grant{}
	if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), Grants: &none}); err != nil {
		t.Fatalf("UpdateRelease (no grants): %v", err)
	}
	if got := k.get(t, name, false).Release.Metadata.Grants; len(got) != 0 {
		t.Errorf("grants after emptying them: %+v", got)
	}
	for _, bad := range [][]sdk.Grant{{{Kind: "everyone", Name: "x"}}, {{Kind: sdk.GrantUser}}, {{Kind: sdk.GrantLink, Name: "guessable"}}} {
		if _, err := k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: k.ref(name), Grants: &bad}); !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("UpdateRelease with grants %+v: %v, want ErrInvalidArgument", bad, err)
		}
	}
}

// testFollow checks that a call that follows a stream returns soon after its context is
// cancelled, and that a call that does not follow returns on its own.
func (k *regionKit) testFollow(t *testing.T, what string, call func(ctx context.Context, follow bool) (int, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := call(ctx, false); err != nil {
		t.Errorf("%s without follow: %v", what, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s without follow did not return within 30s", what)
	}

	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := call(ctx, true)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("%s with follow returned before being cancelled: %v", what, err)
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("%s with follow, cancelled: %v, want nil or context.Canceled", what, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s with follow did not return within 10s of its cancellation", what)
	}
	if k.streams == nil {
		return
	}
	for deadline := time.Now().Add(10 * time.Second); k.streams.Load() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s with follow: the plugin still follows 10s after its caller cancelled", what)
		}
	}
}

func testRegionLogs(t *testing.T, k *regionKit) {
	name := k.installed(t)
	k.waitFor(t, name, "ready", sdk.Release.Ready)
	const tail = 5
	k.testFollow(t, "Logs", func(ctx context.Context, follow bool) (int, error) {
		n := 0
		err := k.r.Logs(ctx, sdk.LogsRequest{ReleaseRef: k.ref(name), TailLines: tail, Follow: follow}, func(l sdk.LogLine) error {
			n++
			if l.Pod == "" {
				t.Errorf("Logs: line %q has no pod", l.Line)
			}
			return nil
		})
		// A ready service's containers have started, and what they printed is there to read.
		if !follow && (n == 0 || n > tail) && err == nil {
			t.Errorf("Logs with tail %d of a ready service: %d lines", tail, n)
		}
		return n, err
	})
	// A send that fails ends the call with its error.
	errStop := errors.New("plugintest: the reader went away")
	ctx, cancel := context.WithTimeout(k.ctx, 10*time.Second)
	defer cancel()
	sent := 0
	err := k.r.Logs(ctx, sdk.LogsRequest{ReleaseRef: k.ref(name), Follow: true}, func(sdk.LogLine) error { sent++; return errStop })
	switch {
	case sent > 1:
		t.Errorf("Logs went on sending after send failed (%d lines)", sent)
	case sent == 1 && !errors.Is(err, errStop):
		t.Errorf("Logs whose send fails: %v, want the send's error", err)
	}
}

func testRegionEvents(t *testing.T, k *regionKit) {
	name := k.installed(t)
	k.waitFor(t, name, "ready", sdk.Release.Ready)
	k.testFollow(t, "Events", func(ctx context.Context, follow bool) (int, error) {
		n := 0
		err := k.r.Events(ctx, sdk.EventsRequest{ReleaseRef: k.ref(name), Follow: follow}, func(e sdk.Event) error {
			n++
			if e.Object == "" || (e.Type != "Normal" && e.Type != "Warning") {
				t.Errorf("Events: event %+v lacks an object or a type", e)
			}
			return nil
		})
		return n, err
	})
}

func testRegionQuota(t *testing.T, k *regionKit) {
	resp, err := k.r.Quota(k.ctx, sdk.QuotaRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("Quota: %v", err)
	}
	for key := range resp.Used {
		if _, ok := resp.Hard[key]; !ok && len(resp.Hard) > 0 {
			t.Errorf("Quota: usage of %q, which has no limit", key)
		}
	}
}

func testRegionUninstall(t *testing.T, k *regionKit) {
	name := k.installed(t)
	if _, err := k.r.Uninstall(k.ctx, sdk.UninstallRequest{ReleaseRef: k.ref(name)}); err != nil {
		t.Fatalf("Uninstall: %v", err)
	}
	_, err := k.r.GetRelease(k.ctx, sdk.GetReleaseRequest{ReleaseRef: k.ref(name)})
	wantKind(t, "GetRelease after Uninstall", err, sdk.ErrNotFound)
	list, err := k.r.ListReleases(k.ctx, sdk.ListReleasesRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("ListReleases: %v", err)
	}
	if slices.ContainsFunc(list.Releases, func(r sdk.Release) bool { return r.Name == name }) {
		t.Errorf("ListReleases: %s still listed after Uninstall", name)
	}
	if _, err := k.r.Uninstall(k.ctx, sdk.UninstallRequest{ReleaseRef: k.ref(name)}); err != nil {
		t.Errorf("Uninstall again: %v, want nil (idempotent)", err)
	}
}

func testRegionNotFound(t *testing.T, k *regionKit) {
	ref := k.ref(unique("kit-missing-"))
	_, err := k.r.GetRelease(k.ctx, sdk.GetReleaseRequest{ReleaseRef: ref})
	wantKind(t, "GetRelease of an unknown release", err, sdk.ErrNotFound)
	_, err = k.r.Suspend(k.ctx, sdk.SuspendRequest{ReleaseRef: ref})
	wantKind(t, "Suspend of an unknown release", err, sdk.ErrNotFound)
	_, err = k.r.Resume(k.ctx, sdk.ResumeRequest{ReleaseRef: ref})
	wantKind(t, "Resume of an unknown release", err, sdk.ErrNotFound)
	name := "x"
	_, err = k.r.UpdateRelease(k.ctx, sdk.UpdateReleaseRequest{ReleaseRef: ref, FriendlyName: &name})
	wantKind(t, "UpdateRelease of an unknown release", err, sdk.ErrNotFound)
	err = k.r.Logs(k.ctx, sdk.LogsRequest{ReleaseRef: ref}, func(sdk.LogLine) error { return nil })
	wantKind(t, "Logs of an unknown release", err, sdk.ErrNotFound)
	err = k.r.Events(k.ctx, sdk.EventsRequest{ReleaseRef: ref}, func(sdk.Event) error { return nil })
	wantKind(t, "Events of an unknown release", err, sdk.ErrNotFound)
	_, err = k.r.History(k.ctx, sdk.HistoryRequest{ReleaseRef: ref})
	wantKind(t, "History of an unknown release", err, sdk.ErrNotFound)
	_, err = k.r.Rollback(k.ctx, sdk.RollbackRequest{ReleaseRef: ref})
	wantKind(t, "Rollback of an unknown release", err, sdk.ErrNotFound)
}
