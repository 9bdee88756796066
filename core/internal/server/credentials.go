package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/snippets"
	"github.com/basalt-dev/basalt/sdk"
)

// StorageCredentials are the caller's own keys to the project's store, with the code that
// uses them in the user's tools.
type StorageCredentials struct {
	AccessKeyID     string             `json:"accessKeyId"`
	SecretAccessKey string             `json:"secretAccessKey"`
	SessionToken    string             `json:"sessionToken,omitempty"`
	Expiration      *time.Time         `json:"expiration,omitempty"`
	Endpoint        string             `json:"endpoint"`
	Region          string             `json:"region"`
	PathStyle       bool               `json:"pathStyle"`
	DefaultBucket   string             `json:"defaultBucket"`
	DefaultPrefix   string             `json:"defaultPrefix"`
	Snippets        []snippets.Snippet `json:"snippets"`
}

// SecretsCredentials are the caller's token to the secrets store and where their secrets are.
type SecretsCredentials struct {
	Token      string             `json:"token"`
	Expiration *time.Time         `json:"expiration,omitempty"`
	Address    string             `json:"address"`
	Mount      string             `json:"mount,omitempty"`
	Home       string             `json:"home"`
	Snippets   []snippets.Snippet `json:"snippets"`
}

func (s *Server) storageCredentials(c echo.Context) error {
	f := inFiles(c)
	creds, err := f.store.Credentials(c.Request().Context(), sdk.CredentialsRequest{Caller: f.user.Caller(), Project: f.project.SDK()})
	s.lacks.note(scopeOf(c).Region.Storage, lackStorageCredentials, err)
	if err != nil {
		return err
	}
	bucket, prefix := creds.DefaultBucket, creds.DefaultPrefix
	if bucket == "" {
		bucket, prefix = f.home.Bucket, f.home.Key
	}
	out := StorageCredentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
		Endpoint: creds.Endpoint, Region: creds.Region, PathStyle: creds.PathStyle, DefaultBucket: bucket, DefaultPrefix: prefix,
		Snippets: snippets.S3Snippets(snippets.S3{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
			SessionToken: creds.SessionToken, Endpoint: creds.Endpoint, Region: creds.Region, PathStyle: creds.PathStyle,
			Bucket: bucket, Prefix: prefix})}
	out.Expiration = httpapi.TimeOrNil(creds.Expiration)
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, out)
}

func (s *Server) secretsCredentials(c echo.Context) error {
	sc := inSecrets(c)
	tok, err := sc.store.Token(c.Request().Context(), sdk.SecretsTokenRequest{Caller: sc.user.Caller()})
	s.lacks.note(scopeOf(c).Region.Secrets, lackSecretsToken, err)
	if err != nil {
		return err
	}
	out := SecretsCredentials{Token: tok.Token, Address: tok.Address, Mount: tok.Mount, Home: sc.home,
		Snippets: snippets.VaultSnippets(snippets.Vault{Address: tok.Address, Token: tok.Token, Mount: tok.Mount, Home: sc.home})}
	out.Expiration = httpapi.TimeOrNil(tok.Expiration)
	httpapi.NoStore(c)
	return c.JSON(http.StatusOK, out)
}
