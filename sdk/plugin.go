package sdk

import "context"

// Kind names one of the four plugin contracts.
type Kind string

const (
	KindStorage Kind = "storage"
	KindSecrets Kind = "secrets"
	KindCatalog Kind = "catalog"
	KindRegion  Kind = "region"
)

// Kinds lists every plugin kind.
var Kinds = []Kind{KindStorage, KindSecrets, KindCatalog, KindRegion}

// ProtocolVersion is the major version of the plugin protocol this sdk speaks. A plugin and
// the core agree on the highest version both know during the handshake.
const ProtocolVersion = 1

// Plugin is the base every plugin kind shares: what it is, the JSON Schema of its
// configuration, and how it receives that configuration.
type Plugin interface {
	Info(ctx context.Context, req InfoRequest) (InfoResponse, error)
	ConfigSchema(ctx context.Context, req ConfigSchemaRequest) (ConfigSchemaResponse, error)
	// Configure is called once the core has validated the configuration against the schema,
	// before any other call, and again whenever the plugin is restarted.
	Configure(ctx context.Context, req ConfigureRequest) (ConfigureResponse, error)
}

type InfoRequest struct{}

type InfoResponse struct {
	Kind             Kind
	Name             string // e.g. "s3", "vault"
	Version          string // the plugin's own version
	ProtocolVersions []int  // plugin protocol major versions it speaks
}

type ConfigSchemaRequest struct{}

type ConfigSchemaResponse struct {
	Schema []byte // a JSON Schema (draft 2020-12 or 7) for the plugin's configuration section
}

type ConfigureRequest struct {
	Config []byte // the plugin's configuration section, as JSON
}

type ConfigureResponse struct{}

// Caller is the user on whose behalf the core calls a plugin. The core has authenticated and
// authorized the call; plugins use Caller to act with the user's own rights where the backend
// supports it (S3 STS, Vault JWT login, Kubernetes impersonation).
type Caller struct {
	Subject  string
	Username string
	Email    string
	Groups   []string
	Roles    []string
	// IDToken is the user's OIDC ID token, empty in local mode. It is a credential: never log it.
	IDToken string
}

// Project is where a call acts: the caller's personal project or one of their groups'.
type Project struct {
	ID    string // e.g. "user-alice" or "project-data-team"
	Group string // the group's name; empty for a personal project
}

// Personal reports whether the project is a user's own.
func (p Project) Personal() bool { return p.Group == "" }
