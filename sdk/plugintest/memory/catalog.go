package memory

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/semver"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/charticon"
)

// Catalog serves chart catalogs described in its configuration. It packages every chart
// version into a real .tgz (Chart.yaml, values.yaml, values.schema.json, README.md) with its
// sha256 digest, so what it serves installs like a chart from a Helm repository.
type Catalog struct {
	mu       sync.RWMutex
	config   CatalogConfig
	catalogs map[string]*catalog
	order    []string // catalog ids in configuration order
}

// CatalogConfig is the configuration of the memory catalog plugin.
type CatalogConfig struct {
	Catalogs []CatalogSource `json:"catalogs"`
}

// CatalogSource is one catalog and its charts, one entry per chart version (as in a Helm
// repository's index).
type CatalogSource struct {
	ID          string              `json:"id"`
	Name        sdk.LocalizedString `json:"name,omitempty"`
	Description sdk.LocalizedString `json:"description,omitempty"`
	Status      string              `json:"status,omitempty"`
	// Restrictions keep the catalog for users whose claims match, as sdk.ClaimRestriction.
	Restrictions []Restriction `json:"restrictions,omitempty"`
	Charts       []Chart       `json:"charts"`
}

// Restriction is one sdk.ClaimRestriction of a catalog.
type Restriction struct {
	Key   string `json:"key"`
	Match string `json:"match"`
}

// Chart is one version of a chart.
type Chart struct {
	Name        string            `json:"name"`
	Version     string            `json:"version"`
	AppVersion  string            `json:"appVersion,omitempty"`
	Description string            `json:"description,omitempty"`
	Type        string            `json:"type,omitempty"` // "application" (default) or "library"
	Deprecated  bool              `json:"deprecated,omitempty"`
	Keywords    []string          `json:"keywords,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Icon        string            `json:"icon,omitempty"` // served by GetIcon when a data: URL
	Home        string            `json:"home,omitempty"`
	Created     time.Time         `json:"created,omitzero"`
	Values      string            `json:"values,omitempty"` // values.yaml; "{}" when empty
	Schema      json.RawMessage   `json:"schema,omitempty"` // values.schema.json
	Readme      string            `json:"readme,omitempty"`
}

type catalog struct {
	info    sdk.CatalogInfo
	charts  map[string][]*packaged // by name, versions newest first, pre-releases last
	icons   map[string]sdk.GetIconResponse
	skipped []sdk.SkippedChart
}

type packaged struct {
	chart     Chart
	chartYAML []byte
	archive   []byte
	digest    string
}

// NewCatalog returns a catalog plugin with no catalog until it is configured.
func NewCatalog() *Catalog { return &Catalog{catalogs: map[string]*catalog{}} }

func (c *Catalog) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindCatalog, Name: "memory", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

const catalogSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "In-memory chart catalogs",
  "type": "object",
  "properties": {
    "catalogs": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["id", "charts"],
        "properties": {
          "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
          "name": {"type": "object", "additionalProperties": {"type": "string"}},
          "description": {"type": "object", "additionalProperties": {"type": "string"}},
          "status": {"enum": ["PROD", "TEST", "INTERNAL"]},
          "restrictions": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["key", "match"],
              "properties": {"key": {"type": "string"}, "match": {"type": "string"}},
              "additionalProperties": false
            }
          },
          "charts": {
            "type": "array",
            "items": {
              "type": "object",
              "required": ["name", "version"],
              "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
                "version": {"type": "string", "description": "A semantic version."},
                "appVersion": {"type": "string"},
                "description": {"type": "string"},
                "type": {"enum": ["application", "library"]},
                "deprecated": {"type": "boolean"},
                "keywords": {"type": "array", "items": {"type": "string"}},
                "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
                "icon": {"type": "string", "description": "The chart's icon; a data: URL is served by GetIcon, no other is fetched."},
                "home": {"type": "string"},
                "created": {"type": "string", "format": "date-time"},
                "values": {"type": "string", "description": "The chart's values.yaml."},
                "schema": {"type": "object", "description": "The chart's values.schema.json."},
                "readme": {"type": "string"}
              },
              "additionalProperties": false
            }
          }
        },
        "additionalProperties": false
      }
    }
  },
  "additionalProperties": false
}`

func (c *Catalog) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: []byte(catalogSchema)}, nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func (c *Catalog) Configure(_ context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	var cfg CatalogConfig
	if err := decodeConfig(req.Config, &cfg); err != nil {
		return sdk.ConfigureResponse{}, err
	}
	catalogs, err := build(cfg, time.Now().UTC())
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.config, c.catalogs = cfg, catalogs
	c.order = c.order[:0]
	for _, src := range cfg.Catalogs {
		c.order = append(c.order, src.ID)
	}
	return sdk.ConfigureResponse{}, nil
}

// build validates the configuration and packages every chart.
func build(cfg CatalogConfig, now time.Time) (map[string]*catalog, error) {
	var bad []sdk.FieldViolation
	catalogs := map[string]*catalog{}
	for i, src := range cfg.Catalogs {
		field := fmt.Sprintf("catalogs[%d]", i)
		if !nameRE.MatchString(src.ID) || catalogs[src.ID] != nil {
			bad = append(bad, sdk.FieldViolation{Field: field + ".id", Rule: "must be a unique lower-case name"})
			continue
		}
		cat, err := buildCatalog(src, now, field)
		if err != nil {
			bad = append(bad, sdk.FieldsOf(err)...)
			continue
		}
		catalogs[src.ID] = cat
	}
	if len(bad) > 0 {
		return nil, sdk.InvalidFields("invalid configuration", bad...)
	}
	return catalogs, nil
}

func buildCatalog(src CatalogSource, now time.Time, field string) (*catalog, error) {
	status := src.Status
	if status == "" {
		status = "PROD"
	}
	cat := &catalog{
		info: sdk.CatalogInfo{
			ID: src.ID, Name: src.Name, Description: src.Description, Location: "memory://" + src.ID, Status: status,
			VisibleInPersonal: true, VisibleInGroup: true, AllowSharing: true, LastRefresh: now,
		},
		charts: map[string][]*packaged{},
		icons:  map[string]sdk.GetIconResponse{},
	}
	for _, r := range src.Restrictions {
		cat.info.Restrictions = append(cat.info.Restrictions, sdk.ClaimRestriction{Key: r.Key, Match: r.Match})
	}
	var bad []sdk.FieldViolation
	for j, ch := range src.Charts {
		f := fmt.Sprintf("%s.charts[%d]", field, j)
		switch {
		case !nameRE.MatchString(ch.Name):
			bad = append(bad, sdk.FieldViolation{Field: f + ".name", Rule: "must be a lower-case name"})
			continue
		case !semver.IsValid("v" + ch.Version):
			bad = append(bad, sdk.FieldViolation{Field: f + ".version", Rule: "must be a semantic version"})
			continue
		case ch.Type != "" && ch.Type != "application" && ch.Type != "library":
			bad = append(bad, sdk.FieldViolation{Field: f + ".type", Rule: "must be application or library"})
			continue
		case slices.ContainsFunc(cat.charts[ch.Name], func(p *packaged) bool { return p.chart.Version == ch.Version }):
			bad = append(bad, sdk.FieldViolation{Field: f + ".version", Rule: "is listed twice for " + ch.Name})
			continue
		}
		if _, err := iconOf(ch.Icon); err != nil {
			bad = append(bad, sdk.FieldViolation{Field: f + ".icon", Rule: err.Error()})
			continue
		}
		p, err := pack(ch)
		if err != nil {
			bad = append(bad, sdk.FieldViolation{Field: f, Rule: err.Error()})
			continue
		}
		cat.charts[ch.Name] = append(cat.charts[ch.Name], p)
	}
	if len(bad) > 0 {
		return nil, sdk.InvalidFields("invalid catalog", bad...)
	}
	for name, versions := range cat.charts {
		slices.SortFunc(versions, func(a, b *packaged) int { return compareVersions(a.chart.Version, b.chart.Version) })
		if versions[0].chart.Type != "library" {
			cat.info.ChartCount++
			if icon, _ := iconOf(versions[0].chart.Icon); icon.Data != nil {
				cat.icons[name] = icon
			}
		} else {
			delete(cat.charts, name) // library charts are never listed
			cat.skipped = append(cat.skipped, sdk.SkippedChart{Chart: name, Reason: "library chart"})
		}
	}
	return cat, nil
}

// iconOf reads a chart's icon when it is a data: URL; the memory catalog fetches no other.
func iconOf(u string) (sdk.GetIconResponse, error) {
	if !strings.HasPrefix(strings.ToLower(u), "data:") {
		return sdk.GetIconResponse{}, nil
	}
	data, declared, err := charticon.DecodeDataURL(u)
	if err != nil {
		return sdk.GetIconResponse{}, err
	}
	kind, err := charticon.Check(data, declared)
	if err != nil {
		return sdk.GetIconResponse{}, err
	}
	return sdk.GetIconResponse{Digest: charticon.Digest(data), ContentType: kind, Data: data}, nil
}

// compareVersions orders chart versions newest first, pre-releases after every stable one.
func compareVersions(a, b string) int {
	va, vb := "v"+a, "v"+b
	preA, preB := semver.Prerelease(va) != "", semver.Prerelease(vb) != ""
	if preA != preB {
		if preA {
			return 1
		}
		return -1
	}
	return semver.Compare(vb, va)
}

// PackageChart returns the .tgz of a chart version as helm package would lay it out.
func PackageChart(ch Chart) ([]byte, error) {
	p, err := pack(ch)
	if err != nil {
		return nil, err
	}
	return p.archive, nil
}

func pack(ch Chart) (*packaged, error) {
	if len(ch.Schema) > 0 && !json.Valid(ch.Schema) {
		return nil, fmt.Errorf("the schema is not JSON")
	}
	typ := ch.Type
	if typ == "" {
		typ = "application"
	}
	var y strings.Builder
	fmt.Fprintf(&y, "apiVersion: v2\nname: %s\nversion: %s\ntype: %s\n", ch.Name, strconv.Quote(ch.Version), typ)
	for _, kv := range [][2]string{{"appVersion", ch.AppVersion}, {"description", ch.Description}, {"icon", ch.Icon}, {"home", ch.Home}} {
		if kv[1] != "" {
			fmt.Fprintf(&y, "%s: %s\n", kv[0], strconv.Quote(kv[1]))
		}
	}
	if ch.Deprecated {
		y.WriteString("deprecated: true\n")
	}
	if len(ch.Keywords) > 0 {
		y.WriteString("keywords:\n")
		for _, k := range ch.Keywords {
			fmt.Fprintf(&y, "  - %s\n", strconv.Quote(k))
		}
	}
	if len(ch.Annotations) > 0 {
		y.WriteString("annotations:\n")
		for _, k := range slices.Sorted(maps.Keys(ch.Annotations)) {
			fmt.Fprintf(&y, "  %s: %s\n", strconv.Quote(k), strconv.Quote(ch.Annotations[k]))
		}
	}
	values := ch.Values
	if values == "" {
		values = "{}\n"
	}
	type file struct {
		name string
		data []byte
	}
	files := []file{{"Chart.yaml", []byte(y.String())}, {"values.yaml", []byte(values)}}
	if len(ch.Schema) > 0 {
		files = append(files, file{"values.schema.json", ch.Schema})
	}
	if ch.Readme != "" {
		files = append(files, file{"README.md", []byte(ch.Readme)})
	}

	// The archive depends on the chart alone (fixed times, no gzip timestamp), so that its
	// digest is stable across refreshes and restarts.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	mtime := ch.Created
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	for _, f := range files {
		h := &tar.Header{Name: ch.Name + "/" + f.name, Mode: 0o644, Size: int64(len(f.data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	return &packaged{chart: ch, chartYAML: []byte(y.String()), archive: buf.Bytes(), digest: hex.EncodeToString(sum[:])}, nil
}

func (c *Catalog) ListCatalogs(context.Context, sdk.ListCatalogsRequest) (sdk.ListCatalogsResponse, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var resp sdk.ListCatalogsResponse
	for _, id := range c.order {
		resp.Catalogs = append(resp.Catalogs, c.catalogs[id].info)
	}
	return resp, nil
}

func (cat *catalog) summary(name string) sdk.ChartSummary {
	versions := cat.charts[name]
	latest := versions[0].chart
	s := sdk.ChartSummary{
		Name: latest.Name, Description: latest.Description, Icon: latest.Icon, Home: latest.Home,
		Keywords: latest.Keywords, Annotations: latest.Annotations, IconDigest: cat.icons[name].Digest,
	}
	for _, p := range versions {
		s.Versions = append(s.Versions, sdk.ChartVersion{
			Version: p.chart.Version, AppVersion: p.chart.AppVersion, Created: p.chart.Created,
			Digest: p.digest, Deprecated: p.chart.Deprecated,
		})
	}
	return s
}

func (c *Catalog) ListCharts(_ context.Context, req sdk.ListChartsRequest) (sdk.ListChartsResponse, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cat := c.catalogs[req.CatalogID]
	if cat == nil {
		return sdk.ListChartsResponse{}, sdk.Errorf(sdk.ErrNotFound, "catalog %q not found", req.CatalogID)
	}
	var resp sdk.ListChartsResponse
	for _, name := range slices.Sorted(maps.Keys(cat.charts)) {
		resp.Charts = append(resp.Charts, cat.summary(name))
	}
	if req.WithSkipped {
		resp.Skipped = slices.Clone(cat.skipped)
	}
	return resp, nil
}

// find resolves a chart reference; an empty version is the newest stable one.
func (c *Catalog) find(ref sdk.ChartRef) (*catalog, *packaged, error) {
	cat := c.catalogs[ref.CatalogID]
	if cat == nil {
		return nil, nil, sdk.Errorf(sdk.ErrNotFound, "catalog %q not found", ref.CatalogID)
	}
	versions := cat.charts[ref.Chart]
	if versions == nil {
		return nil, nil, sdk.Errorf(sdk.ErrNotFound, "chart %q not found in catalog %q", ref.Chart, ref.CatalogID)
	}
	if ref.Version == "" {
		return cat, versions[0], nil // stable versions sort first
	}
	for _, p := range versions {
		if p.chart.Version == ref.Version {
			return cat, p, nil
		}
	}
	return nil, nil, sdk.Errorf(sdk.ErrNotFound, "chart %q has no version %q", ref.Chart, ref.Version)
}

func (c *Catalog) GetChart(_ context.Context, req sdk.GetChartRequest) (sdk.GetChartResponse, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cat, p, err := c.find(req.Chart)
	if err != nil {
		return sdk.GetChartResponse{}, err
	}
	values := p.chart.Values
	if values == "" {
		values = "{}\n"
	}
	return sdk.GetChartResponse{
		Chart:   sdk.ChartRef{CatalogID: req.Chart.CatalogID, Chart: p.chart.Name, Version: p.chart.Version},
		Summary: cat.summary(p.chart.Name), ChartYAML: p.chartYAML, ValuesYAML: []byte(values),
		ValuesSchema: p.chart.Schema, Readme: []byte(p.chart.Readme), Digest: p.digest,
	}, nil
}

func (c *Catalog) GetArchive(_ context.Context, req sdk.GetArchiveRequest) (sdk.GetArchiveResponse, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, p, err := c.find(req.Chart)
	if err != nil {
		return sdk.GetArchiveResponse{}, err
	}
	return sdk.GetArchiveResponse{
		Chart:  sdk.ChartRef{CatalogID: req.Chart.CatalogID, Chart: p.chart.Name, Version: p.chart.Version},
		Digest: "sha256:" + p.digest, Size: int64(len(p.archive)), Body: io.NopCloser(bytes.NewReader(p.archive)),
	}, nil
}

func (c *Catalog) GetIcon(_ context.Context, req sdk.GetIconRequest) (sdk.GetIconResponse, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	cat, _, err := c.find(sdk.ChartRef{CatalogID: req.CatalogID, Chart: req.Chart})
	if err != nil {
		return sdk.GetIconResponse{}, err
	}
	icon, ok := cat.icons[req.Chart]
	if !ok {
		return sdk.GetIconResponse{}, sdk.Errorf(sdk.ErrNotFound, "chart %q of catalog %q has no icon", req.Chart, req.CatalogID)
	}
	return icon, nil
}

// Refresh repackages the configured catalogs, as a plugin with a remote source would reload
// it. The archives are the same byte for byte, so their digests do not change.
func (c *Catalog) Refresh(_ context.Context, req sdk.RefreshCatalogsRequest) (sdk.RefreshCatalogsResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if req.CatalogID != "" && c.catalogs[req.CatalogID] == nil {
		return sdk.RefreshCatalogsResponse{}, sdk.Errorf(sdk.ErrNotFound, "catalog %q not found", req.CatalogID)
	}
	now := time.Now().UTC()
	var resp sdk.RefreshCatalogsResponse
	for i, src := range c.config.Catalogs {
		if req.CatalogID != "" && src.ID != req.CatalogID {
			continue
		}
		cat, err := buildCatalog(src, now, fmt.Sprintf("catalogs[%d]", i))
		if err != nil { // cannot happen with a configuration that was accepted; keep the last good state
			c.catalogs[src.ID].info.Error = err.Error()
		} else {
			c.catalogs[src.ID] = cat
		}
		resp.Catalogs = append(resp.Catalogs, c.catalogs[src.ID].info)
	}
	return resp, nil
}

var _ sdk.Catalog = (*Catalog)(nil)
