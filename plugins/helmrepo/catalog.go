package helmrepo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"helm.sh/helm/v3/pkg/repo"

	"github.com/basalt-dev/basalt/sdk"
)

// catalog is one configured catalog: its source and the last good state read from it.
type catalog struct {
	opts  catalogOptions
	src   source
	dir   string // the catalog's own cache: its last good index.yaml and state.json
	store *archiveStore
	icons *iconStore
	log   *slog.Logger

	refreshing   sync.Mutex           // one refresh of a catalog at a time
	iconFailures map[string]time.Time // when each icon address last failed; under refreshing
	state        atomic.Pointer[catalogState]
}

// catalogState is what readers see; a refresh replaces it whole, never changes it.
type catalogState struct {
	listing     *listing // nil until a first good load
	lastRefresh time.Time
	err         string
	icons       map[string]icon // by chart name
	persisted
}

// persisted is the part of a catalog's state kept in state.json, so that a restart asks the
// source only for what changed.
type persisted struct {
	Validators validators        `json:"validators"`
	URLDigests map[string]string `json:"urlDigests,omitempty"` // archives the index gives no digest for
	Icons      map[string]icon   `json:"icons,omitempty"`      // by the address charts name them with
	Refreshed  time.Time         `json:"refreshed"`
}

func newCatalog(o catalogOptions, cacheDir string, store *archiveStore, icons *iconStore, log *slog.Logger) (*catalog, error) {
	c := &catalog{
		opts: o, dir: filepath.Join(cacheDir, "catalogs", o.info.ID), store: store, icons: icons,
		iconFailures: map[string]time.Time{}, log: log.With("catalog", o.info.ID),
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, err
	}
	var err error
	switch o.source {
	case sourceHTTP:
		c.src, err = newHTTPSource(o)
	case sourceDir:
		var remote *httpSource
		remote, err = newHTTPSource(catalogOptions{location: "http://", caFile: o.caFile, insecure: o.insecure})
		c.src = &dirSource{dir: o.location, remote: remote}
	case sourceOCI:
		c.src, err = newOCISource(o, c.dir, store)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", o.info.ID, err)
	}
	c.state.Store(&catalogState{})
	return c, nil
}

func (c *catalog) indexPath() string { return filepath.Join(c.dir, "index.yaml") }
func (c *catalog) statePath() string { return filepath.Join(c.dir, "state.json") }

// restore loads the state a previous run left on disk, without asking the source anything:
// the catalog then lists what it listed before even if its source is down at start.
func (c *catalog) restore() {
	data, err := os.ReadFile(c.statePath())
	if err != nil {
		return
	}
	var p persisted
	if json.Unmarshal(data, &p) != nil {
		return
	}
	idx, invalid, err := loadIndexFile(c.indexPath())
	if err != nil {
		return
	}
	l := c.listing(idx, invalid)
	c.loadArchives(context.Background(), l, nil, &p, false)
	st := &catalogState{listing: l, lastRefresh: p.Refreshed, persisted: p}
	c.loadIcons(context.Background(), st, false)
	c.state.Store(st)
}

// refresh asks the source for what changed and installs the new state. A failure keeps the
// last good listing and records why.
func (c *catalog) refresh(ctx context.Context) {
	c.refreshing.Lock()
	defer c.refreshing.Unlock()
	prev := c.state.Load()
	next, err := c.load(ctx, prev)
	if err != nil {
		c.log.Warn("refresh failed; keeping the last good state", "error", err)
		failed := *prev
		failed.err = err.Error()
		c.state.Store(&failed)
		return
	}
	c.state.Store(next)
	if data, err := json.Marshal(next.persisted); err == nil {
		if err := writeFile(c.statePath(), bytes.NewReader(data)); err != nil {
			c.log.Warn("cannot save the catalog's state", "error", err)
		}
	}
}

func (c *catalog) load(ctx context.Context, prev *catalogState) (*catalogState, error) {
	now := time.Now()
	next := &catalogState{listing: prev.listing, lastRefresh: now, persisted: prev.persisted}
	next.Refreshed = now
	staging := c.indexPath() + ".next"
	v, changed, err := c.src.fetchIndex(ctx, prev.Validators, staging)
	if err != nil {
		return nil, fmt.Errorf("fetching the index: %w", err)
	}
	path := c.indexPath()
	if changed {
		path = staging
		defer os.Remove(staging)
	} else if prev.listing != nil && !prev.listing.failing() {
		// Unchanged, and every chart is fine: only icons that failed may be asked for again.
		c.loadIcons(ctx, next, true)
		return next, nil
	}
	idx, invalid, err := loadIndexFile(path)
	if err != nil && !changed {
		// The source says nothing changed but the copy on disk is gone: ask for it all.
		v, _, err = c.src.fetchIndex(ctx, validators{}, staging)
		if err != nil {
			return nil, fmt.Errorf("fetching the index: %w", err)
		}
		defer os.Remove(staging)
		path, changed = staging, true
		idx, invalid, err = loadIndexFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("malformed index: %v", trimPath(err, path))
	}
	l := c.listing(idx, invalid)
	c.loadArchives(ctx, l, prev.listing, &next.persisted, true)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if changed {
		if err := os.Rename(staging, c.indexPath()); err != nil {
			return nil, err
		}
	}
	next.listing = l
	next.Validators = v
	c.loadIcons(ctx, next, true)
	return next, nil
}

// listing applies the catalog's filter to an index whose invalid entries were left out.
func (c *catalog) listing(idx *repo.IndexFile, invalid []sdk.SkippedChart) *listing {
	l := newListing(c.opts.filter, idx)
	if len(invalid) > 0 {
		l.skipped = append(l.skipped, invalid...)
		slices.SortStableFunc(l.skipped, compareSkipped)
	}
	return l
}

// loadArchives makes sure every listed version's archive is cached and readable, downloading
// it when download is set. A chart with a failing version keeps its previous entry when it had
// a good one, and otherwise lists only its good versions; either way it says why.
func (c *catalog) loadArchives(ctx context.Context, l *listing, prev *listing, p *persisted, download bool) {
	urlDigests := map[string]string{}
	for i, e := range l.charts {
		var good []*versionEntry
		var problems []string
		var broken []sdk.SkippedChart
		for _, v := range e.versions {
			if err := c.loadArchive(ctx, e.name, v, p.URLDigests, download); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", v.cv.Version, err))
				broken = append(broken, sdk.SkippedChart{Chart: e.name, Version: v.cv.Version, Reason: err.Error(), Broken: true})
				continue
			}
			if v.cv.Digest == "" && len(v.cv.URLs) > 0 {
				urlDigests[v.cv.URLs[0]] = v.digest
			}
			good = append(good, v)
		}
		if len(problems) == 0 {
			continue
		}
		reason := strings.Join(problems, "; ")
		c.log.Warn("chart failing", "chart", e.name, "reason", reason)
		if old, ok := prev.chart(e.name); ok && old.err == "" {
			kept := *old
			kept.err = reason
			l.charts[i], l.byName[e.name] = &kept, &kept
			continue
		}
		e.versions, e.err = good, reason
		l.skipped = append(l.skipped, broken...)
	}
	slices.SortStableFunc(l.skipped, compareSkipped)
	p.URLDigests = urlDigests
}

func (c *catalog) loadArchive(ctx context.Context, chart string, v *versionEntry, urlDigests map[string]string, download bool) error {
	if v.digest == "" && len(v.cv.URLs) > 0 {
		v.digest = urlDigests[v.cv.URLs[0]]
	}
	var files *chartFiles
	var err error
	if v.digest != "" {
		files, err = c.store.load(v.digest)
	} else {
		err = errNotCached
	}
	if errors.Is(err, errNotCached) && download {
		files, err = c.download(ctx, v)
	}
	if err != nil {
		return err
	}
	if m := files.metadata; m.Name != chart || m.Version != v.cv.Version {
		return fmt.Errorf("the archive holds %s %s", m.Name, m.Version)
	}
	if files.metadata.Type == "library" {
		return errors.New("a library chart")
	}
	return nil
}

func (c *catalog) download(ctx context.Context, v *versionEntry) (*chartFiles, error) {
	body, err := c.src.openArchive(ctx, v.cv)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	want := v.cv.Digest
	digest, files, err := c.store.put(body, strings.ToLower(want))
	if err != nil {
		return nil, err
	}
	v.digest = digest
	return files, nil
}

// failing reports whether a chart of the listing could not load every version.
func (l *listing) failing() bool {
	for _, e := range l.charts {
		if e.err != "" {
			return true
		}
	}
	return false
}

func (l *listing) chart(name string) (*chartEntry, bool) {
	if l == nil {
		return nil, false
	}
	e, ok := l.byName[name]
	return e, ok
}

// info is the catalog as ListCatalogs returns it.
func (c *catalog) info() sdk.CatalogInfo {
	st := c.state.Load()
	info := c.opts.info
	info.LastRefresh = st.lastRefresh
	info.Error = st.err
	if st.listing != nil {
		info.ChartCount = len(st.listing.charts)
	}
	return info
}

// trimPath removes the cache's file name from helm's loader errors, which a reader of the
// catalog's error does not care about.
func trimPath(err error, path string) string {
	return strings.ReplaceAll(err.Error(), "error loading "+path+": ", "")
}
