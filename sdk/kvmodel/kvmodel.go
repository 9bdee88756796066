// Package kvmodel is the versioning model of a secret store with the semantics of Vault's
// KV version 2: numbered versions, soft delete and undelete, destroy, check-and-set and
// metadata, over secrets kept in memory by path. It leaves to the store what is its own:
// who may use which path (see secrethome) and where the secrets are kept between runs (a
// Store calls its save function after each change, and undoes the change when it fails).
package kvmodel

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Secret is one path's versions. Its JSON form is what a store may persist.
type Secret struct {
	Versions []*Version `json:"versions"` // the versions kept, oldest first
	Current  int        `json:"current"`  // the latest version's number
	Created  time.Time  `json:"created"`
	Updated  time.Time  `json:"updated"`
}

// Version is one version of a secret.
type Version struct {
	Version   int               `json:"version"`
	Data      map[string]string `json:"data,omitempty"`
	Created   time.Time         `json:"created"`
	Deleted   time.Time         `json:"deleted,omitzero"`
	Destroyed bool              `json:"destroyed,omitempty"`
}

// Clone copies a secret deeply enough that changing the copy leaves the original as it was.
func (s *Secret) Clone() *Secret {
	if s == nil {
		return nil
	}
	c := *s
	c.Versions = make([]*Version, len(s.Versions))
	for i, v := range s.Versions {
		vc := *v
		c.Versions[i] = &vc
	}
	return &c
}

// Find returns the version n of a secret (the current one for 0), nil when it is not kept.
func (s *Secret) Find(n int) *Version {
	if n == 0 {
		n = s.Current
	}
	for _, v := range s.Versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// asked returns the versions a request names, the current one when it names none.
func (s *Secret) asked(versions []int) []int {
	if len(versions) == 0 {
		return []int{s.Current}
	}
	return versions
}

// Store holds secrets by path. Its methods take a path the caller has already resolved
// (cleaned and checked against the caller's homes) and the request it came with, whose own
// path is the one named in errors. They are safe for concurrent use.
type Store struct {
	maxVersions int
	save        func(map[string]*Secret) error

	mu      sync.RWMutex
	secrets map[string]*Secret // by path
}

// Options tune a Store.
type Options struct {
	// MaxVersions is how many versions of a secret are kept, the oldest dropped first; 0
	// keeps them all.
	MaxVersions int
	// Save, when set, is called with every secret after each change, the store locked; when
	// it fails the change is undone and its error returned.
	Save func(map[string]*Secret) error
}

// NewStore returns a store holding secrets (which it takes over; nil for none).
func NewStore(secrets map[string]*Secret, opt Options) *Store {
	if secrets == nil {
		secrets = map[string]*Secret{}
	}
	return &Store{maxVersions: opt.MaxVersions, save: opt.Save, secrets: secrets}
}

// Len returns how many secrets the store holds.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.secrets)
}

// Save calls the store's save function with its secrets, as a change would.
func (s *Store) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.persist()
}

func (s *Store) persist() error {
	if s.save == nil {
		return nil
	}
	return s.save(s.secrets)
}

// errUnchanged tells update that a change had nothing to do.
var errUnchanged = errors.New("unchanged")

// update applies change to a copy of the secret at path (nil when there is none), stores
// what it returns (nil removes the secret) and saves. When change or the save fails, the
// store is left exactly as it was.
func (s *Store) update(path string, change func(sec *Secret) (*Secret, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.secrets[path]
	next, err := change(old.Clone())
	if errors.Is(err, errUnchanged) {
		return nil
	}
	if err != nil {
		return err
	}
	if next == nil {
		delete(s.secrets, path)
	} else {
		s.secrets[path] = next
	}
	if err := s.persist(); err != nil {
		if had {
			s.secrets[path] = old
		} else {
			delete(s.secrets, path)
		}
		return err
	}
	return nil
}

// List returns what folder holds: its secrets and, once each, its subfolders (with a
// trailing slash), sorted by name.
func (s *Store) List(folder string) []sdk.SecretEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var entries []sdk.SecretEntry
	seen := map[string]bool{}
	for path := range s.secrets {
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
			entries = append(entries, sdk.SecretEntry{Name: name, Folder: isFolder})
		}
	}
	slices.SortFunc(entries, func(a, b sdk.SecretEntry) int { return strings.Compare(a.Name, b.Name) })
	return entries
}

func (s *Store) Read(path string, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	if req.Version < 0 {
		return sdk.ReadSecretResponse{}, sdk.InvalidFields("invalid version", sdk.FieldViolation{Field: "version", Rule: "must be 0 (the latest) or a version number"})
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec := s.secrets[path]
	if sec == nil {
		return sdk.ReadSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
	}
	ver := sec.Find(req.Version)
	if ver == nil || ver.Destroyed || !ver.Deleted.IsZero() {
		return sdk.ReadSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q has no readable version %d", req.Path, req.Version)
	}
	return sdk.ReadSecretResponse{Path: path, Data: maps.Clone(ver.Data), Version: ver.Version, Created: ver.Created}, nil
}

func (s *Store) Write(path string, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	var written int
	err := s.update(path, func(sec *Secret) (*Secret, error) {
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
			sec = &Secret{Created: now}
		}
		data := maps.Clone(req.Data)
		if data == nil {
			data = map[string]string{}
		}
		sec.Current++
		sec.Versions = append(sec.Versions, &Version{Version: sec.Current, Data: data, Created: now})
		if extra := len(sec.Versions) - s.maxVersions; s.maxVersions > 0 && extra > 0 {
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

func (s *Store) Delete(path string, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	err := s.update(path, func(sec *Secret) (*Secret, error) {
		if sec == nil {
			return nil, errUnchanged // deleting what is gone is not an error
		}
		if req.All {
			return nil, nil
		}
		now := time.Now().UTC()
		for _, n := range sec.asked(req.Versions) {
			ver := sec.Find(n)
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

func (s *Store) Undelete(path string, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	err := s.update(path, func(sec *Secret) (*Secret, error) {
		if sec == nil {
			return nil, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
		}
		// A destroyed version stays destroyed, as with Vault.
		for _, n := range sec.asked(req.Versions) {
			if ver := sec.Find(n); n >= 1 && ver != nil && !ver.Destroyed {
				ver.Deleted = time.Time{}
			}
		}
		sec.Updated = time.Now().UTC()
		return sec, nil
	})
	return sdk.UndeleteSecretResponse{}, err
}

func (s *Store) Metadata(path string, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec := s.secrets[path]
	if sec == nil {
		return sdk.SecretMetadataResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
	}
	resp := sdk.SecretMetadataResponse{Path: path, CurrentVersion: sec.Current, Created: sec.Created, Updated: sec.Updated}
	for _, ver := range sec.Versions {
		resp.Versions = append(resp.Versions, sdk.SecretVersion{Version: ver.Version, Created: ver.Created, Deleted: ver.Deleted, Destroyed: ver.Destroyed})
	}
	return resp, nil
}
