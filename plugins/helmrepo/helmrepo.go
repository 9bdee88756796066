// Package helmrepo is Basalt's catalog plugin for Helm chart repositories: classic
// repositories (an index.yaml over HTTP(S) or in a local directory) and OCI registries. It
// owns reading them with every option of Onyxia's catalog configuration, refreshing them
// without downloading what has not changed, and keeping chart archives on disk by digest so
// that launches never wait on the internet.
package helmrepo

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

// Plugin serves every catalog its configuration lists.
type Plugin struct {
	log *slog.Logger

	mu       sync.RWMutex
	catalogs []*catalog // in configuration order
	byID     map[string]*catalog
	store    *archiveStore
	stop     context.CancelFunc // ends the refresh loop of the current configuration
	done     chan struct{}
}

// New returns an unconfigured plugin that logs to log.
func New(log *slog.Logger) *Plugin {
	return &Plugin{log: log, byID: map[string]*catalog{}}
}

func (p *Plugin) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindCatalog, Name: "helmrepo", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

func (p *Plugin) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: configSchema}, nil
}

// Configure replaces the catalogs, loads what the previous run left in the cache, refreshes
// every catalog before returning, then keeps refreshing them on the configured interval.
func (p *Plugin) Configure(ctx context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	s, err := parseConfig(req.Config)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	store, err := newArchiveStore(filepath.Join(s.cacheDir, "archives", "sha256"))
	if err != nil {
		return sdk.ConfigureResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "cacheDir: %v", err)
	}
	icons, err := newIconStore(filepath.Join(s.cacheDir, "icons", "sha256"))
	if err != nil {
		return sdk.ConfigureResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "cacheDir: %v", err)
	}
	catalogs := make([]*catalog, 0, len(s.catalogs))
	byID := make(map[string]*catalog, len(s.catalogs))
	for _, o := range s.catalogs {
		c, err := newCatalog(o, s.cacheDir, store, icons, p.log)
		if err != nil {
			return sdk.ConfigureResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "%v", err)
		}
		c.restore()
		catalogs = append(catalogs, c)
		byID[o.info.ID] = c
	}

	p.Close()
	p.mu.Lock()
	p.catalogs, p.byID, p.store = catalogs, byID, store
	p.mu.Unlock()

	p.refresh(ctx, catalogs)
	if s.refreshInterval > 0 {
		loopCtx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		p.mu.Lock()
		p.stop, p.done = stop, done
		p.mu.Unlock()
		go p.refreshLoop(loopCtx, s.refreshInterval, catalogs, done)
	}
	return sdk.ConfigureResponse{}, nil
}

// Close stops the periodic refresh. The plugin keeps answering from its last state.
func (p *Plugin) Close() error {
	p.mu.Lock()
	stop, done := p.stop, p.done
	p.stop, p.done = nil, nil
	p.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	return nil
}

func (p *Plugin) refreshLoop(ctx context.Context, every time.Duration, catalogs []*catalog, done chan struct{}) {
	defer close(done)
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			p.refresh(ctx, catalogs)
		}
	}
}

// refresh refreshes catalogs side by side, so that a slow source delays no other, then
// forgets parsed archives no catalog lists any more.
func (p *Plugin) refresh(ctx context.Context, catalogs []*catalog) {
	var wg sync.WaitGroup
	for _, c := range catalogs {
		wg.Go(func() { c.refresh(ctx) })
	}
	wg.Wait()

	p.mu.RLock()
	all, store := p.catalogs, p.store
	p.mu.RUnlock()
	keep := map[string]bool{}
	for _, c := range all {
		if l := c.state.Load().listing; l != nil {
			for _, e := range l.charts {
				for _, v := range e.versions {
					keep[v.digest] = true
				}
			}
		}
	}
	store.retain(keep)
}

func (p *Plugin) ListCatalogs(context.Context, sdk.ListCatalogsRequest) (sdk.ListCatalogsResponse, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	resp := sdk.ListCatalogsResponse{Catalogs: make([]sdk.CatalogInfo, 0, len(p.catalogs))}
	for _, c := range p.catalogs {
		resp.Catalogs = append(resp.Catalogs, c.info())
	}
	return resp, nil
}

func (p *Plugin) ListCharts(_ context.Context, req sdk.ListChartsRequest) (sdk.ListChartsResponse, error) {
	c, err := p.catalog(req.CatalogID)
	if err != nil {
		return sdk.ListChartsResponse{}, err
	}
	st := c.state.Load()
	l := st.listing
	if l == nil {
		return sdk.ListChartsResponse{Charts: []sdk.ChartSummary{}}, nil
	}
	resp := sdk.ListChartsResponse{Charts: make([]sdk.ChartSummary, len(l.charts))}
	for i, e := range l.charts {
		resp.Charts[i] = st.summary(e)
	}
	if req.WithSkipped {
		resp.Skipped = slices.Clone(l.skipped)
	}
	return resp, nil
}

func (p *Plugin) GetChart(_ context.Context, req sdk.GetChartRequest) (sdk.GetChartResponse, error) {
	c, st, e, v, err := p.resolve(req.Chart)
	if err != nil {
		return sdk.GetChartResponse{}, err
	}
	files, err := c.store.load(v.digest)
	if err != nil {
		return sdk.GetChartResponse{}, sdk.Errorf(sdk.ErrUnavailable, "chart %s %s of catalog %s: %v", e.name, v.cv.Version, c.opts.info.ID, err)
	}
	return sdk.GetChartResponse{
		Chart:        sdk.ChartRef{CatalogID: req.Chart.CatalogID, Chart: e.name, Version: v.cv.Version},
		Summary:      st.summary(e),
		ChartYAML:    files.chartYAML,
		ValuesYAML:   files.valuesYAML,
		ValuesSchema: files.valuesSchema,
		Readme:       files.readme,
		Dependencies: files.dependencies,
		Digest:       v.digest,
	}, nil
}

func (p *Plugin) GetArchive(_ context.Context, req sdk.GetArchiveRequest) (sdk.GetArchiveResponse, error) {
	c, _, e, v, err := p.resolve(req.Chart)
	if err != nil {
		return sdk.GetArchiveResponse{}, err
	}
	f, size, err := c.store.open(v.digest)
	if err != nil {
		return sdk.GetArchiveResponse{}, sdk.Errorf(sdk.ErrUnavailable, "archive of %s %s of catalog %s: %v", e.name, v.cv.Version, c.opts.info.ID, err)
	}
	return sdk.GetArchiveResponse{
		Chart:  sdk.ChartRef{CatalogID: req.Chart.CatalogID, Chart: e.name, Version: v.cv.Version},
		Digest: v.digest,
		Size:   size,
		Body:   f,
	}, nil
}

func (p *Plugin) Refresh(ctx context.Context, req sdk.RefreshCatalogsRequest) (sdk.RefreshCatalogsResponse, error) {
	p.mu.RLock()
	targets := p.catalogs
	p.mu.RUnlock()
	if req.CatalogID != "" {
		c, err := p.catalog(req.CatalogID)
		if err != nil {
			return sdk.RefreshCatalogsResponse{}, err
		}
		targets = []*catalog{c}
	}
	p.refresh(ctx, targets)
	resp := sdk.RefreshCatalogsResponse{Catalogs: make([]sdk.CatalogInfo, 0, len(targets))}
	for _, c := range targets {
		resp.Catalogs = append(resp.Catalogs, c.info())
	}
	return resp, nil
}

func (p *Plugin) catalog(id string) (*catalog, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	c, ok := p.byID[id]
	if !ok {
		return nil, sdk.Errorf(sdk.ErrNotFound, "no catalog %q", id)
	}
	return c, nil
}

func (p *Plugin) GetIcon(_ context.Context, req sdk.GetIconRequest) (sdk.GetIconResponse, error) {
	c, st, e, _, err := p.resolve(sdk.ChartRef{CatalogID: req.CatalogID, Chart: req.Chart})
	if err != nil {
		return sdk.GetIconResponse{}, err
	}
	got, ok := st.iconOf(e.name)
	if !ok {
		return sdk.GetIconResponse{}, sdk.Errorf(sdk.ErrNotFound, "chart %s of catalog %s has no icon", e.name, req.CatalogID)
	}
	data, err := c.icons.read(got.Digest)
	if err != nil {
		return sdk.GetIconResponse{}, sdk.Errorf(sdk.ErrNotFound, "the icon of chart %s of catalog %s: %v", e.name, req.CatalogID, err)
	}
	return sdk.GetIconResponse{Digest: got.Digest, ContentType: got.Type, Data: data}, nil
}

// resolve finds a listed chart version in the catalog's current state; an empty version is
// the newest stable one.
func (p *Plugin) resolve(ref sdk.ChartRef) (*catalog, *catalogState, *chartEntry, *versionEntry, error) {
	c, err := p.catalog(ref.CatalogID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	st := c.state.Load()
	e, ok := st.listing.chart(ref.Chart)
	if !ok {
		if st.listing == nil && st.err != "" {
			return nil, nil, nil, nil, sdk.Errorf(sdk.ErrUnavailable, "catalog %s is failing: %s", ref.CatalogID, st.err)
		}
		return nil, nil, nil, nil, sdk.Errorf(sdk.ErrNotFound, "no chart %q in catalog %s", ref.Chart, ref.CatalogID)
	}
	v := e.version(ref.Version)
	if v == nil {
		return nil, nil, nil, nil, sdk.Errorf(sdk.ErrNotFound, "chart %s of catalog %s has no version %q", ref.Chart, ref.CatalogID, ref.Version)
	}
	return c, st, e, v, nil
}

var _ sdk.Catalog = (*Plugin)(nil)
