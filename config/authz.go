package config

import (
	_ "embed"
	"os"
)

// The default authorization model and policy, used when authz.model or authz.policy is empty.
var (
	//go:embed policy/model.conf
	DefaultModel string
	//go:embed policy/policy.csv
	DefaultPolicy string
)

// Authz locates the casbin model and policy and says which token roles are Basalt roles.
type Authz struct {
	Model      string            `koanf:"model" doc:"A casbin model file; empty: the embedded default (config/policy/model.conf)."`
	Policy     string            `koanf:"policy" doc:"A casbin policy file, reloaded when it changes; empty: the embedded default (config/policy/policy.csv)."`
	RoleClaims map[string]string `koanf:"role_claims" doc:"Maps a value of the token's roles claim to a Basalt role (role:<value> in the policy)."`
}

// ModelText returns the model's text.
func (a Authz) ModelText() (string, error) {
	if a.Model == "" {
		return DefaultModel, nil
	}
	b, err := os.ReadFile(a.Model)
	return string(b), err
}

// PolicyText returns the policy's text.
func (a Authz) PolicyText() (string, error) {
	if a.Policy == "" {
		return DefaultPolicy, nil
	}
	b, err := os.ReadFile(a.Policy)
	return string(b), err
}
