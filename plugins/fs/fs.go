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
	"context"
	_ "embed"
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
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/filetree"
	"github.com/basalt-dev/basalt/sdk/pluginbase"
)

// Version is the plugin's own version.
const Version = "0.1.0"

//go:embed schema.json
var configSchema []byte

var schema = configschema.MustCompile(configSchema)

// Config is the plugin's configuration section (schema.json documents each field and holds
// its defaults and bounds).
type Config struct {
	Root        string `json:"root"`
	UserPrefix  string `json:"userPrefix"`
	GroupPrefix string `json:"groupPrefix"`
	MaxPageSize int    `json:"maxPageSize"`
	QuotaBytes  int64  `json:"quotaBytes"`
}

// MaxPresignExpiry is the longest validity a Presign request may ask, as on S3.
const MaxPresignExpiry = 7 * 24 * time.Hour

// Store is the local-files storage plugin. Its methods are safe for concurrent use.
type Store struct {
	*pluginbase.Base[*state]
	log *slog.Logger
}

// state is what a configuration opens. A new Configure replaces it whole; calls in flight
// finish on the one they started with, and the previous state's roots are left to the
// garbage collector for them.
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
	s := &Store{log: log}
	s.Base = pluginbase.New(sdk.InfoResponse{Kind: sdk.KindStorage, Name: "fs", Version: Version}, schema, s.newState)
	return s
}

func (s *Store) newState(_ context.Context, raw []byte) (*state, error) {
	cfg, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	st, err := openState(cfg)
	if err != nil {
		return nil, err
	}
	s.log.Info("configured", "root", cfg.Root, "userPrefix", cfg.UserPrefix, "groupPrefix", cfg.GroupPrefix, "quotaBytes", cfg.QuotaBytes)
	return st, nil
}

// parseConfig decodes a configuration by the schema, which fills in the defaults and checks
// each field, then checks what the schema cannot say.
func parseConfig(raw []byte) (Config, error) {
	var cfg Config
	bad, err := schema.Decode(raw, &cfg)
	if err != nil {
		return Config{}, err
	}
	// A user named like a group's bucket would otherwise own that bucket.
	if strings.HasPrefix(cfg.UserPrefix, cfg.GroupPrefix) || strings.HasPrefix(cfg.GroupPrefix, cfg.UserPrefix) {
		bad.Add("groupPrefix", "neither prefix may start the other")
	}
	if err := bad.Err("invalid configuration"); err != nil {
		return Config{}, err
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

func (s *Store) Home(_ context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.HomeResponse{}, err
	}
	if err := filetree.CheckCaller(req.Caller); err != nil {
		return sdk.HomeResponse{}, err
	}
	if req.Project.Personal() {
		return sdk.HomeResponse{Home: sdk.ObjectRef{Bucket: st.cfg.UserPrefix + req.Caller.Username}}, nil
	}
	if !slices.Contains(req.Caller.Groups, req.Project.Group) || !filetree.ValidName(req.Project.Group) {
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
