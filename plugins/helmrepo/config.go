package helmrepo

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
)

//go:embed schema.json
var configSchema []byte

var schema = configschema.MustCompile(configSchema)

// Config is the plugin's configuration section (schema.json documents each field and holds
// its defaults and bounds). Catalog fields keep the names and meanings of Onyxia's catalog
// configuration, so that an Onyxia catalogs.json can be pasted in.
type Config struct {
	CacheDir        string          `json:"cacheDir"`
	RefreshInterval string          `json:"refreshInterval"`
	Catalogs        []CatalogConfig `json:"catalogs"`
}

// CatalogConfig is one catalog of the configuration.
type CatalogConfig struct {
	ID                   string            `json:"id"`
	Name                 LocalizedText     `json:"name"`
	Description          LocalizedText     `json:"description"`
	Maintainer           *string           `json:"maintainer"`
	SCM                  *string           `json:"scm"`
	Type                 string            `json:"type"`
	Location             string            `json:"location"`
	Charts               []string          `json:"charts"`
	PlainHTTP            bool              `json:"plainHttp"`
	Status               string            `json:"status"`
	HighlightedCharts    []string          `json:"highlightedCharts"`
	ExcludedCharts       []string          `json:"excludedCharts"`
	IncludeKeywords      []string          `json:"includeKeywords"`
	ExcludeKeywords      []string          `json:"excludeKeywords"`
	IncludeAnnotations   map[string]string `json:"includeAnnotations"`
	ExcludeAnnotations   map[string]string `json:"excludeAnnotations"`
	MultipleServicesMode string            `json:"multipleServicesMode"`
	MaxNumberOfVersions  int               `json:"maxNumberOfVersions"`
	Timeout              string            `json:"timeout"`
	AllowSharing         bool              `json:"allowSharing"`
	Visible              Visibility        `json:"visible"`
	Restrictions         []Restriction     `json:"restrictions"`
	Username             *string           `json:"username"`
	Password             *string           `json:"password"`
	CAFile               *string           `json:"caFile"`
	SkipTLSVerify        bool              `json:"skipTlsVerify"`
}

// Visibility says in which kinds of project a catalog is shown.
type Visibility struct {
	User    bool `json:"user"`
	Project bool `json:"project"`
}

// Restriction keeps a catalog for users whose claim matches.
type Restriction struct {
	UserAttribute struct {
		Key     string `json:"key"`
		Matches string `json:"matches"`
	} `json:"userAttribute"`
}

// LocalizedText is a plain string (the text in every language) or a map from language code
// to text, as Onyxia accepts both.
type LocalizedText sdk.LocalizedString

func (l *LocalizedText) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*l = nil
		return nil
	}
	var plain string
	if err := json.Unmarshal(data, &plain); err == nil {
		*l = LocalizedText{"": plain}
		return nil
	}
	var byLang map[string]string
	if err := json.Unmarshal(data, &byLang); err != nil {
		return fmt.Errorf("a localized text is a string or a map of strings")
	}
	*l = byLang
	return nil
}

// Version selection modes, Onyxia's multipleServicesMode.
const (
	modeLatest      = "latest"
	modeAll         = "all"
	modeSkipPatches = "skipPatches"
	modeMaxNumber   = "maxNumber"
)

// settings is a validated configuration with every default applied.
type settings struct {
	cacheDir        string
	refreshInterval time.Duration
	catalogs        []catalogOptions
}

// catalogOptions is one catalog's validated configuration.
type catalogOptions struct {
	info      sdk.CatalogInfo // the static part of what ListCatalogs returns
	location  string
	source    sourceKind
	charts    []string // oci only
	plainHTTP bool
	filter    filter
	username  string
	password  string
	caFile    string
	insecure  bool
}

type sourceKind int

const (
	sourceHTTP sourceKind = iota
	sourceDir
	sourceOCI
)

// parseConfig decodes a configuration section by the schema, which fills in the defaults and
// checks each field, then checks what the schema cannot say.
func parseConfig(raw []byte) (settings, error) {
	var cfg Config
	bad, err := schema.Decode(raw, &cfg)
	if err != nil {
		return settings{}, err
	}
	s := settings{cacheDir: cfg.CacheDir}
	if s.cacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			bad.Add("cacheDir", fmt.Sprintf("no default cache directory (%v): set one", err))
		}
		s.cacheDir = filepath.Join(dir, "basalt", "helmrepo")
	}
	if s.refreshInterval, err = time.ParseDuration(cfg.RefreshInterval); err != nil {
		bad.Add("refreshInterval", "not a duration such as 5m")
	}

	seen := map[string]bool{}
	for i, c := range cfg.Catalogs {
		at := func(field string) string { return fmt.Sprintf("catalogs[%d].%s", i, field) }
		if seen[c.ID] {
			bad.Add(at("id"), fmt.Sprintf("%q is used by another catalog", c.ID))
		}
		seen[c.ID] = true

		o := catalogOptions{
			location:  c.Location,
			charts:    c.Charts,
			plainHTTP: c.PlainHTTP,
			username:  deref(c.Username),
			password:  deref(c.Password),
			caFile:    deref(c.CAFile),
			insecure:  c.SkipTLSVerify,
			info: sdk.CatalogInfo{
				ID:                c.ID,
				Name:              sdk.LocalizedString(c.Name),
				Description:       sdk.LocalizedString(c.Description),
				Location:          c.Location,
				Status:            c.Status,
				Highlighted:       c.HighlightedCharts,
				AllowSharing:      c.AllowSharing,
				VisibleInPersonal: c.Visible.User,
				VisibleInGroup:    c.Visible.Project,
			},
		}
		if len(o.info.Name) == 0 {
			o.info.Name = sdk.LocalizedString{"": c.ID}
		}
		if o.info.Timeout, err = time.ParseDuration(c.Timeout); err != nil || o.info.Timeout <= 0 {
			bad.Add(at("timeout"), "not a duration such as 5m")
		}
		for j, r := range c.Restrictions {
			if _, err := regexp.Compile(r.UserAttribute.Matches); err != nil {
				bad.Add(fmt.Sprintf("catalogs[%d].restrictions[%d].userAttribute.matches", i, j), "not a regular expression: "+err.Error())
			}
			o.info.Restrictions = append(o.info.Restrictions, sdk.ClaimRestriction{Key: r.UserAttribute.Key, Match: r.UserAttribute.Matches})
		}

		kind, location, err := parseLocation(c.Location)
		if err != nil {
			bad.Add(at("location"), err.Error())
		}
		o.source, o.location = kind, location
		if kind == sourceOCI && len(c.Charts) == 0 {
			bad.Add(at("charts"), "an oci:// location needs the names of its charts")
		}
		if kind != sourceOCI && len(c.Charts) > 0 {
			bad.Add(at("charts"), "only for an oci:// location; a Helm repository lists its charts in index.yaml")
		}
		if o.caFile != "" {
			if _, err := os.Stat(o.caFile); err != nil {
				bad.Add(at("caFile"), err.Error())
			}
		}

		f := filter{
			highlighted:        c.HighlightedCharts,
			excluded:           map[string]bool{},
			includeKeywords:    c.IncludeKeywords,
			excludeKeywords:    c.ExcludeKeywords,
			includeAnnotations: c.IncludeAnnotations,
			excludeAnnotations: c.ExcludeAnnotations,
			mode:               c.MultipleServicesMode,
			maxVersions:        c.MaxNumberOfVersions,
		}
		for _, name := range c.ExcludedCharts {
			f.excluded[strings.ToLower(name)] = true
		}
		o.filter = f
		s.catalogs = append(s.catalogs, o)
	}
	if err := bad.Err("helmrepo configuration"); err != nil {
		return settings{}, err
	}
	return s, nil
}

// parseLocation tells what kind of source a location is and returns it in the form the
// source wants: a URL without trailing slash, an absolute directory (a relative one is taken
// from the working directory), or oci://host/path.
func parseLocation(location string) (sourceKind, string, error) {
	if filepath.IsAbs(location) {
		return sourceDir, filepath.Clean(location), nil
	}
	u, err := url.Parse(location)
	if err != nil {
		return 0, "", fmt.Errorf("not a URL or an absolute path: %v", err)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return 0, "", fmt.Errorf("%s has no host", location)
		}
		return sourceHTTP, strings.TrimSuffix(location, "/"), nil
	case "file":
		if u.Path == "" || !filepath.IsAbs(u.Path) {
			return 0, "", fmt.Errorf("a file:// location needs an absolute path")
		}
		return sourceDir, filepath.Clean(u.Path), nil
	case "oci":
		if u.Host == "" {
			return 0, "", fmt.Errorf("%s has no registry", location)
		}
		return sourceOCI, strings.TrimSuffix(location, "/"), nil
	}
	if u.Scheme == "" && location != "" {
		// A relative directory is relative to the working directory Basalt runs in.
		abs, err := filepath.Abs(location)
		if err != nil {
			return 0, "", err
		}
		return sourceDir, abs, nil
	}
	return 0, "", fmt.Errorf("use https://, http://, file://, oci:// or a directory")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
