package sdk

import (
	"context"
	"io"
	"time"
)

// Catalog is the contract of chart sources (Helm repositories, OCI registries). One plugin
// instance serves every catalog its configuration lists; the core applies who may see which.
type Catalog interface {
	Plugin

	ListCatalogs(ctx context.Context, req ListCatalogsRequest) (ListCatalogsResponse, error)
	// ListCharts returns the charts of one catalog, each with the versions its version
	// selection keeps. Library charts are never listed.
	ListCharts(ctx context.Context, req ListChartsRequest) (ListChartsResponse, error)
	// GetChart returns one version of a chart with what a launch needs, but not the archive.
	GetChart(ctx context.Context, req GetChartRequest) (GetChartResponse, error)
	// GetArchive streams a chart version's archive (.tgz). The caller closes Body.
	GetArchive(ctx context.Context, req GetArchiveRequest) (GetArchiveResponse, error)
	// Refresh reloads one catalog, or all when CatalogID is empty.
	Refresh(ctx context.Context, req RefreshCatalogsRequest) (RefreshCatalogsResponse, error)
	// GetIcon returns the icon of a chart's newest version, which the plugin fetched with the
	// chart, so that browsers load icons from Basalt and never from another site. It is the
	// icon whose digest ChartSummary.IconDigest gives, and checked by sdk/charticon. A chart
	// without an icon the plugin could fetch is ErrNotFound.
	GetIcon(ctx context.Context, req GetIconRequest) (GetIconResponse, error)
}

// LocalizedString maps a language code ("en", "fr") to text; "" is the default.
type LocalizedString map[string]string

// CatalogInfo describes one catalog and the options the core enforces.
type CatalogInfo struct {
	ID                string
	Name              LocalizedString
	Description       LocalizedString
	Location          string
	Status            string // PROD (has a tab), TEST or INTERNAL (reachable by link)
	Highlighted       []string
	Timeout           time.Duration
	AllowSharing      bool
	VisibleInPersonal bool
	VisibleInGroup    bool
	Restrictions      []ClaimRestriction
	LastRefresh       time.Time
	Error             string // why the last refresh failed; the last good state is kept
	ChartCount        int
}

// ClaimRestriction keeps a catalog for users whose claim Key matches the regular expression
// Match (over the whole value; any element of a list claim).
type ClaimRestriction struct {
	Key   string
	Match string
}

type ListCatalogsRequest struct{}

type ListCatalogsResponse struct {
	Catalogs []CatalogInfo
}

type ListChartsRequest struct {
	CatalogID string
	// WithSkipped asks for what the catalog leaves out, too (basalt catalog check); the
	// users' catalog API never sets it.
	WithSkipped bool
}

type ChartVersion struct {
	Version    string
	AppVersion string
	Created    time.Time
	Digest     string
	Deprecated bool
}

type ChartSummary struct {
	Name        string
	Description string
	Icon        string
	Home        string
	Keywords    []string
	Annotations map[string]string
	Versions    []ChartVersion // newest first, pre-releases last
	Error       string         // why this chart is failing, if it is
	// IconDigest is the hex sha256 of the icon GetIcon returns; "" when the plugin has none
	// for the chart (Icon names none, or it could not be fetched or was refused).
	IconDigest string
}

type ListChartsResponse struct {
	Charts  []ChartSummary
	Skipped []SkippedChart // only when the request asked WithSkipped
}

// SkippedChart is a chart of the source, or one of its versions, that a catalog does not list.
type SkippedChart struct {
	Chart   string
	Version string // "" when the whole chart is left out
	Reason  string
	// Broken says the entry is faulty (digest mismatch, corrupt archive, invalid fields)
	// rather than left out by the catalog's options.
	Broken bool
}

type ChartRef struct {
	CatalogID string
	Chart     string
	Version   string // "" is the newest stable version
}

type GetChartRequest struct {
	Chart ChartRef
}

type ChartDependency struct {
	Name       string
	Version    string
	Repository string
	Condition  string
	Alias      string
}

type GetChartResponse struct {
	Chart        ChartRef // with the version resolved
	Summary      ChartSummary
	ChartYAML    []byte
	ValuesYAML   []byte
	ValuesSchema []byte // values.schema.json; empty when the chart has none
	Readme       []byte
	Dependencies []ChartDependency
	Digest       string // of the archive
}

type GetArchiveRequest struct {
	Chart ChartRef
}

type GetArchiveResponse struct {
	Chart  ChartRef
	Digest string
	Size   int64
	Body   io.ReadCloser
}

type RefreshCatalogsRequest struct {
	CatalogID string
}

type RefreshCatalogsResponse struct {
	Catalogs []CatalogInfo
}

type GetIconRequest struct {
	CatalogID string
	Chart     string
}

// GetIconResponse is a chart's icon: at most charticon.MaxSize bytes of one of the types
// charticon.Types.
type GetIconResponse struct {
	Digest      string // hex sha256 of Data
	ContentType string
	Data        []byte
}
