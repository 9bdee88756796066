package vault

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	vaultapi "github.com/hashicorp/vault/api"

	"github.com/basalt-dev/basalt/sdk"
)

// kvPath is the API path of a secret under one of the KV v2 endpoints (data, metadata,
// delete, undelete, destroy).
func (set *settings) kvPath(endpoint, path string) string {
	return set.cfg.KVMount + "/" + endpoint + "/" + path
}

// resolve checks that the caller may use path (see secrethome.Layout.Resolve).
func (s *Store) resolve(c sdk.Caller, path string, folder bool) (string, error) {
	set, err := s.Live()
	if err != nil {
		return "", err
	}
	return set.layout.Resolve(c, path, folder)
}

func (s *Store) List(ctx context.Context, req sdk.ListSecretsRequest) (sdk.ListSecretsResponse, error) {
	var resp sdk.ListSecretsResponse
	if strings.Trim(req.Path, "/") == "" {
		// The root shows the caller's homes, and nothing of anyone else's.
		set, err := s.Live()
		if err != nil {
			return resp, err
		}
		if req.Caller.Username == "" {
			return resp, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
		}
		for _, home := range set.layout.Homes(req.Caller) {
			resp.Entries = append(resp.Entries, sdk.SecretEntry{Name: home + "/", Folder: true})
		}
		return resp, nil
	}
	folder, err := s.resolve(req.Caller, req.Path, true)
	if err != nil {
		return resp, err
	}
	err = s.asCaller(ctx, req.Caller, func(set *settings, vc *vaultapi.Client) error {
		secret, err := vc.Logical().ListWithContext(ctx, set.kvPath("metadata", folder))
		if err != nil || secret == nil {
			return err // nothing listed: an empty folder
		}
		keys, _ := secret.Data["keys"].([]any)
		for _, k := range keys {
			name, _ := k.(string)
			if name != "" {
				resp.Entries = append(resp.Entries, sdk.SecretEntry{Name: name, Folder: strings.HasSuffix(name, "/")})
			}
		}
		return nil
	})
	slices.SortFunc(resp.Entries, func(a, b sdk.SecretEntry) int { return strings.Compare(a.Name, b.Name) })
	return resp, describe(err, "listing %q", folder)
}

func (s *Store) Read(ctx context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	path, err := s.resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.ReadSecretResponse{}, err
	}
	if req.Version < 0 {
		return sdk.ReadSecretResponse{}, sdk.InvalidFields("invalid version", sdk.FieldViolation{Field: "version", Rule: "must be 0 (the latest) or a version number"})
	}
	resp := sdk.ReadSecretResponse{Path: path}
	err = s.asCaller(ctx, req.Caller, func(set *settings, vc *vaultapi.Client) error {
		var query map[string][]string
		if req.Version > 0 {
			query = map[string][]string{"version": {strconv.Itoa(req.Version)}}
		}
		secret, err := vc.Logical().ReadWithDataWithContext(ctx, set.kvPath("data", path), query)
		if err != nil {
			return err
		}
		// A missing secret has no answer; a deleted or destroyed version has metadata only.
		var data map[string]any
		if secret != nil {
			data, _ = secret.Data["data"].(map[string]any)
		}
		if data == nil {
			return notFound(path, req.Version)
		}
		meta, _ := secret.Data["metadata"].(map[string]any)
		resp.Data = make(map[string]string, len(data))
		for k, v := range data {
			resp.Data[k] = stringValue(v)
		}
		resp.Version = number(meta["version"])
		resp.Created = timeValue(meta["created_time"])
		return nil
	})
	return resp, describe(err, "reading %q", path)
}

func notFound(path string, version int) error {
	if version > 0 {
		return sdk.Errorf(sdk.ErrNotFound, "version %d of secret %q not found", version, path)
	}
	return sdk.Errorf(sdk.ErrNotFound, "secret %q not found", path)
}

// stringValue is a value as the contract carries it: strings as they are, anything another
// client stored (numbers, objects) in JSON.
func stringValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// number reads a JSON number of a Vault answer.
func number(v any) int {
	switch n := v.(type) {
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

func timeValue(v any) time.Time {
	s, _ := v.(string)
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func (s *Store) Write(ctx context.Context, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	path, err := s.resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.WriteSecretResponse{}, err
	}
	body := map[string]any{"data": req.Data}
	if req.Data == nil {
		body["data"] = map[string]string{}
	}
	if req.CheckVersion != nil {
		if *req.CheckVersion < 0 {
			return sdk.WriteSecretResponse{}, sdk.InvalidFields("invalid check version", sdk.FieldViolation{Field: "checkVersion", Rule: "must be 0 (the secret must not exist) or a version number"})
		}
		body["options"] = map[string]any{"cas": *req.CheckVersion}
	}
	var resp sdk.WriteSecretResponse
	err = s.asCaller(ctx, req.Caller, func(set *settings, vc *vaultapi.Client) error {
		secret, err := vc.Logical().WriteWithContext(ctx, set.kvPath("data", path), body)
		if err != nil {
			if req.CheckVersion != nil && isBadRequest(err) {
				return s.casConflict(ctx, set, vc, path, *req.CheckVersion, err)
			}
			return err
		}
		if secret == nil {
			return sdk.Errorf(sdk.ErrUnavailable, "Vault answered the write without a version")
		}
		resp.Version = number(secret.Data["version"])
		return nil
	})
	return resp, describe(err, "writing %q", path)
}

// casConflict tells a check-and-set mismatch, which Vault answers with a 400 like any bad
// request, from other refusals: it compares the secret's current version with the one
// expected.
func (s *Store) casConflict(ctx context.Context, set *settings, vc *vaultapi.Client, path string, want int, writeErr error) error {
	current := 0
	secret, err := vc.Logical().ReadWithContext(ctx, set.kvPath("metadata", path))
	if err != nil {
		return writeErr
	}
	if secret != nil {
		current = number(secret.Data["current_version"])
	}
	if current != want {
		return sdk.Errorf(sdk.ErrConflict, "secret %q is at version %d, not %d", path, current, want)
	}
	return writeErr
}

func (s *Store) Delete(ctx context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	path, err := s.resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.DeleteSecretResponse{}, err
	}
	err = s.asCaller(ctx, req.Caller, func(set *settings, vc *vaultapi.Client) error {
		switch {
		case req.All:
			if _, err := s.metadata(ctx, set, vc, path); err != nil {
				return err
			}
			_, err := vc.Logical().DeleteWithContext(ctx, set.kvPath("metadata", path))
			return err
		case req.Destroy:
			return s.onVersions(ctx, set, vc, "destroy", path, req.Versions)
		case len(req.Versions) == 0:
			if _, err := s.metadata(ctx, set, vc, path); err != nil {
				return err
			}
			_, err := vc.Logical().DeleteWithContext(ctx, set.kvPath("data", path))
			return err
		default:
			return s.onVersions(ctx, set, vc, "delete", path, req.Versions)
		}
	})
	return sdk.DeleteSecretResponse{}, describe(err, "deleting %q", path)
}

func (s *Store) Undelete(ctx context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	path, err := s.resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.UndeleteSecretResponse{}, err
	}
	err = s.asCaller(ctx, req.Caller, func(set *settings, vc *vaultapi.Client) error {
		return s.onVersions(ctx, set, vc, "undelete", path, req.Versions)
	})
	return sdk.UndeleteSecretResponse{}, describe(err, "undeleting %q", path)
}

// onVersions calls one of the versions endpoints (delete, undelete, destroy) on the versions
// named, or on the current one when none is. The secret must exist.
func (s *Store) onVersions(ctx context.Context, set *settings, vc *vaultapi.Client, endpoint, path string, versions []int) error {
	md, err := s.metadata(ctx, set, vc, path)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		versions = []int{md.CurrentVersion}
	}
	for _, v := range versions {
		if v < 1 {
			return sdk.InvalidFields("invalid versions", sdk.FieldViolation{Field: "versions", Rule: "must be version numbers, from 1"})
		}
	}
	_, err = vc.Logical().WriteWithContext(ctx, set.kvPath(endpoint, path), map[string]any{"versions": versions})
	return err
}

func (s *Store) Metadata(ctx context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	path, err := s.resolve(req.Caller, req.Path, false)
	if err != nil {
		return sdk.SecretMetadataResponse{}, err
	}
	var resp sdk.SecretMetadataResponse
	err = s.asCaller(ctx, req.Caller, func(set *settings, vc *vaultapi.Client) error {
		resp, err = s.metadata(ctx, set, vc, path)
		return err
	})
	return resp, describe(err, "reading the metadata of %q", path)
}

// metadata reads a secret's metadata; a secret without any is not found.
func (s *Store) metadata(ctx context.Context, set *settings, vc *vaultapi.Client, path string) (sdk.SecretMetadataResponse, error) {
	secret, err := vc.Logical().ReadWithContext(ctx, set.kvPath("metadata", path))
	if err != nil {
		return sdk.SecretMetadataResponse{}, err
	}
	if secret == nil || secret.Data == nil {
		return sdk.SecretMetadataResponse{}, notFound(path, 0)
	}
	resp := sdk.SecretMetadataResponse{
		Path:           path,
		CurrentVersion: number(secret.Data["current_version"]),
		Created:        timeValue(secret.Data["created_time"]),
		Updated:        timeValue(secret.Data["updated_time"]),
	}
	versions, _ := secret.Data["versions"].(map[string]any)
	for key, raw := range versions {
		n, err := strconv.Atoi(key)
		v, _ := raw.(map[string]any)
		if err != nil || v == nil {
			return sdk.SecretMetadataResponse{}, sdk.Errorf(sdk.ErrUnavailable, "Vault's metadata of %q has a version %q that is not one", path, key)
		}
		destroyed, _ := v["destroyed"].(bool)
		resp.Versions = append(resp.Versions, sdk.SecretVersion{Version: n, Created: timeValue(v["created_time"]),
			Deleted: timeValue(v["deletion_time"]), Destroyed: destroyed})
	}
	slices.SortFunc(resp.Versions, func(a, b sdk.SecretVersion) int { return a.Version - b.Version })
	return resp, nil
}
