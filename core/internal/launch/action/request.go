package action

import (
	"crypto/rand"
	"math/big"
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
	// ProfileOptOut names fields of the user's profile this launch leaves out of
	// user.profile: the chart's defaults apply instead.
	ProfileOptOut []string `json:"profileOptOut,omitempty"`
	// Release is the service's name as the launch form gave it (Form's Opened.Release), so that
	// the commands a preview shows name the service the launch makes; empty: a new one.
	Release string `json:"release"`
	// ClientIP is the caller's address, for the launch context's user.ip.
	ClientIP string `json:"-"`
	// BasaltURL is the address the caller reaches Basalt at, where the commands fetch the
	// charts of catalogs helm cannot reach.
	BasaltURL string `json:"-"`
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
	var bad []sdk.FieldViolation
	if r.Catalog == "" {
		bad = append(bad, sdk.FieldViolation{Field: "catalog", Rule: "is required"})
	}
	if r.Chart == "" {
		bad = append(bad, sdk.FieldViolation{Field: "chart", Rule: "is required"})
	} else if _, ok := r.subdomain(); !ok {
		bad = append(bad, sdk.FieldViolation{Field: "release",
			Rule: "must be " + releaseName(r.Chart, "") + " then 1 to 6 digits, as the launch form gives it, or empty for a new name"})
	}
	if len(bad) > 0 {
		return r, nil, sdk.InvalidFields("invalid launch request", bad...)
	}
	return r, overrides, nil
}

// subdomain returns the launch context's random subdomain the request's release was made with
// ("" for none: one is drawn), and whether the release is one Basalt makes for the chart.
func (r Request) subdomain() (string, bool) {
	if r.Release == "" {
		return "", true
	}
	suffix, ok := strings.CutPrefix(r.Release, releaseName(r.Chart, ""))
	return suffix, ok && drawnSubdomain.MatchString(suffix)
}

// drawnSubdomain is what drawSubdomain draws, as launch.NewContext would: a number below a
// million.
var drawnSubdomain = regexp.MustCompile(`^(0|[1-9][0-9]{0,5})$`)

func drawSubdomain() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return n.String()
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
