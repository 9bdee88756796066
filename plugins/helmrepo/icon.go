package helmrepo

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/charticon"
)

const (
	// iconTimeout bounds the fetch of one icon: an icon host that does not answer must not
	// hold a refresh for long.
	iconTimeout = 15 * time.Second
	// iconRetry is how long a failed icon waits before a refresh asks for it again.
	iconRetry = time.Hour
	// iconFetches is how many icons one catalog fetches at once.
	iconFetches = 4
)

// icon is a chart's icon as the plugin keeps it: its bytes on disk under their digest.
type icon struct {
	Digest string `json:"digest"`
	Type   string `json:"type"`
}

// iconStore keeps icons on disk named by the sha256 of their bytes.
type iconStore struct{ dir string }

func newIconStore(dir string) (*iconStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &iconStore{dir: dir}, nil
}

func (s *iconStore) path(digest string) string { return filepath.Join(s.dir, digest) }

func (s *iconStore) has(digest string) bool {
	_, err := os.Stat(s.path(digest))
	return err == nil
}

func (s *iconStore) put(data []byte) (string, error) {
	digest := charticon.Digest(data)
	if s.has(digest) {
		return digest, nil
	}
	return digest, writeFile(s.path(digest), bytes.NewReader(data))
}

// read returns the icon of digest; a file that no longer has that digest is not served.
func (s *iconStore) read(digest string) ([]byte, error) {
	data, err := os.ReadFile(s.path(digest))
	if err != nil {
		return nil, err
	}
	if charticon.Digest(data) != digest {
		_ = os.Remove(s.path(digest))
		return nil, errors.New("damaged on disk")
	}
	return data, nil
}

// loadIcons gives st the icon of each chart it lists: the one fetched before for the same
// address when its file is still there, else, when fetch is set, fetched now from the address
// the chart's newest version names (relative to the repository, absolute, or a data: URL).
// An icon that cannot be fetched, or that charticon refuses, leaves the chart without one
// (the portal shows its default) and is asked for again after iconRetry.
func (c *catalog) loadIcons(ctx context.Context, st *catalogState, fetch bool) {
	st.icons = map[string]icon{}
	known := map[string]icon{}
	wanted := map[string][]string{} // charts by the address of their icon
	for _, e := range st.listing.charts {
		ref := strings.TrimSpace(e.newest.Icon)
		if ref == "" {
			continue
		}
		if got, ok := st.Icons[ref]; ok && c.icons.has(got.Digest) {
			st.icons[e.name], known[ref] = got, got
			continue
		}
		if failed, ok := c.iconFailures[ref]; fetch && (!ok || time.Since(failed) > iconRetry) {
			wanted[ref] = append(wanted[ref], e.name)
		}
	}

	var mu sync.Mutex
	slots := make(chan struct{}, iconFetches)
	var wg sync.WaitGroup
	for ref, charts := range wanted {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			got, err := c.fetchIcon(ctx, ref)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				c.iconFailures[ref] = time.Now()
				c.log.Info("chart icon not fetched: the portal shows the default icon", "charts", charts, "icon", loggedAddress(ref), "error", err)
				return
			}
			delete(c.iconFailures, ref)
			known[ref] = got
			for _, name := range charts {
				st.icons[name] = got
			}
		})
	}
	wg.Wait()
	st.Icons = known
}

// fetchIcon reads the icon at ref, checks it and stores it.
func (c *catalog) fetchIcon(ctx context.Context, ref string) (icon, error) {
	ctx, cancel := context.WithTimeout(ctx, iconTimeout)
	defer cancel()
	var data []byte
	var declared string
	var err error
	if strings.HasPrefix(strings.ToLower(ref), "data:") {
		data, declared, err = charticon.DecodeDataURL(ref)
	} else {
		data, declared, err = c.readIcon(ctx, ref)
	}
	if err != nil {
		return icon{}, err
	}
	kind, err := charticon.Check(data, declared)
	if err != nil {
		return icon{}, err
	}
	digest, err := c.icons.put(data)
	if err != nil {
		return icon{}, err
	}
	return icon{Digest: digest, Type: kind}, nil
}

// readIcon reads at most one byte more than an icon may have from the source.
func (c *catalog) readIcon(ctx context.Context, ref string) ([]byte, string, error) {
	body, declared, err := c.src.openIcon(ctx, ref)
	if err != nil {
		return nil, "", err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, charticon.MaxSize+1))
	return data, declared, err
}

// loggedAddress is an icon's address for the log: without credentials, and a data: URL by its
// kind alone.
func loggedAddress(ref string) string {
	if strings.HasPrefix(strings.ToLower(ref), "data:") {
		kind, _, _ := strings.Cut(ref, ",")
		return kind + ",..."
	}
	if u, err := url.Parse(ref); err == nil {
		return u.Redacted()
	}
	return "(not a URL)"
}

// iconOf is the icon of one listed chart, and whether it has one.
func (st *catalogState) iconOf(chart string) (icon, bool) {
	got, ok := st.icons[chart]
	return got, ok
}

// summary is a listed chart as ListCharts and GetChart return it, with its icon's digest.
func (st *catalogState) summary(e *chartEntry) sdk.ChartSummary {
	s := e.summary()
	if got, ok := st.iconOf(e.name); ok {
		s.IconDigest = got.Digest
	}
	return s
}
