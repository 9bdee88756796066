package action

import (
	"regexp"
	"strings"

	"github.com/basalt-dev/basalt/core/internal/launch/link"
	"github.com/basalt-dev/basalt/sdk"
)

// Request is what the portal, a launch link, a saved configuration or an API client asks to
// launch.
type Request struct {
	Catalog string         `json:"catalog"`
	Chart   string         `json:"chart"`
	Version string         `json:"version"` // empty: the newest stable version
	Name    string         `json:"name"`    // friendly name; the chart's name when empty
	Shared  bool           `json:"shared"`
	Values  map[string]any `json:"values"`
	// Link is a launch link's query string, whose overrides apply last (Onyxia's format).
	Link string `json:"link"`
	S3   string `json:"s3"` // the S3 profile; empty for the default
	// Secret is the secret the service gets, relative to the project's secrets home; empty:
	// the chart's vault.secret.
	Secret string `json:"secret"`
	// ClientIP is the caller's address, for the launch context's user.ip.
	ClientIP string `json:"-"`
}

// withLink reads the request's launch link: its fixed parameters fill what the request
// leaves empty, its overrides are returned to apply last. The request must name a catalog
// and a chart, by itself or through the link.
func (r Request) withLink() (Request, []link.Override, error) {
	var overrides []link.Override
	if r.Link != "" {
		l, err := link.Parse(strings.TrimPrefix(r.Link, "?"))
		if err != nil {
			return r, nil, sdk.InvalidFields("invalid launch link", sdk.FieldViolation{Field: "link", Rule: err.Error()})
		}
		overrides = l.Overrides
		if r.Version == "" {
			r.Version = l.Version
		}
		if r.Name == "" {
			r.Name = l.Name
		}
		if l.Shared != nil && !r.Shared {
			r.Shared = *l.Shared
		}
		if r.S3 == "" {
			r.S3 = l.S3
		}
	}
	var missing []sdk.FieldViolation
	if r.Catalog == "" {
		missing = append(missing, sdk.FieldViolation{Field: "catalog", Rule: "is required"})
	}
	if r.Chart == "" {
		missing = append(missing, sdk.FieldViolation{Field: "chart", Rule: "is required"})
	}
	if len(missing) > 0 {
		return r, nil, sdk.InvalidFields("invalid launch request", missing...)
	}
	return r, overrides, nil
}

var notInReleaseName = regexp.MustCompile(`[^a-z0-9-]+`)

// releaseName is a chart's name made a DNS label's start, then a random suffix: at most 45
// characters of the chart's name leave room for the suffixes Helm and charts add.
func releaseName(chart, suffix string) string {
	name := strings.Trim(notInReleaseName.ReplaceAllString(strings.ToLower(chart), "-"), "-")
	if len(name) > 45 {
		name = name[:45]
	}
	return name + "-" + suffix
}
