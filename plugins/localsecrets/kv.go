package localsecrets

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

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
	v.mu.RLock()
	defer v.mu.RUnlock()
	seen := map[string]bool{}
	for path := range v.secrets {
		rest, ok := strings.CutPrefix(path, folder+"/")
		if !ok {
			continue
		}
		name, _, isFolder := strings.Cut(rest, "/")
		if isFolder {
			name += "/"
		}
		if !seen[name] {
			seen[name] = true
			resp.Entries = append(resp.Entries, sdk.SecretEntry{Name: name, Folder: isFolder})
		}
	}
	slices.SortFunc(resp.Entries, func(a, b sdk.SecretEntry) int { return strings.Compare(a.Name, b.Name) })
	return resp, nil
}

// find returns the version n of a secret (the current one for 0).
func (sec *secret) find(n int) *version {
	if n == 0 {
		n = sec.Current
	}
	for _, v := range sec.Versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

func (s *Store) Read(_ context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	if req.Version < 0 {
		return sdk.ReadSecretResponse{}, sdk.InvalidFields("invalid version", sdk.FieldViolation{Field: "version", Rule: "must be 0 (the latest) or a version number"})
	}
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.ReadSecretResponse{}, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	sec := v.secrets[path]
	if sec == nil {
		return sdk.ReadSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
	}
	ver := sec.find(req.Version)
	if ver == nil || ver.Destroyed || !ver.Deleted.IsZero() {
		return sdk.ReadSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q has no readable version %d", req.Path, req.Version)
	}
	return sdk.ReadSecretResponse{Path: path, Data: maps.Clone(ver.Data), Version: ver.Version, Created: ver.Created}, nil
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
	var written int
	err = v.update(path, func(sec *secret) (*secret, error) {
		current := 0
		if sec != nil {
			current = sec.Current
		}
		if req.CheckVersion != nil && *req.CheckVersion != current {
			// The message names versions only, never a value.
			return nil, sdk.Errorf(sdk.ErrConflict, "secret %q is at version %d, not %d", req.Path, current, *req.CheckVersion)
		}
		now := time.Now().UTC()
		if sec == nil {
			sec = &secret{Created: now}
		}
		data := maps.Clone(req.Data)
		if data == nil {
			data = map[string]string{}
		}
		sec.Current++
		sec.Versions = append(sec.Versions, &version{Version: sec.Current, Data: data, Created: now})
		if extra := len(sec.Versions) - v.maxVersions; extra > 0 {
			sec.Versions = slices.Delete(sec.Versions, 0, extra)
		}
		sec.Updated = now
		written = sec.Current
		return sec, nil
	})
	if err != nil {
		return sdk.WriteSecretResponse{}, err
	}
	return sdk.WriteSecretResponse{Version: written}, nil
}

// asked returns the versions a request names, the current one when it names none.
func asked(sec *secret, versions []int) []int {
	if len(versions) == 0 {
		return []int{sec.Current}
	}
	return versions
}

func (s *Store) Delete(_ context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.DeleteSecretResponse{}, err
	}
	err = v.update(path, func(sec *secret) (*secret, error) {
		if sec == nil {
			return nil, errUnchanged // deleting what is gone is not an error
		}
		if req.All {
			return nil, nil
		}
		now := time.Now().UTC()
		for _, n := range asked(sec, req.Versions) {
			ver := sec.find(n)
			switch {
			case n < 1 || ver == nil:
			case req.Destroy:
				ver.Destroyed, ver.Data = true, nil
			case ver.Deleted.IsZero():
				ver.Deleted = now
			}
		}
		sec.Updated = now
		return sec, nil
	})
	return sdk.DeleteSecretResponse{}, err
}

func (s *Store) Undelete(_ context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.UndeleteSecretResponse{}, err
	}
	err = v.update(path, func(sec *secret) (*secret, error) {
		if sec == nil {
			return nil, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
		}
		// A destroyed version stays destroyed, as with Vault.
		for _, n := range asked(sec, req.Versions) {
			if ver := sec.find(n); n >= 1 && ver != nil && !ver.Destroyed {
				ver.Deleted = time.Time{}
			}
		}
		sec.Updated = time.Now().UTC()
		return sec, nil
	})
	return sdk.UndeleteSecretResponse{}, err
}

func (s *Store) Metadata(_ context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	v, _, path, err := s.access(req.Caller, req.Path, false)
	if err != nil {
		return sdk.SecretMetadataResponse{}, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	sec := v.secrets[path]
	if sec == nil {
		return sdk.SecretMetadataResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
	}
	resp := sdk.SecretMetadataResponse{Path: path, CurrentVersion: sec.Current, Created: sec.Created, Updated: sec.Updated}
	for _, ver := range sec.Versions {
		resp.Versions = append(resp.Versions, sdk.SecretVersion{Version: ver.Version, Created: ver.Created, Deleted: ver.Deleted, Destroyed: ver.Destroyed})
	}
	return resp, nil
}
