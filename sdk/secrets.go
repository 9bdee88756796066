package sdk

import (
	"context"
	"time"
)

// Secrets is the contract of secret stores (Vault KV v2, a local encrypted file). Secrets are
// versioned maps of keys to string values at slash-separated paths; folders are path prefixes.
type Secrets interface {
	Plugin

	// Home returns the top folder of the caller's secrets for a project.
	Home(ctx context.Context, req SecretsHomeRequest) (SecretsHomeResponse, error)
	List(ctx context.Context, req ListSecretsRequest) (ListSecretsResponse, error)
	// Read returns the latest version, or the one asked for.
	Read(ctx context.Context, req ReadSecretRequest) (ReadSecretResponse, error)
	// Write stores a new version. With CheckVersion set, it fails with ErrConflict unless the
	// current version is that one (0: the secret must not exist).
	Write(ctx context.Context, req WriteSecretRequest) (WriteSecretResponse, error)
	// Delete soft-deletes versions (the latest when none is named), or destroys them for good,
	// or removes the secret with all its versions and metadata.
	Delete(ctx context.Context, req DeleteSecretRequest) (DeleteSecretResponse, error)
	Undelete(ctx context.Context, req UndeleteSecretRequest) (UndeleteSecretResponse, error)
	Metadata(ctx context.Context, req SecretMetadataRequest) (SecretMetadataResponse, error)
	// Token hands out a token of the caller's own for the store, to be injected into services.
	Token(ctx context.Context, req SecretsTokenRequest) (SecretsTokenResponse, error)
	// RevokeToken revokes a token that Token handed out to the caller, named by its accessor
	// (when the service it was made for is deleted). A token already gone is not an error.
	RevokeToken(ctx context.Context, req RevokeSecretsTokenRequest) (RevokeSecretsTokenResponse, error)
}

type SecretsHomeRequest struct {
	Caller  Caller
	Project Project
}

type SecretsHomeResponse struct {
	Path string // e.g. "alice" or "projet-data-team"
}

type ListSecretsRequest struct {
	Caller Caller
	Path   string // a folder; "" is the root
}

type SecretEntry struct {
	Name   string // the last path element; folders end in "/"
	Folder bool
}

type ListSecretsResponse struct {
	Entries []SecretEntry
}

type ReadSecretRequest struct {
	Caller  Caller
	Path    string
	Version int // 0 reads the latest
}

type ReadSecretResponse struct {
	Path    string
	Data    map[string]string
	Version int
	Created time.Time
}

type WriteSecretRequest struct {
	Caller       Caller
	Path         string
	Data         map[string]string
	CheckVersion *int
}

type WriteSecretResponse struct {
	Version int
}

type DeleteSecretRequest struct {
	Caller   Caller
	Path     string
	Versions []int
	Destroy  bool // make the versions unrecoverable
	All      bool // remove the secret, every version and its metadata
}

type DeleteSecretResponse struct{}

type UndeleteSecretRequest struct {
	Caller   Caller
	Path     string
	Versions []int
}

type UndeleteSecretResponse struct{}

type SecretMetadataRequest struct {
	Caller Caller
	Path   string
}

type SecretVersion struct {
	Version   int
	Created   time.Time
	Deleted   time.Time // zero unless soft-deleted
	Destroyed bool
}

type SecretMetadataResponse struct {
	Path           string
	CurrentVersion int
	Versions       []SecretVersion // oldest first
	Created        time.Time
	Updated        time.Time
}

type SecretsTokenRequest struct {
	Caller Caller
	// Paths, when set, limits the token to reading these secrets.
	Paths []string
	TTL   time.Duration // 0 lets the plugin choose
}

type SecretsTokenResponse struct {
	Token string
	// Accessor names the token without granting anything: keep it to revoke the token.
	Accessor   string
	Expiration time.Time
	Renewable  bool
	Address    string // where services reach the store
	Mount      string // e.g. the KV mount name
}

type RevokeSecretsTokenRequest struct {
	Caller   Caller
	Accessor string // from SecretsTokenResponse
}

type RevokeSecretsTokenResponse struct{}
