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
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/pluginbase"
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
	*pluginbase.Base[*settings]
	log      *slog.Logger
	sessions sessions
}

// New returns an unconfigured store that logs to log.
func New(log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{log: log, sessions: sessions{m: map[string]*session{}, busy: map[string]chan struct{}{}, now: time.Now}}
	s.Base = pluginbase.New(sdk.InfoResponse{Kind: sdk.KindSecrets, Name: "vault", Version: Version}, schema, s.newSettings)
	return s
}

func (s *Store) Configure(ctx context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	resp, err := s.Base.Configure(ctx, req)
	if err == nil {
		// Tokens of the previous configuration may belong to another Vault or role.
		s.sessions.clear()
	}
	return resp, err
}

func (s *Store) newSettings(_ context.Context, raw []byte) (*settings, error) {
	set, err := parseConfig(raw)
	if err != nil {
		return nil, err
	}
	s.log.Info("configured", "address", set.cfg.Address, "kvMount", set.cfg.KVMount, "jwtMount", set.cfg.JWTMount,
		"jwtRole", set.cfg.JWTRole, "userHome", set.cfg.UserHome, "groupHome", set.cfg.GroupHome, "limitedTokens", set.issuerToken != "")
	return set, nil
}

// parseConfig decodes a configuration by the schema, which fills in the defaults and checks
// each field, checks what the schema cannot say and builds the Vault client.
func parseConfig(raw []byte) (*settings, error) {
	var cfg Config
	bad, err := schema.Decode(raw, &cfg)
	if err != nil {
		return nil, err
	}
	if cfg.ServiceAddress == "" {
		cfg.ServiceAddress = cfg.Address
	}
	set := &settings{cfg: cfg, layout: secrethome.Layout{User: cfg.UserHome, Group: cfg.GroupHome}}
	for _, f := range set.layout.Validate("userHome", "groupHome") {
		bad.Add(f.Field, f.Rule)
	}
	if f := strings.TrimSuffix(cfg.ReservedFolder, "/"); f == "." || f == ".." {
		bad.Add("reservedFolder", "must be one folder name followed by /")
	}
	if set.tokenTTL, err = time.ParseDuration(cfg.TokenTTL); err != nil || set.tokenTTL < time.Minute {
		bad.Add("tokenTTL", "must be a duration of at least 1m, e.g. 24h")
	}
	if set.maxTokenTTL, err = time.ParseDuration(cfg.MaxTokenTTL); err != nil || set.maxTokenTTL < set.tokenTTL {
		bad.Add("maxTokenTTL", "must be a duration no shorter than tokenTTL")
	}
	if cfg.IssuerTokenFile != "" {
		data, err := os.ReadFile(cfg.IssuerTokenFile)
		set.issuerToken = strings.TrimSpace(string(data))
		if err != nil || set.issuerToken == "" {
			// The error names the file, never what it holds.
			bad.Add("issuerTokenFile", fmt.Sprintf("must be a readable file holding a token (%v)", errorOrEmpty(err)))
		}
	}
	if err := bad.Err("invalid configuration"); err != nil {
		return nil, err
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

func (s *Store) Home(_ context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	set, err := s.Live()
	if err != nil {
		return sdk.SecretsHomeResponse{}, err
	}
	home, err := set.layout.Home(req.Caller, req.Project)
	return sdk.SecretsHomeResponse{Path: home}, err
}

var _ sdk.Secrets = (*Store)(nil)
