package s3

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/basalt-dev/basalt/sdk/configschema"
)

// Config is the plugin's configuration section (schema.json documents each field and holds
// its defaults and bounds).
type Config struct {
	Endpoint          string             `json:"endpoint"`
	ServiceEndpoint   string             `json:"serviceEndpoint"`
	Region            string             `json:"region"`
	PathStyle         bool               `json:"pathStyle"`
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

// MaxPresignExpiry is the longest validity of a presigned URL, as S3 allows.
const MaxPresignExpiry = 7 * 24 * time.Hour

// Bucket modes.
const (
	bucketModeMulti  = "multi"
	bucketModeShared = "shared"
)

// parseConfig decodes a configuration by the schema, which fills in the defaults and checks
// each field, then checks what the schema cannot say, naming each failing field.
func parseConfig(raw []byte) (Config, error) {
	var cfg Config
	bad, err := schema.Decode(raw, &cfg)
	if err != nil {
		return Config{}, err
	}
	cfg.Endpoint = strings.TrimSuffix(cfg.Endpoint, "/")
	// Services may reach the store at another address than the plugin does (a pod network).
	cfg.ServiceEndpoint = cmp.Or(strings.TrimSuffix(cfg.ServiceEndpoint, "/"), cfg.Endpoint)
	switch {
	case cfg.STS == nil && cfg.StaticCredentials == nil:
		bad.Add("sts", "either sts or staticCredentials is required")
	case cfg.STS != nil && cfg.StaticCredentials != nil:
		bad.Add("staticCredentials", "cannot be set together with sts")
	}
	if cfg.STS != nil {
		for i := range cfg.STS.Roles {
			checkRole(&cfg.STS.Roles[i], "sts.roles["+strconv.Itoa(i)+"]", &bad)
		}
	}
	wd := &cfg.WorkingDirectory
	switch wd.BucketMode {
	case bucketModeMulti:
		// A user named like a group's bucket would otherwise own that bucket.
		checkPrefixPair("workingDirectory.bucketNamePrefixGroup", wd.BucketNamePrefix, wd.BucketNamePrefixGroup, &bad)
	case bucketModeShared:
		if s3utils.CheckValidBucketNameStrict(wd.BucketName) != nil {
			bad.Add("workingDirectory.bucketName", "must name a bucket in shared mode (3 to 63 lowercase letters, digits, dots and hyphens)")
		}
		checkPrefixPair("workingDirectory.prefixGroup", wd.Prefix, wd.PrefixGroup, &bad)
		for field, p := range map[string]string{"workingDirectory.prefix": wd.Prefix, "workingDirectory.prefixGroup": wd.PrefixGroup} {
			if strings.Contains(p, "/") {
				bad.Add(field, "must not contain /")
			}
		}
	}
	if d, err := time.ParseDuration(cfg.MaxPresignExpiry); err != nil || d <= 0 || d > MaxPresignExpiry {
		bad.Add("maxPresignExpiry", "must be a positive duration of at most 168h")
	}
	if err := bad.Err("invalid configuration"); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func checkPrefixPair(field, user, group string, bad *configschema.Violations) {
	if strings.HasPrefix(user, group) || strings.HasPrefix(group, user) {
		bad.Add(field, "neither the user prefix nor the group prefix may start the other")
	}
}

func checkRole(r *Role, field string, bad *configschema.Violations) {
	var err error
	if r.included, err = regexp.Compile(r.IncludedClaimPattern); err != nil {
		bad.Add(field+".includedClaimPattern", "must be a regular expression: "+err.Error())
	}
	if r.ExcludedClaimPattern != "" {
		if r.excluded, err = regexp.Compile(r.ExcludedClaimPattern); err != nil {
			bad.Add(field+".excludedClaimPattern", "must be a regular expression: "+err.Error())
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
