package s3

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/basalt-dev/basalt/sdk"
)

// Config is the plugin's configuration section (schema.json documents each field).
type Config struct {
	Endpoint          string             `json:"endpoint"`
	Region            string             `json:"region"`
	PathStyle         *bool              `json:"pathStyle"`
	TLS               TLSConfig          `json:"tls"`
	StaticCredentials *StaticCredentials `json:"staticCredentials"`
	STS               *STSConfig         `json:"sts"`
	WorkingDirectory  WorkingDirectory   `json:"workingDirectory"`
	Upload            UploadConfig       `json:"upload"`
	MaxPageSize       int                `json:"maxPageSize"`
	MaxPresignExpiry  string             `json:"maxPresignExpiry"`
}

type TLSConfig struct {
	CAFile             string `json:"caFile"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify"`
}

// StaticCredentials is one account for every call.
type StaticCredentials struct {
	AccessKeyID       string `json:"accessKeyID"`
	SecretAccessKey   string `json:"secretAccessKey"`
	ShareWithServices bool   `json:"shareWithServices"`
}

// STSConfig turns on per-user credentials from the caller's ID token.
type STSConfig struct {
	Endpoint        string `json:"endpoint"`
	DurationSeconds int    `json:"durationSeconds"`
	Roles           []Role `json:"roles"`
}

// Role is a role to assume, for everyone or for callers whose claim matches a pattern.
type Role struct {
	RoleARN              string `json:"roleARN"`
	ClaimName            string `json:"claimName"`
	IncludedClaimPattern string `json:"includedClaimPattern"`
	ExcludedClaimPattern string `json:"excludedClaimPattern"`

	included, excluded *regexp.Regexp
}

// WorkingDirectory says where homes are, with Onyxia's names.
type WorkingDirectory struct {
	BucketMode            string `json:"bucketMode"`
	BucketNamePrefix      string `json:"bucketNamePrefix"`
	BucketNamePrefixGroup string `json:"bucketNamePrefixGroup"`
	BucketName            string `json:"bucketName"`
	Prefix                string `json:"prefix"`
	PrefixGroup           string `json:"prefixGroup"`
}

type UploadConfig struct {
	PartSizeMiB int `json:"partSizeMiB"`
	Concurrency int `json:"concurrency"`
}

// Defaults of the configuration.
const (
	DefaultRegion          = "us-east-1"
	DefaultSTSDuration     = time.Hour
	DefaultUserPrefix      = "user-"
	DefaultGroupPrefix     = "project-"
	DefaultPartSizeMiB     = 16
	DefaultConcurrency     = 4
	DefaultMaxPageSize     = 1000
	MaxPresignExpiry       = 7 * 24 * time.Hour
	defaultIncludedPattern = "^(.+)$"
)

// Bucket modes.
const (
	bucketModeMulti  = "multi"
	bucketModeShared = "shared"
)

// parseConfig decodes a configuration strictly, fills in the defaults and checks what the
// schema cannot say, naming each failing field.
func parseConfig(raw []byte) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, sdk.Errorf(sdk.ErrInvalidArgument, "invalid configuration: %v", err)
	}
	cfg.Endpoint = strings.TrimSuffix(cfg.Endpoint, "/")
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.PathStyle == nil {
		yes := true
		cfg.PathStyle = &yes
	}
	wd := &cfg.WorkingDirectory
	if wd.BucketMode == "" {
		wd.BucketMode = bucketModeMulti
	}
	for _, p := range []*string{&wd.BucketNamePrefix, &wd.Prefix} {
		if *p == "" {
			*p = DefaultUserPrefix
		}
	}
	for _, p := range []*string{&wd.BucketNamePrefixGroup, &wd.PrefixGroup} {
		if *p == "" {
			*p = DefaultGroupPrefix
		}
	}
	if cfg.Upload.PartSizeMiB == 0 {
		cfg.Upload.PartSizeMiB = DefaultPartSizeMiB
	}
	if cfg.Upload.Concurrency == 0 {
		cfg.Upload.Concurrency = DefaultConcurrency
	}
	if cfg.MaxPageSize == 0 {
		cfg.MaxPageSize = DefaultMaxPageSize
	}
	if cfg.MaxPresignExpiry == "" {
		cfg.MaxPresignExpiry = MaxPresignExpiry.String()
	}
	if cfg.STS != nil && cfg.STS.DurationSeconds == 0 {
		cfg.STS.DurationSeconds = int(DefaultSTSDuration / time.Second)
	}

	var bad []sdk.FieldViolation
	fail := func(field, rule string) { bad = append(bad, sdk.FieldViolation{Field: field, Rule: rule}) }
	if u, err := url.Parse(cfg.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
		fail("endpoint", "must be an http or https URL with no path, e.g. https://minio.example.org")
	}
	switch {
	case cfg.STS == nil && cfg.StaticCredentials == nil:
		fail("sts", "either sts or staticCredentials is required")
	case cfg.STS != nil && cfg.StaticCredentials != nil:
		fail("staticCredentials", "cannot be set together with sts")
	}
	if c := cfg.StaticCredentials; c != nil {
		if c.AccessKeyID == "" {
			fail("staticCredentials.accessKeyID", "is required")
		}
		if c.SecretAccessKey == "" {
			fail("staticCredentials.secretAccessKey", "is required")
		}
	}
	if s := cfg.STS; s != nil {
		if s.Endpoint != "" {
			if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				fail("sts.endpoint", "must be an http or https URL")
			}
		}
		if s.DurationSeconds < 900 || s.DurationSeconds > 604800 {
			fail("sts.durationSeconds", "must be between 900 and 604800")
		}
		for i := range s.Roles {
			checkRole(&s.Roles[i], "sts.roles["+strconv.Itoa(i)+"]", fail)
		}
	}
	switch wd.BucketMode {
	case bucketModeMulti:
		// A user named like a group's bucket would otherwise own that bucket.
		checkPrefixPair("workingDirectory.bucketNamePrefixGroup", wd.BucketNamePrefix, wd.BucketNamePrefixGroup, fail)
	case bucketModeShared:
		if s3utils.CheckValidBucketNameStrict(wd.BucketName) != nil {
			fail("workingDirectory.bucketName", "must name a bucket in shared mode (3 to 63 lowercase letters, digits, dots and hyphens)")
		}
		checkPrefixPair("workingDirectory.prefixGroup", wd.Prefix, wd.PrefixGroup, fail)
		for field, p := range map[string]string{"workingDirectory.prefix": wd.Prefix, "workingDirectory.prefixGroup": wd.PrefixGroup} {
			if strings.Contains(p, "/") {
				fail(field, "must not contain /")
			}
		}
	default:
		fail("workingDirectory.bucketMode", "must be multi or shared")
	}
	if p := cfg.Upload.PartSizeMiB; p < 5 || p > 5120 {
		fail("upload.partSizeMiB", "must be between 5 and 5120")
	}
	if c := cfg.Upload.Concurrency; c < 1 || c > 64 {
		fail("upload.concurrency", "must be between 1 and 64")
	}
	if cfg.MaxPageSize < 1 || cfg.MaxPageSize > 1000 {
		fail("maxPageSize", "must be between 1 and 1000")
	}
	if d, err := time.ParseDuration(cfg.MaxPresignExpiry); err != nil || d <= 0 || d > MaxPresignExpiry {
		fail("maxPresignExpiry", "must be a positive duration of at most 168h")
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b sdk.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
		return Config{}, sdk.InvalidFields("invalid configuration", bad...)
	}
	return cfg, nil
}

func checkPrefixPair(field, user, group string, fail func(field, rule string)) {
	if strings.HasPrefix(user, group) || strings.HasPrefix(group, user) {
		fail(field, "neither the user prefix nor the group prefix may start the other")
	}
}

func checkRole(r *Role, field string, fail func(field, rule string)) {
	if r.RoleARN == "" {
		fail(field+".roleARN", "is required")
	}
	if r.IncludedClaimPattern == "" {
		r.IncludedClaimPattern = defaultIncludedPattern
	}
	var err error
	if r.included, err = regexp.Compile(r.IncludedClaimPattern); err != nil {
		fail(field+".includedClaimPattern", "must be a regular expression: "+err.Error())
	}
	if r.ExcludedClaimPattern != "" {
		if r.excluded, err = regexp.Compile(r.ExcludedClaimPattern); err != nil {
			fail(field+".excludedClaimPattern", "must be a regular expression: "+err.Error())
		}
	}
}

func (c Config) stsDuration() time.Duration {
	return time.Duration(c.STS.DurationSeconds) * time.Second
}

func (c Config) presignLimit() time.Duration {
	d, _ := time.ParseDuration(c.MaxPresignExpiry) // checked by parseConfig
	return d
}
