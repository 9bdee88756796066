// Package config owns Basalt's configuration: its shape, the embedded defaults, loading with
// koanf (defaults, then a YAML file, then BASALT_* environment variables, then flags) and
// validation with errors that name the key at fault.
package config

import (
	_ "embed"
	"time"
)

// DefaultYAML is the embedded default configuration, the base every other source overrides.
//
//go:embed default.yaml
var DefaultYAML []byte

// Config is the whole configuration of a Basalt instance.
type Config struct {
	Server   Server            `koanf:"server"`
	Log      Log               `koanf:"log"`
	UI       UI                `koanf:"ui"`
	Auth     Auth              `koanf:"auth"`
	Authz    Authz             `koanf:"authz"`
	Projects Projects          `koanf:"projects"`
	Plugins  map[string]Plugin `koanf:"plugins"`
	Regions  []Region          `koanf:"regions"`
	Launch   Launch            `koanf:"launch"`
}

// Region is where users' services run and their data lives: each names the plugin instances
// it uses. The first region is the default.
type Region struct {
	ID          string `koanf:"id"`
	Name        string `koanf:"name"`
	Description string `koanf:"description"`
	// Plugin instance names (keys of plugins); empty when the region lacks that feature.
	Region  string `koanf:"region"`
	Storage string `koanf:"storage"`
	Secrets string `koanf:"secrets"`
	// Settings is a YAML file of Onyxia-shaped region settings for launches (expose domain,
	// resources, sliders, injections, Vault...); empty for none.
	Settings string `koanf:"settings"`
	// HidePersonalInfoInGroups leaves personal data out of group launches.
	HidePersonalInfoInGroups bool `koanf:"hide_personal_info_in_groups"`
}

// Launch configures the launch pipeline.
type Launch struct {
	// Schemas is a directory of administrator schemas for overwriteSchemaWith (roles in
	// roles/<role>/); empty uses Basalt's built-in schemas only.
	Schemas string `koanf:"schemas"`
}

// Auth says who callers are: one local user (the embedded default), or users of an OIDC
// provider.
type Auth struct {
	Mode    string    `koanf:"mode"`
	Local   LocalUser `koanf:"local"`
	OIDC    OIDC      `koanf:"oidc"`
	Session Session   `koanf:"session"`
}

// OIDC is the identity provider of oidc mode: the portal signs users in with the
// authorization-code flow and PKCE; API clients send bearer tokens.
type OIDC struct {
	IssuerURL    string   `koanf:"issuer_url"`
	ClientID     string   `koanf:"client_id"`
	ClientSecret string   `koanf:"client_secret"` // empty for a public client (PKCE only)
	Scopes       []string `koanf:"scopes"`
	// Audience is what bearer tokens must be issued for; empty: the client id.
	Audience    string            `koanf:"audience"`
	ExtraParams map[string]string `koanf:"extra_params"` // added to the authorization request
	// Claims: dotted paths into the token (e.g. realm_access.roles).
	UsernameClaim string `koanf:"username_claim"`
	NameClaim     string `koanf:"name_claim"`
	EmailClaim    string `koanf:"email_claim"`
	GroupsClaim   string `koanf:"groups_claim"`
	RolesClaim    string `koanf:"roles_claim"`
}

// Session is the portal's sign-in session, kept in an encrypted cookie so that any replica
// serves it.
type Session struct {
	// Key encrypts session cookies; every replica needs the same. At least 32 characters.
	Key         string        `koanf:"key"`
	IdleTimeout time.Duration `koanf:"idle_timeout"`
	MaxAge      time.Duration `koanf:"max_age"`
}

// LocalUser is the single user of local mode. An empty username takes the operating
// system's user name.
type LocalUser struct {
	Username string   `koanf:"username"`
	Name     string   `koanf:"name"`
	Email    string   `koanf:"email"`
	Groups   []string `koanf:"groups"`
	Roles    []string `koanf:"roles"`
}

// Projects turns users and groups into project ids: the personal project and one per group.
type Projects struct {
	UserPrefix  string `koanf:"user_prefix"`
	GroupPrefix string `koanf:"group_prefix"`
}

// Server is the HTTP listener.
type Server struct {
	Address         string        `koanf:"address"`
	PublicURL       string        `koanf:"public_url"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

// Log sets the structured log of the core; plugins' logs are forwarded into it.
type Log struct {
	Level  string `koanf:"level"`
	Format string `koanf:"format"`
}

// UI is the branding the portal applies without a rebuild.
type UI struct {
	Name      string   `koanf:"name"`
	LogoURL   string   `koanf:"logo_url"`
	Palette   Palette  `koanf:"palette"`
	Languages []string `koanf:"languages"`
}

type Palette struct {
	Primary string `koanf:"primary"`
}

// Plugin is one plugin instance: which binary to run and the configuration it receives once
// validated against the JSON Schema the plugin publishes.
type Plugin struct {
	// Enabled false drops the instance, e.g. one of the embedded defaults.
	Enabled *bool    `koanf:"enabled"`
	Kind    string   `koanf:"kind"`
	Path    string   `koanf:"path"`
	Args    []string `koanf:"args"`
	// SHA256, when set, is checked against the binary before every start.
	SHA256       string         `koanf:"sha256"`
	StartTimeout time.Duration  `koanf:"start_timeout"`
	Config       map[string]any `koanf:"config"`
}
