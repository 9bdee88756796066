// Package localsecrets is Basalt's secret store on one machine, the embedded default: the
// secrets contract over a single local file encrypted at rest with AES-256-GCM, with the
// semantics of Vault's KV version 2 (versions, soft delete, undelete, destroy, metadata,
// check-and-set).
//
// Each user's secrets live under their home (userHome, "{username}" by default) and each
// group's under the group's (groupHome, "project-{group}"); any other path is not found.
// Basalt keeps its own settings in a ".basalt/" folder of each home, an ordinary folder
// here. Every change rewrites the file through a temporary file and a rename, so that a
// crash at any moment leaves the previous or the new content, never a mix.
package localsecrets

import (
	"context"
	_ "embed"
	"encoding/base64"
	"log/slog"
	"sync"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/secrethome"
)

// Version is the plugin's own version.
const Version = "0.1.0"

//go:embed schema.json
var configSchema []byte

var schema = configschema.MustCompile(configSchema)

// Config is the plugin's configuration section (schema.json documents each field and holds
// its defaults and bounds).
type Config struct {
	File        string `json:"file"`
	Key         string `json:"key"`
	KeyFile     string `json:"keyFile"`
	UserHome    string `json:"userHome"`
	GroupHome   string `json:"groupHome"`
	MaxVersions int    `json:"maxVersions"`
}

// Store is the local secrets plugin. Its methods are safe for concurrent use.
type Store struct {
	log *slog.Logger

	mu    sync.RWMutex
	cfg   Config
	vault *vault // nil until Configure succeeds
}

// New returns an unconfigured store that logs to log.
func New(log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{log: log}
}

func (s *Store) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindSecrets, Name: "localsecrets", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

func (s *Store) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: configSchema}, nil
}

func (s *Store) Configure(_ context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	cfg, key, err := parseConfig(req.Config)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The file is locked by whoever has it open, this store included: let it go first.
	if s.vault != nil {
		s.vault.close()
		s.vault = nil
	}
	if key == nil {
		var created bool
		key, created, err = loadKeyFile(cfg.KeyFile, cfg.File)
		if err != nil {
			return sdk.ConfigureResponse{}, err
		}
		if created {
			s.log.Warn("created a new encryption key: keep a copy of it, the secrets cannot be read without it", "keyFile", cfg.KeyFile)
		}
		if mode, ok := looseMode(cfg.KeyFile); ok {
			s.log.Warn("the key file can be read by other accounts", "keyFile", cfg.KeyFile, "mode", mode.String())
		}
	}
	v, err := openVault(cfg.File, key, cfg.MaxVersions)
	clear(key)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	s.cfg, s.vault = cfg, v
	s.log.Info("configured", "file", cfg.File, "secrets", v.Len(), "userHome", cfg.UserHome, "groupHome", cfg.GroupHome)
	return sdk.ConfigureResponse{}, nil
}

// Close releases the store's file. The store can be configured again afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vault != nil {
		s.vault.close()
		s.vault = nil
	}
	return nil
}

// parseConfig decodes a configuration by the schema, which fills in the defaults and checks
// each field, then checks what the schema cannot say. It returns the key when the
// configuration gives it inline.
func parseConfig(raw []byte) (Config, []byte, error) {
	var cfg Config
	bad, err := schema.Decode(raw, &cfg)
	if err != nil {
		return Config{}, nil, err
	}
	var key []byte
	switch {
	case cfg.Key != "" && cfg.KeyFile != "":
		bad.Add("keyFile", "give key or keyFile, not both")
	case cfg.Key != "":
		k, err := base64.StdEncoding.DecodeString(cfg.Key)
		if err != nil || len(k) != keySize {
			bad.Add("key", "must be 32 bytes in standard base64")
		}
		key = k
	case cfg.KeyFile == "":
		cfg.KeyFile = cfg.File + ".key"
	}
	cfg.Key = "" // the key stays out of the configuration kept in memory
	for _, f := range cfg.layout().Validate("userHome", "groupHome") {
		bad.Add(f.Field, f.Rule)
	}
	if err := bad.Err("invalid configuration"); err != nil {
		clear(key)
		return Config{}, nil, err
	}
	return cfg, key, nil
}

// current returns the open vault and the configuration it was opened with.
func (s *Store) current() (*vault, Config, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.vault == nil {
		return nil, Config{}, sdk.Errorf(sdk.ErrUnavailable, "the local secrets store is not configured")
	}
	return s.vault, s.cfg, nil
}

// layout returns the home patterns of the configuration.
func (c Config) layout() secrethome.Layout {
	return secrethome.Layout{User: c.UserHome, Group: c.GroupHome}
}

func (s *Store) Home(_ context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	_, cfg, err := s.current()
	if err != nil {
		return sdk.SecretsHomeResponse{}, err
	}
	home, err := cfg.layout().Home(req.Caller, req.Project)
	return sdk.SecretsHomeResponse{Path: home}, err
}

// Token is not offered: nothing outside Basalt can reach a local file.
func (s *Store) Token(context.Context, sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	return sdk.SecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "the local secrets store has no endpoint a service could reach with a token")
}

// RevokeToken is not offered, as Token is not.
func (s *Store) RevokeToken(context.Context, sdk.RevokeSecretsTokenRequest) (sdk.RevokeSecretsTokenResponse, error) {
	return sdk.RevokeSecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "the local secrets store hands out no tokens")
}

var _ sdk.Secrets = (*Store)(nil)
