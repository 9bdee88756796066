package memory

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Secrets is a versioned secret store in memory with Vault KV v2's semantics. A user's
// secrets live under <username>/ and a group's under project-<group>/; any other path is
// reported as not found.
type Secrets struct {
	mu      sync.RWMutex
	secrets map[string]*secret // by full path
}

type secret struct {
	versions []*secretVersion // versions[i] is version i+1
	created  time.Time
	updated  time.Time
}

type secretVersion struct {
	data      map[string]string
	created   time.Time
	deleted   time.Time
	destroyed bool
}

// NewSecrets returns an empty store.
func NewSecrets() *Secrets { return &Secrets{secrets: map[string]*secret{}} }

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

// homesOf returns the top folders the caller may use.
func homesOf(c sdk.Caller) []string {
	homes := []string{c.Username}
	for _, g := range c.Groups {
		homes = append(homes, "project-"+g)
	}
	return homes
}

// clean normalises a path and checks the caller may use it. A folder keeps no trailing
// slash.
func clean(c sdk.Caller, path string, folder bool) (string, error) {
	if c.Username == "" {
		return "", sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	p := strings.Trim(path, "/")
	parts := strings.Split(p, "/")
	for _, part := range parts {
		if part == "" || part == "." || part == ".." || strings.ContainsRune(part, 0) {
			return "", sdk.InvalidFields("invalid path", sdk.FieldViolation{Field: "path", Rule: "must be slash-separated names, without empty, . or .. elements"})
		}
	}
	if !slices.Contains(homesOf(c), parts[0]) || (!folder && len(parts) < 2) {
		return "", sdk.Errorf(sdk.ErrNotFound, "secret %q not found", path)
	}
	return p, nil
}

func (s *Secrets) Home(_ context.Context, req sdk.SecretsHomeRequest) (sdk.SecretsHomeResponse, error) {
	if req.Caller.Username == "" {
		return sdk.SecretsHomeResponse{}, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
	}
	if req.Project.Personal() {
		return sdk.SecretsHomeResponse{Path: req.Caller.Username}, nil
	}
	if !slices.Contains(req.Caller.Groups, req.Project.Group) {
		return sdk.SecretsHomeResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q not found", req.Project.ID)
	}
	return sdk.SecretsHomeResponse{Path: "project-" + req.Project.Group}, nil
}

func (s *Secrets) List(_ context.Context, req sdk.ListSecretsRequest) (sdk.ListSecretsResponse, error) {
	var resp sdk.ListSecretsResponse
	if strings.Trim(req.Path, "/") == "" {
		if req.Caller.Username == "" {
			return resp, sdk.Errorf(sdk.ErrUnauthenticated, "no caller")
		}
		for _, home := range homesOf(req.Caller) {
			resp.Entries = append(resp.Entries, sdk.SecretEntry{Name: home + "/", Folder: true})
		}
		return resp, nil
	}
	folder, err := clean(req.Caller, req.Path, true)
	if err != nil {
		return resp, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
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
			resp.Entries = append(resp.Entries, sdk.SecretEntry{Name: name, Folder: isFolder})
		}
	}
	slices.SortFunc(resp.Entries, func(a, b sdk.SecretEntry) int { return strings.Compare(a.Name, b.Name) })
	return resp, nil
}

func (s *Secrets) Read(_ context.Context, req sdk.ReadSecretRequest) (sdk.ReadSecretResponse, error) {
	path, err := clean(req.Caller, req.Path, false)
	if err != nil {
		return sdk.ReadSecretResponse{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec := s.secrets[path]
	if sec == nil {
		return sdk.ReadSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
	}
	n := req.Version
	if n == 0 {
		n = len(sec.versions)
	}
	if n < 1 || n > len(sec.versions) {
		return sdk.ReadSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q has no version %d", req.Path, req.Version)
	}
	v := sec.versions[n-1]
	if v.destroyed || !v.deleted.IsZero() {
		return sdk.ReadSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "version %d of secret %q is deleted", n, req.Path)
	}
	return sdk.ReadSecretResponse{Path: path, Data: maps.Clone(v.data), Version: n, Created: v.created}, nil
}

func (s *Secrets) Write(_ context.Context, req sdk.WriteSecretRequest) (sdk.WriteSecretResponse, error) {
	path, err := clean(req.Caller, req.Path, false)
	if err != nil {
		return sdk.WriteSecretResponse{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[path]
	current := 0
	if sec != nil {
		current = len(sec.versions)
	}
	if req.CheckVersion != nil && *req.CheckVersion != current {
		return sdk.WriteSecretResponse{}, sdk.Errorf(sdk.ErrConflict, "secret %q is at version %d, not %d", req.Path, current, *req.CheckVersion)
	}
	now := time.Now().UTC()
	if sec == nil {
		sec = &secret{created: now}
		s.secrets[path] = sec
	}
	sec.versions = append(sec.versions, &secretVersion{data: maps.Clone(req.Data), created: now})
	sec.updated = now
	return sdk.WriteSecretResponse{Version: len(sec.versions)}, nil
}

// versionsOf returns the versions a request names, the latest when it names none.
func versionsOf(sec *secret, asked []int) []int {
	if len(asked) == 0 {
		return []int{len(sec.versions)}
	}
	return asked
}

func (s *Secrets) Delete(_ context.Context, req sdk.DeleteSecretRequest) (sdk.DeleteSecretResponse, error) {
	path, err := clean(req.Caller, req.Path, false)
	if err != nil {
		return sdk.DeleteSecretResponse{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[path]
	if req.All || sec == nil {
		delete(s.secrets, path) // deleting what is gone is not an error
		return sdk.DeleteSecretResponse{}, nil
	}
	now := time.Now().UTC()
	for _, n := range versionsOf(sec, req.Versions) {
		if n < 1 || n > len(sec.versions) {
			continue
		}
		v := sec.versions[n-1]
		if req.Destroy {
			v.destroyed, v.data = true, nil
		} else if v.deleted.IsZero() {
			v.deleted = now
		}
	}
	sec.updated = now
	return sdk.DeleteSecretResponse{}, nil
}

func (s *Secrets) Undelete(_ context.Context, req sdk.UndeleteSecretRequest) (sdk.UndeleteSecretResponse, error) {
	path, err := clean(req.Caller, req.Path, false)
	if err != nil {
		return sdk.UndeleteSecretResponse{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[path]
	if sec == nil {
		return sdk.UndeleteSecretResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
	}
	for _, n := range versionsOf(sec, req.Versions) {
		if n >= 1 && n <= len(sec.versions) && !sec.versions[n-1].destroyed {
			sec.versions[n-1].deleted = time.Time{}
		}
	}
	return sdk.UndeleteSecretResponse{}, nil
}

func (s *Secrets) Metadata(_ context.Context, req sdk.SecretMetadataRequest) (sdk.SecretMetadataResponse, error) {
	path, err := clean(req.Caller, req.Path, false)
	if err != nil {
		return sdk.SecretMetadataResponse{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec := s.secrets[path]
	if sec == nil {
		return sdk.SecretMetadataResponse{}, sdk.Errorf(sdk.ErrNotFound, "secret %q not found", req.Path)
	}
	resp := sdk.SecretMetadataResponse{Path: path, CurrentVersion: len(sec.versions), Created: sec.created, Updated: sec.updated}
	for i, v := range sec.versions {
		resp.Versions = append(resp.Versions, sdk.SecretVersion{Version: i + 1, Created: v.created, Deleted: v.deleted, Destroyed: v.destroyed})
	}
	return resp, nil
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
