package kubernetes

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/basalt-dev/basalt/sdk"
)

// Install records the release and returns: Helm's install or upgrade goes on in the
// background, bounded by the request's timeout (else the region's), and its outcome shows in
// the release's status. Failures before anything is recorded (a chart that does not render
// with these values, a name in use) are the call's error.
func (p *Plugin) Install(ctx context.Context, req sdk.InstallRequest) (sdk.InstallResponse, error) {
	s, c, err := p.configured()
	if err != nil {
		return sdk.InstallResponse{}, err
	}
	if !releaseName.MatchString(req.ReleaseName) {
		return sdk.InstallResponse{}, sdk.InvalidFields("invalid release", sdk.FieldViolation{Field: "releaseName", Rule: "must be a DNS label of at most 53 characters"})
	}
	values := map[string]any{}
	if len(bytes.TrimSpace(req.Values)) > 0 {
		if err := json.Unmarshal(req.Values, &values); err != nil || values == nil {
			return sdk.InstallResponse{}, sdk.InvalidFields("invalid values", sdk.FieldViolation{Field: "values", Rule: "must be a JSON object"})
		}
	}
	if req.Archive == nil {
		return sdk.InstallResponse{}, sdk.InvalidFields("invalid chart", sdk.FieldViolation{Field: "archive", Rule: "missing"})
	}
	if err := sdk.CheckLifecycle(nil, req.Metadata.Lifecycle); err != nil {
		return sdk.InstallResponse{}, err
	}
	data, digest, err := readArchive(req.Archive)
	if err != nil {
		return sdk.InstallResponse{}, err
	}
	ch, err := loadedCharts.load(digest, data)
	if err != nil {
		return sdk.InstallResponse{}, sdk.InvalidFields("invalid chart", sdk.FieldViolation{Field: "archive", Rule: "not a chart archive: " + err.Error()})
	}
	ns, err := s.namespaceOf(req.Caller, req.Project)
	if err != nil {
		return sdk.InstallResponse{}, err
	}
	cfg, err := c.actions(ctx, ns, req.Caller)
	if err != nil {
		return sdk.InstallResponse{}, err
	}
	cfg = c.forOneInstall(cfg, ns)
	// The values are checked against the chart's schemas, and the chart rendered, while the
	// release's records are read.
	early := p.beforeHelm(cfg, helmRun{ns: ns, name: req.ReleaseName, digest: digest, archive: data, values: values}, !req.DryRun)
	renderedFor := cfg
	// The render's lookups are read while the release's records are: the launch waits for
	// one answer instead of two in a row. A launch refused below wasted one list. The chart
	// is looked at here, before Helm changes it (ProcessDependencies).
	if callsLookup(ch) {
		p.work.Go(func() { c.readLookupsAhead(ctx, cfg, ns) })
	}
	unlock := p.locks.lock(ns, req.ReleaseName)
	defer unlock()

	last, err := cfg.Releases.Last(req.ReleaseName)
	if refused(err) && identityKey(c.releaseIdentity(ns, req.Caller)) != identityKey(c.identity(req.Caller)) {
		// The release identity lost its rights behind the plugin's back (Last forgot it
		// was set up): set it up again and ask once more.
		if cfg, err = c.actions(ctx, ns, req.Caller); err != nil {
			return sdk.InstallResponse{}, err
		}
		cfg = c.forOneInstall(cfg, ns)
		last, err = cfg.Releases.Last(req.ReleaseName)
	}
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound):
		last = nil
	case err != nil:
		return sdk.InstallResponse{}, kubeError("reading release "+req.ReleaseName, err)
	case !req.Upgrade:
		return sdk.InstallResponse{}, sdk.Errorf(sdk.ErrAlreadyExists, "release %q already exists in project %q", req.ReleaseName, req.Project.ID)
	case last.Info.Status.IsPending():
		return sdk.InstallResponse{}, sdk.Errorf(sdk.ErrConflict, "release %q is being changed (%s)", req.ReleaseName, last.Info.Status)
	}
	if last != nil {
		if err := c.mayReplace(ctx, ns, req); err != nil {
			return sdk.InstallResponse{}, err
		}
	}
	// An upgrade leaves the check to Helm, which may give it other values (the last ones).
	v := early.values()
	if last == nil && v.err != nil {
		return sdk.InstallResponse{}, installError(req.ReleaseName, v.err)
	}
	valuesChecked := last == nil && v.checked
	if req.DryRun {
		return p.dryRun(ctx, cfg, s, ns, req, ch, values, last != nil, valuesChecked)
	}
	revision := 1
	if last != nil {
		revision = last.Version + 1
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = s.timeout
	}
	sp := c.spaces.get(ns)
	recorded, stopWaiting := sp.expect(req.ReleaseName, revision)
	defer stopWaiting()

	// The secret data is what the last install said: an upgrade rewrites it, or deletes it
	// once recorded when it gives none.
	envOwned := false
	if len(req.SecretData) > 0 {
		if envOwned, err = c.writeEnvSecret(ctx, ns, req.ReleaseName, req.SecretData); err != nil {
			return sdk.InstallResponse{}, err
		}
	}
	run := p.inFlight.start(p.base, ns, req.ReleaseName, timeout)
	finished := make(chan error, 1)
	helmCtx, endHelm := traceHelm(run.ctx, ctx, last != nil, ns, req.ReleaseName, ch)
	p.work.Add(1)
	go func() {
		defer p.work.Done()
		defer run.finish()
		began := time.Now()
		run := helmRun{ns: ns, name: req.ReleaseName, chart: ch, digest: digest, archive: data, values: values, timeout: timeout,
			upgrade: last != nil, validateManifests: s.ValidateManifests, valuesChecked: valuesChecked, bet: true}
		if last == nil && cfg == renderedFor {
			run.early = early
		}
		rel, err := p.runInstall(helmCtx, cfg, run)
		if errors.Is(err, errBetLost) {
			// Something of the manifest exists: Helm's own checks say what, and adopt what
			// is the release's. The chart is loaded again, as Helm changed the first.
			p.log.Info("objects of the manifest exist already: installing with Helm's checks", "namespace", ns, "release", req.ReleaseName, "found", err)
			// A twin launch through another instance, whose record was refused, takes back
			// what it created meanwhile: Helm's checks must not find its objects and adopt
			// them.
			select {
			case <-time.After(twinTakeBack):
			case <-helmCtx.Done():
			}
			if run.chart, err = loadedCharts.load(digest, data); err == nil {
				run.bet, run.early = false, nil
				rel, err = p.runInstall(helmCtx, cfg, run)
			}
		}
		endHelm(err)
		finished <- err
		attrs := []any{"namespace", ns, "release", req.ReleaseName, "revision", revision, "user", req.Caller.Username, "took", time.Since(began)}
		switch {
		case errors.Is(err, context.Canceled): // uninstalled meanwhile, or the plugin stops
			p.log.Info("install stopped", attrs...)
		case err != nil:
			p.log.Warn("install failed", append(attrs, "error", err)...)
		default:
			p.log.Info("installed", append(attrs, "status", rel.Info.Status.String())...)
		}
	}()

	var rec *corev1.Secret
	select {
	case rec = <-recorded:
	case err := <-finished:
		select {
		case rec = <-recorded: // recorded, then failed: the release says why
		default:
			if err == nil {
				err = errors.New("helm returned without recording the release")
			}
			if len(req.SecretData) > 0 && last == nil {
				if derr := c.deleteEnvSecret(context.WithoutCancel(ctx), ns, req.ReleaseName); derr != nil {
					p.log.Warn("removing the secret data of a release that was not installed", "namespace", ns, "release", req.ReleaseName, "error", derr)
				}
			}
			return sdk.InstallResponse{}, installError(req.ReleaseName, err)
		}
	case <-ctx.Done():
		run.cancel()
		return sdk.InstallResponse{}, ctx.Err()
	}

	switch {
	case len(req.SecretData) > 0 && !envOwned:
		if err := c.ownEnvSecret(context.WithoutCancel(ctx), ns, req.ReleaseName, rec); err != nil {
			return sdk.InstallResponse{}, err
		}
	case len(req.SecretData) == 0 && last != nil:
		if err := c.deleteEnvSecret(context.WithoutCancel(ctx), ns, req.ReleaseName); err != nil {
			return sdk.InstallResponse{}, err
		}
	}
	md, err := c.writeMetadata(context.WithoutCancel(ctx), sp, req.Project, req.ReleaseName, rec, req.Metadata, digest)
	if err != nil {
		return sdk.InstallResponse{}, err
	}
	c.archives.put(digest, data)
	// The archive is written once Helm is done: until then the API server has the launch's
	// own writes to make, and pausing finds the archive in memory.
	p.work.Go(func() {
		<-run.done
		p.keepArchive(c, ns, req.ReleaseName, digest, data, rec)
	})
	d, err := c.written.readSecret(rec, s.urlKinds())
	if err != nil {
		return sdk.InstallResponse{}, kubeError("reading release "+req.ReleaseName, err)
	}
	return sdk.InstallResponse{Release: (*informersOf)(nil).view(ns, d, md)}, nil
}

// archiveTries is how many times a release's chart archive is written before giving up, the
// first try again after a second, the next after two: without its archive a release pauses
// from Helm's copy of its chart, which has no subcharts, once the plugin forgot it.
const archiveTries = 3

// keepArchive keeps a release's chart archive in its namespace (cluster.keepArchive), trying
// again after a failure: writing it again is harmless, as an archive already there is owned
// instead.
func (p *Plugin) keepArchive(c *cluster, ns, name, digest string, data []byte, rec *corev1.Secret) {
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(p.base, 30*time.Second)
		err := c.keepArchive(ctx, ns, digest, data, rec)
		cancel()
		if err == nil {
			return
		}
		p.log.Warn("keeping the chart archive", "namespace", ns, "release", name, "try", try, "error", err)
		if try == archiveTries {
			return
		}
		select {
		case <-time.After(time.Duration(try) * time.Second):
		case <-p.base.Done():
			return
		}
	}
}

// twinTakeBack is how long an install whose bet was lost waits before Helm's checks, so that
// a twin launch taking back its objects is done.
const twinTakeBack = time.Second

// helmRun is one run of Helm's install or upgrade.
type helmRun struct {
	ns, name          string
	chart             *chart.Chart
	digest            string // of the archive the chart was loaded from
	archive           []byte
	values            map[string]any
	timeout           time.Duration
	upgrade           bool
	validateManifests bool // against the cluster's OpenAPI schemas
	// valuesChecked: the values met the chart's schemas (checkValues), which Helm need not
	// check again.
	valuesChecked bool
	// bet: an install may bet that its objects do not exist yet (bettingOnAbsence).
	bet bool
	// early is the chart rendered while the release's records were read, if it was.
	early *early
}

// runInstall runs Helm's install, or upgrade; an install that bets that its objects do not
// exist yet and loses leaves nothing of it (errBetLost).
func (p *Plugin) runInstall(ctx context.Context, cfg *action.Configuration, r helmRun) (*release.Release, error) {
	if r.upgrade {
		up := action.NewUpgrade(cfg)
		up.Namespace, up.Timeout, up.MaxHistory = r.ns, r.timeout, cfg.Releases.MaxHistory
		up.DisableOpenAPIValidation = !r.validateManifests
		return up.RunWithContext(ctx, r.name, r.chart, r.values)
	}
	if r.bet {
		cfg = bettingOnAbsence(cfg)
	}
	pre, err := r.prerendered(cfg)
	switch {
	case err == nil:
		if own, ok := withPrerendered(cfg, pre); ok {
			cfg, r.chart = own, pre.flat
			prerenderedInstalls.Add(1)
		}
	case r.early == nil:
		// Helm installs the chart as loaded, which prerender may have changed.
		if fresh, lerr := loadedCharts.load(r.digest, r.archive); lerr == nil {
			r.chart = fresh
		}
	}
	if err != nil && !errors.Is(err, errNotPrerendered) {
		p.log.Debug("the chart is rendered by Helm", "namespace", r.ns, "release", r.name, "error", err)
	}
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace, in.Timeout = r.name, r.ns, r.timeout
	in.DisableOpenAPIValidation = !r.validateManifests
	in.SkipSchemaValidation = r.valuesChecked
	return in.RunWithContext(ctx, r.chart, r.values)
}

// installError gives an install that failed before being recorded its kind: the API server's
// answer, an unreachable cluster, or else a chart that does not render with these values.
func installError(name string, err error) error {
	var status apierrors.APIStatus
	var netErr net.Error
	switch {
	case errors.As(err, &status):
		return kubeError("installing "+name, err)
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return unavailable("installing "+name, err)
	case errors.Is(err, context.Canceled):
		return err
	case helmNameTaken(err):
		return sdk.Errorf(sdk.ErrAlreadyExists, "release %q already exists: %v", name, err)
	}
	return sdk.InvalidFields("the chart cannot be installed with these values", sdk.FieldViolation{Field: "values", Rule: err.Error()})
}

// helmNameTaken says Helm refused an install because another, launched at the same moment
// through another instance, took the name or created the objects first (Helm says so in
// words but for its record).
func helmNameTaken(err error) bool {
	if errors.Is(err, driver.ErrReleaseExists) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "cannot re-use a name that is still in use") ||
		strings.Contains(msg, "rendered manifests contain a resource that already exists")
}

// inFlight tracks the installs running on after Install returned, so that uninstalling a
// release first stops its install.
type inFlight struct {
	mu sync.Mutex
	m  map[string]*running
}

type running struct {
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	key    string
	owner  *inFlight
}

func (f *inFlight) start(base context.Context, ns, name string, timeout time.Duration) *running {
	ctx, cancel := context.WithTimeout(base, timeout)
	r := &running{ctx: ctx, cancel: cancel, done: make(chan struct{}), key: ns + "/" + name, owner: f}
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*running{}
	}
	f.m[r.key] = r
	f.mu.Unlock()
	return r
}

func (r *running) finish() {
	r.cancel()
	close(r.done)
	r.owner.mu.Lock()
	if r.owner.m[r.key] == r {
		delete(r.owner.m, r.key)
	}
	r.owner.mu.Unlock()
}

// stop ends the install of a release, if one runs: it waits a while for it to finish, then
// cancels it. Cancelling is the last resort: Helm 3.22's install goes on writing the release
// it returned when its context ends (performInstallCtx), a data race in Helm itself.
func (f *inFlight) stop(ns, name string) {
	f.mu.Lock()
	r := f.m[ns+"/"+name]
	f.mu.Unlock()
	if r == nil {
		return
	}
	select {
	case <-r.done:
		return
	case <-time.After(10 * time.Second):
	}
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
	}
}
