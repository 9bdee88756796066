package onyxiaimport

import (
	"bytes"

	"go.yaml.in/yaml/v3"
)

// basaltConfig is the part of Basalt's configuration an import writes, in the order an
// administrator reads it; empty fields keep Basalt's defaults.
type basaltConfig struct {
	Server   server                  `yaml:"server,omitempty"`
	UI       ui                      `yaml:"ui,omitempty"`
	Auth     auth                    `yaml:"auth,omitempty"`
	Projects projects                `yaml:"projects,omitempty"`
	Plugins  map[string]basaltPlugin `yaml:"plugins"`
	Regions  []basaltRegion          `yaml:"regions"`
}

type server struct {
	Address   string `yaml:"address,omitempty"`
	PublicURL string `yaml:"public_url,omitempty"`
}

type ui struct {
	Name      string   `yaml:"name,omitempty"`
	LogoURL   string   `yaml:"logo_url,omitempty"`
	Palette   palette  `yaml:"palette,omitempty"`
	Languages []string `yaml:"languages,omitempty,flow"`
}

type palette struct {
	Primary string `yaml:"primary,omitempty"`
}

type auth struct {
	Mode string `yaml:"mode,omitempty"`
	OIDC oidc   `yaml:"oidc,omitempty"`
}

type oidc struct {
	IssuerURL     string            `yaml:"issuer_url,omitempty"`
	ClientID      string            `yaml:"client_id,omitempty"`
	Scopes        []string          `yaml:"scopes,omitempty,flow"`
	Audience      string            `yaml:"audience,omitempty"`
	ExtraParams   map[string]string `yaml:"extra_params,omitempty"`
	UsernameClaim string            `yaml:"username_claim,omitempty"`
	GroupsClaim   string            `yaml:"groups_claim,omitempty"`
	RolesClaim    string            `yaml:"roles_claim,omitempty"`
}

type projects struct {
	UserPrefix  string `yaml:"user_prefix,omitempty"`
	GroupPrefix string `yaml:"group_prefix,omitempty"`
}

type basaltPlugin struct {
	Enabled *bool          `yaml:"enabled,omitempty"`
	Kind    string         `yaml:"kind,omitempty"`
	Path    string         `yaml:"path,omitempty"`
	Config  map[string]any `yaml:"config,omitempty"`
}

type basaltRegion struct {
	ID                       string `yaml:"id"`
	Name                     string `yaml:"name,omitempty"`
	Description              string `yaml:"description,omitempty"`
	Region                   string `yaml:"region,omitempty"`
	Storage                  string `yaml:"storage,omitempty"`
	Secrets                  string `yaml:"secrets,omitempty"`
	Settings                 string `yaml:"settings,omitempty"`
	HidePersonalInfoInGroups bool   `yaml:"hide_personal_info_in_groups,omitempty"`
	MonitoringURL            string `yaml:"monitoring_url,omitempty"`
}

func newConfig() *basaltConfig {
	off := false
	// The embedded defaults' local plugins are for one machine: an imported instance starts
	// without them.
	return &basaltConfig{Plugins: map[string]basaltPlugin{
		"files": {Enabled: &off}, "secrets": {Enabled: &off},
	}}
}

const header = `# Basalt configuration imported from an Onyxia instance by "basalt import onyxia".
# Every key is described in docs/configuration.md. Secrets are not imported: give
# BASALT_AUTH__SESSION__KEY (and BASALT_AUTH__OIDC__CLIENT_SECRET for a confidential client)
# in the environment.
`

func marshal(cfg *basaltConfig) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(cfg); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
