// Package vault is Basalt's secrets plugin for HashiCorp Vault's KV version 2 engine.
//
// Every call acts as the user: the plugin logs in with the caller's OIDC ID token through
// Vault's JWT auth method and keeps the token it gets per user until shortly before it
// expires, renewing it while Vault allows. It holds no token of its own for users' calls, so
// Vault's policies decide what each user reads. The plugin also refuses any path outside the
// caller's homes (their own and their groups', from the userHome and groupHome patterns), so
// that a loose policy is not the only border between users.
//
// Tokens for services come in two kinds (see Token): the user's own, as Onyxia hands out,
// and, when an issuer token is configured, a short-lived orphan token that reads only the
// chosen secrets.
package vault

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/secrethome"
)

// Version is the plugin's own version.
const Version = "0.1.0"

//go:embed schema.json
var configSchema []byte

// Config is the plugin's configuration section (schema.json documents each field).
type Config struct {
	Address         string `json:"address"`
	ServiceAddress  string `json:"serviceAddress"`
	CAFile          string `json:"caFile"`
	TLSSkipVerify   bool   `json:"tlsSkipVerify"`
	KVMount         string `json:"kvMount"`
	JWTMount        string `json:"jwtMount"`
	JWTRole         string `json:"jwtRole"`
	UserHome        string `json:"userHome"`
	GroupHome       string `json:"groupHome"`
	ReservedFolder  string `json:"reservedFolder"`
	IssuerTokenFile string `json:"issuerTokenFile"`
	TokenRole       string `json:"tokenRole"`
	TokenTTL        string `json:"tokenTTL"`
	MaxTokenTTL     string `json:"maxTokenTTL"`
}

// Defaults of the configuration.
const (
	DefaultKVMount        = "secret"
	DefaultJWTMount       = "jwt"
	DefaultUserHome       = "{username}"
	DefaultGroupHome      = "project-{group}"
	DefaultReservedFolder = ".basalt/"
	DefaultTokenRole      = "basalt-secret"
	DefaultTokenTTL       = "24h"
	DefaultMaxTokenTTL    = "720h"
)

// settings is a parsed configuration with the client built from it.
type settings struct {
	cfg         Config
	layout      secrethome.Layout
	tokenTTL    time.Duration
	maxTokenTTL time.Duration
	issuerToken string // empty: no limited tokens
	client      *vaultapi.Client
}

// Store is the Vault secrets plugin. Its methods are safe for concurrent use.
type Store struct {
	log      *slog.Logger
	sessions sessions

	mu  sync.RWMutex
	set *settings // nil until Configure succeeds
}

// New returns an unconfigured store that logs to log.
func New(log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{log: log, sessions: sessions{m: map[string]*session{}, busy: map[string]chan struct{}{}, now: time.Now}}
}

func (s *Store) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindSecrets, Name: "vault", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

func (s *Store) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: configSchema}, nil
}

func (s *Store) Configure(_ context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	set, err := parseConfig(req.Config)
	if err != nil {
		return sdk.ConfigureResponse{}, err
	}
	s.mu.Lock()
	s.set = set
	s.mu.Unlock()
	// Tokens of the previous configuration may belong to another Vault or role.
	s.sessions.clear()
	s.log.Info("configured", "address", set.cfg.Address, "kvMount", set.cfg.KVMount, "jwtMount", set.cfg.JWTMount,
		"jwtRole", set.cfg.JWTRole, "userHome", set.cfg.UserHome, "groupHome", set.cfg.GroupHome, "limitedTokens", set.issuerToken != "")
	return sdk.ConfigureResponse{}, nil
}

// parseConfig decodes a configuration strictly, fills in the defaults, checks what the
// schema cannot say and builds the Vault client.
func parseConfig(raw []byte) (*settings, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, sdk.Errorf(sdk.ErrInvalidArgument, "invalid configuration: %v", err)
	}
	defaults := []struct {
		field *string
		value string
	}{
		{&cfg.KVMount, DefaultKVMount}, {&cfg.JWTMount, DefaultJWTMount},
		{&cfg.UserHome, DefaultUserHome}, {&cfg.GroupHome, DefaultGroupHome},
		{&cfg.ReservedFolder, DefaultReservedFolder}, {&cfg.TokenRole, DefaultTokenRole},
		{&cfg.TokenTTL, DefaultTokenTTL}, {&cfg.MaxTokenTTL, DefaultMaxTokenTTL},
		{&cfg.ServiceAddress, cfg.Address},
	}
	for _, d := range defaults {
		if *d.field == "" {
			*d.field = d.value
		}
	}
	cfg.KVMount, cfg.JWTMount = strings.Trim(cfg.KVMount, "/"), strings.Trim(cfg.JWTMount, "/")
	set := &settings{cfg: cfg, layout: secrethome.Layout{User: cfg.UserHome, Group: cfg.GroupHome}}

	var bad []sdk.FieldViolation
	if !strings.HasPrefix(cfg.Address, "http://") && !strings.HasPrefix(cfg.Address, "https://") {
		bad = append(bad, sdk.FieldViolation{Field: "address", Rule: "is required, an http:// or https:// URL"})
	}
	if !strings.HasPrefix(cfg.ServiceAddress, "http://") && !strings.HasPrefix(cfg.ServiceAddress, "https://") {
		bad = append(bad, sdk.FieldViolation{Field: "serviceAddress", Rule: "must be an http:// or https:// URL"})
	}
	if cfg.JWTRole == "" {
		bad = append(bad, sdk.FieldViolation{Field: "jwtRole", Rule: "is required"})
	}
	if cfg.KVMount == "" {
		bad = append(bad, sdk.FieldViolation{Field: "kvMount", Rule: "must not be empty"})
	}
	if cfg.JWTMount == "" {
		bad = append(bad, sdk.FieldViolation{Field: "jwtMount", Rule: "must not be empty"})
	}
	bad = append(bad, set.layout.Validate("userHome", "groupHome")...)
	if f := strings.TrimSuffix(cfg.ReservedFolder, "/"); f == "" || strings.ContainsRune(f, '/') || f == "." || f == ".." {
		bad = append(bad, sdk.FieldViolation{Field: "reservedFolder", Rule: "must be one folder name followed by /"})
	}
	var err error
	if set.tokenTTL, err = time.ParseDuration(cfg.TokenTTL); err != nil || set.tokenTTL < time.Minute {
		bad = append(bad, sdk.FieldViolation{Field: "tokenTTL", Rule: "must be a duration of at least 1m, e.g. 24h"})
	}
	if set.maxTokenTTL, err = time.ParseDuration(cfg.MaxTokenTTL); err != nil || set.maxTokenTTL < set.tokenTTL {
		bad = append(bad, sdk.FieldViolation{Field: "maxTokenTTL", Rule: "must be a duration no shorter than tokenTTL"})
	}
	if cfg.IssuerTokenFile != "" {
		data, err := os.ReadFile(cfg.IssuerTokenFile)
		set.issuerToken = strings.TrimSpace(string(data))
		if err != nil || set.issuerToken == "" {
			// The error names the file, never what it holds.
			bad = append(bad, sdk.FieldViolation{Field: "issuerTokenFile", Rule: fmt.Sprintf("must be a readable file holding a token (%v)", errorOrEmpty(err))})
		}
	}
	if len(bad) > 0 {
		return nil, sdk.InvalidFields("invalid configuration", bad...)
	}
	if set.client, err = newClient(cfg); err != nil {
		return nil, sdk.InvalidFields("invalid configuration", sdk.FieldViolation{Field: "caFile", Rule: err.Error()})
	}
	return set, nil
}

func errorOrEmpty(err error) string {
	if err == nil {
		return "it is empty"
	}
	return err.Error()
}

// newClient builds a Vault client that holds no token: every request sets the one it acts
// with, so that a VAULT_TOKEN in the plugin's environment can never be used by mistake.
func newClient(cfg Config) (*vaultapi.Client, error) {
	vc := vaultapi.DefaultConfig()
	vc.Address = cfg.Address
	vc.MaxRetries = 1
	if vc.Error != nil {
		return nil, vc.Error
	}
	if cfg.CAFile != "" || cfg.TLSSkipVerify {
		if err := vc.ConfigureTLS(&vaultapi.TLSConfig{CACert: cfg.CAFile, Insecure: cfg.TLSSkipVerify}); err != nil {
			return nil, err
		}
	}
	c, err := vaultapi.NewClient(vc)
	if err != nil {
		return nil, err
	}
	c.ClearToken()
	c.SetNamespace("")
	return c, nil
}

// current returns the settings of the last successful Configure.
func (s *Store) current() (*settings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.set == nil {
		return nil, sdk.Errorf(sdk.ErrUnavailable, "the Vault secrets plugin is not configured")
	}
	return s.set, nil
}

func (s *Store) Home(_ context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	set, err := s.current()
	if err != nil {
		return sdk.SecretsHomeResponse{}, err
	}
	home, err := set.layout.Home(req.Caller, req.Project)
	return sdk.SecretsHomeResponse{Path: home}, err
}

var _ sdk.Secrets = (*Store)(nil)
