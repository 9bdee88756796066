package localsecrets

import (
	"context"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// maxSecretSize bounds what one secret may hold: the whole store is rewritten on every change.
const maxSecretSize = 1 << 20

// access opens the store for a call on path by the caller (see secrethome.Layout.Resolve).
func (s *Store) access(c sdk.Caller, path string, folder bool) (*vault, Config, string, error) {
	v, cfg, err := s.current()
	if err != nil {
		return nil, Config{}, "", err
	}
	p, err := cfg.layout().Resolve(c, path, folder)
	if err != nil {
		return nil, Config{}, "", err
	}
	return v, cfg, p, nil
}

func (s *Store) List(_ context.Context, req sdk.ListSecretsRequest) (sdk.ListSecretsResponse, error) {
	var resp sdk.ListSecretsResponse
	if strings.Trim(req.Path, "/") == "" {
		// The root shows the caller's homes, and nothing of anyone else's.
		_, cfg, err := s.current()
		if err != nil {
			return resp, err
		}
		if req.Caller.Username == "" {
			return resp, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
		}
		for _, home := range cfg.layout().Homes(req.Caller) {
			resp.Entries = append(resp.Entries, sdk.SecretEntry{Name: home + "/", Folder: true})
		}
		return resp, nil
	}
	v, _, folder, err := s.access(req.Caller, req.Path, true)
	if err != nil {
		return resp, err
	}
	resp.Entries = v.List(folder)
	return resp, nil
}

func (s *Store) Read(_ context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.ReadSecretResponse{}, err
	}
	return v.Read(path, req)
}

func (s *Store) Write(_ context.Context, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.WriteSecretResponse{}, err
	}
	size := 0
	for k, val := range req.Data {
		size += len(k) + len(val)
	}
	if size > maxSecretSize {
		return sdk.WriteSecretResponse{}, sdk.InvalidFields("secret too large", sdk.FieldViolation{Field: "data", Rule: "must hold at most 1 MiB of keys and values"})
	}
	return v.Write(path, req)
}

func (s *Store) Delete(_ context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.DeleteSecretResponse{}, err
	}
	return v.Delete(path, req)
}

func (s *Store) Undelete(_ context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.UndeleteSecretResponse{}, err
	}
	return v.Undelete(path, req)
}

func (s *Store) Metadata(_ context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.SecretMetadataResponse{}, err
	}
	return v.Metadata(path, req)
}
