package memory

import (
	"context"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/kvmodel"
	"github.com/basalt-dev/basalt/sdk/secrethome"
)

// Secrets is a versioned secret store in memory with Vault KV v2's semantics (see kvmodel).
// A user's secrets live under <username>/ and a group's under project-<group>/; any other
// path is reported as not found.
type Secrets struct {
	store *kvmodel.Store
}

// layout is where the homes are, as with the default secrets plugin.
var layout = secrethome.Layout{User: "{username}", Group: "project-{group}"}

// NewSecrets returns an empty store.
func NewSecrets() *Secrets { return &Secrets{store: kvmodel.NewStore(nil, kvmodel.Options{})} }

func (s *Secrets) Info(context.Context, sdk.InfoRequest) (sdk.InfoResponse, error) {
	return sdk.InfoResponse{Kind: sdk.KindSecrets, Name: "memory", Version: Version, ProtocolVersions: []int{sdk.ProtocolVersion}}, nil
}

const secretsSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "In-memory secret store",
  "type": "object",
  "properties": {},
  "additionalProperties": false
}`

func (s *Secrets) ConfigSchema(context.Context, sdk.ConfigSchemaRequest) (sdk.ConfigSchemaResponse, error) {
	return sdk.ConfigSchemaResponse{Schema: []byte(secretsSchema)}, nil
}

func (s *Secrets) Configure(_ context.Context, req sdk.ConfigureRequest) (sdk.ConfigureResponse, error) {
	var cfg struct{}
	return sdk.ConfigureResponse{}, decodeConfig(req.Config, &cfg)
}

func (s *Secrets) Home(_ context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	home, err := layout.Home(req.Caller, req.Project)
	return sdk.SecretsHomeResponse{Path: home}, err
}

func (s *Secrets) List(_ context.Context, req sdk.ListSecretsRequest) (sdk.ListSecretsResponse, error) {
	var resp sdk.ListSecretsResponse
	if strings.Trim(req.Path, "/") == "" {
		if req.Caller.Username == "" {
			return resp, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
		}
		for _, home := range layout.Homes(req.Caller) {
			resp.Entries = append(resp.Entries, sdk.SecretEntry{Name: home + "/", Folder: true})
		}
		return resp, nil
	}
	folder, err := layout.Resolve(req.Caller, req.Path, true)
	if err != nil {
		return resp, err
	}
	resp.Entries = s.store.List(folder)
	return resp, nil
}

func (s *Secrets) Read(_ context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	path, err := layout.Resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.ReadSecretResponse{}, err
	}
	return s.store.Read(path, req)
}

func (s *Secrets) Write(_ context.Context, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	path, err := layout.Resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.WriteSecretResponse{}, err
	}
	return s.store.Write(path, req)
}

func (s *Secrets) Delete(_ context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	path, err := layout.Resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.DeleteSecretResponse{}, err
	}
	return s.store.Delete(path, req)
}

func (s *Secrets) Undelete(_ context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	path, err := layout.Resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.UndeleteSecretResponse{}, err
	}
	return s.store.Undelete(path, req)
}

func (s *Secrets) Metadata(_ context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	path, err := layout.Resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.SecretMetadataResponse{}, err
	}
	return s.store.Metadata(path, req)
}

// Token is not offered: nothing outside this process can reach the store.
func (s *Secrets) Token(context.Context, sdk.SecretsTokenRequest) (sdk.SecretsTokenResponse, error) {
	return sdk.SecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "the memory store has no endpoint a service could reach")
}

// RevokeToken is not offered, as Token is not.
func (s *Secrets) RevokeToken(context.Context, sdk.RevokeSecretsTokenRequest) (sdk.RevokeSecretsTokenResponse, error) {
	return sdk.RevokeSecretsTokenResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "the memory store hands out no tokens")
}

var _ sdk.Secrets = (*Secrets)(nil)
