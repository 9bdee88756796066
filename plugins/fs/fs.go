// Package fs is Basalt's object store over a local directory, the embedded default. Each
// user owns the bucket <userPrefix><username> and each group the bucket
// <groupPrefix><group>; a bucket is a directory under the configured root, an object a
// regular file in it, a folder a directory.
//
// The root holds, besides the buckets, the store's own state:
//
//	<bucket>/<key>                      an object
//	.basalt/meta/<bucket>/<key>.json    its content type and metadata, when it has any
//	.basalt/policy/<bucket>.json        the bucket's public prefixes
//
// No path leaves its bucket: keys are checked (no ".", ".." or empty elements, no leading
// slash, no NUL), every file is reached through an os.Root opened on its bucket, and the
// store never follows a symbolic link, whether it points inside the root or out of it.
// Writes go to a temporary file beside the object, synced, then renamed over it. With
// quotaBytes, a write that would take its bucket over the quota fails before it lands.
package fs

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Version is the plugin's own version.
const Version = "0.1.0"

//go:embed schema.json
var configSchema []byte

// Config is the plugin's configuration section (schema.json documents each field).
type Config struct {
	Root        string `json:"root"`
	UserPrefix  string `json:"userPrefix"`
	GroupPrefix string `json:"groupPrefix"`
	MaxPageSize int    `json:"maxPageSize"`
	QuotaBytes  int64  `json:"quotaBytes"`
}

// Defaults of the configuration.
const (
	DefaultUserPrefix  = "user-"
	DefaultGroupPrefix = "project-"
	DefaultMaxPageSize = 1000
	// MaxPresignExpiry is the longest validity a Presign request may ask, as on S3.
	MaxPresignExpiry = 7 * 24 * time.Hour
)

// Store is the local-files storage plugin. Its methods are safe for concurrent use.
type Store struct {
	log *slog.Logger

	mu sync.RWMutex
	st *state // nil until Configure succeeds
}

// state is what a configuration opens. A new Configure replaces it whole; calls in flight
// finish on the one they started with.
type state struct {
	cfg      Config
	root     *os.Root // the configured root
	internal *os.Root // root/.basalt: the store's own state
	// tree serialises creating and removing directories, so that a write never sees the
	// folder it is about to fill pruned under it.
	tree sync.Mutex
	// policies serialises read-modify-write cycles of the policy files.
	policies sync.Mutex
	quota    quotas
}

// New returns an unconfigured store that logs to log.
func New(log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{log: log}
}

func (s *Store) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindStorage, Name: "fs", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

func (s *Store) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: configSchema}, nil
}

func (s *Store) Configure(_ context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	st, err := openState(cfg)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	s.mu.Lock()
	// The previous state's roots are left to the garbage collector: calls in flight may
	// still be using them.
	s.st = st
	s.mu.Unlock()
	s.log.Info("configured", "root", cfg.Root, "userPrefix", cfg.UserPrefix, "groupPrefix", cfg.GroupPrefix, "quotaBytes", cfg.QuotaBytes)
	return sdk.ConfigureResponse{}, nil
}

// parseConfig decodes a configuration strictly, fills in the defaults and checks what the
// schema cannot say.
func parseConfig(raw []byte) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, sdk.Errorf(sdk.ErrInvalidArgument, "invalid configuration: %v", err)
	}
	if cfg.UserPrefix == "" {
		cfg.UserPrefix = DefaultUserPrefix
	}
	if cfg.GroupPrefix == "" {
		cfg.GroupPrefix = DefaultGroupPrefix
	}
	if cfg.MaxPageSize == 0 {
		cfg.MaxPageSize = DefaultMaxPageSize
	}
	var bad []sdk.FieldViolation
	if cfg.Root == "" {
		bad = append(bad, sdk.FieldViolation{Field: "root", Rule: "is required"})
	}
	for field, prefix := range map[string]string{"userPrefix": cfg.UserPrefix, "groupPrefix": cfg.GroupPrefix} {
		if !validName(prefix) || strings.HasPrefix(prefix, ".") {
			bad = append(bad, sdk.FieldViolation{Field: field, Rule: "must be a file name that does not start with a dot"})
		}
	}
	// A user named like a group's bucket would otherwise own that bucket.
	if strings.HasPrefix(cfg.UserPrefix, cfg.GroupPrefix) || strings.HasPrefix(cfg.GroupPrefix, cfg.UserPrefix) {
		bad = append(bad, sdk.FieldViolation{Field: "groupPrefix", Rule: "neither prefix may start the other"})
	}
	if cfg.QuotaBytes < 0 {
		bad = append(bad, sdk.FieldViolation{Field: "quotaBytes", Rule: "must not be negative (0: no quota)"})
	}
	if cfg.MaxPageSize < 1 || cfg.MaxPageSize > 10000 {
		bad = append(bad, sdk.FieldViolation{Field: "maxPageSize", Rule: "must be between 1 and 10000"})
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b sdk.FieldViolation) int { return strings.Compare(a.Field, b.Field) })
		return Config{}, sdk.InvalidFields("invalid configuration", bad...)
	}
	return cfg, nil
}

// Directory and file modes: the files belong to Basalt, not to other local accounts.
const (
	dirMode  = 0o700
	fileMode = 0o600
)

func openState(cfg Config) (*state, error) {
	if err := os.MkdirAll(cfg.Root, dirMode); err != nil {
		return nil, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "root", Rule: fmt.Sprintf("cannot be created: %v", err)})
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "root", Rule: fmt.Sprintf("cannot be opened: %v", err)})
	}
	for _, dir := range []string{internalDir, internalDir + "/meta", internalDir + "/policy"} {
		if err := root.Mkdir(dir, dirMode); err != nil && !errors.Is(err, iofs.ErrExist) {
			root.Close()
			return nil, fmt.Errorf("fs: create %s in the root: %w", dir, err)
		}
	}
	internal, err := root.OpenRoot(internalDir)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("fs: open %s in the root: %w", internalDir, err)
	}
	st := &state{cfg: cfg, root: root, internal: internal, quota: quotas{limit: cfg.QuotaBytes, buckets: map[string]*usage{}}}
	return st, nil
}

// internalDir is the store's own folder in the root; no bucket name starts with a dot.
const internalDir = ".basalt"

// state returns the current configuration's state.
func (s *Store) state() (*state, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.st == nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "the local-files store is not configured")
	}
	return s.st, nil
}

func (s *Store) Home(_ context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	st, err := s.state()
	if err != nil {
		return sdk.HomeResponse{}, err
	}
	if err := checkCaller(req.Caller); err != nil {
		return sdk.HomeResponse{}, err
	}
	if req.Project.Personal() {
		return sdk.HomeResponse{Home: sdk.ObjectRef{Bucket: st.cfg.UserPrefix + req.Caller.Username}}, nil
	}
	if !slices.Contains(req.Caller.Groups, req.Project.Group) || !validName(req.Project.Group) {
		return sdk.HomeResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q not found", req.Project.ID)
	}
	return sdk.HomeResponse{Home: sdk.ObjectRef{Bucket: st.cfg.GroupPrefix + req.Project.Group}}, nil
}

// Credentials is not offered: local files have no S3 endpoint nor keys that a service
// could use.
func (s *Store) Credentials(context.Context, sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	return sdk.CredentialsResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "local files have no S3 credentials")
}

var _ sdk.Storage = (*Store)(nil)
