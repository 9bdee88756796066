package server

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/documents"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/core/internal/shell"
	"github.com/basalt-dev/basalt/sdk"
)

// secretScope is what every secrets request resolves first: who, in which project, with which
// store, and the project's top folder in it.
type secretScope struct {
	user  *identity.User
	store sdk.Secrets
	home  string
}

// inSecrets is the request's secrets scope, from the scope the secrets routes resolved.
func inSecrets(c echo.Context) secretScope {
	sc := scopeOf(c)
	store, _ := sc.Secrets() // withSecretsHome has checked it
	return secretScope{user: sc.User, store: store, home: sc.SecretsHome}
}

// path reads a path relative to the project's home; ".." and absolute paths cannot leave it.
func (sc secretScope) path(rel string) (string, error) {
	rel = strings.Trim(rel, "/")
	for i, part := range strings.Split(rel, "/") {
		if i == 0 && part == documents.Folder {
			return "", sdk.Errorf(sdk.ErrNotFound, "no secret %q", rel)
		}
		if part == ".." || part == "." || strings.ContainsRune(part, 0) {
			return "", sdk.InvalidFields("invalid path", sdk.FieldViolation{Field: "path", Rule: "must be a path inside the project's secrets, without . or .."})
		}
	}
	if rel == "" {
		return sc.home, nil
	}
	return sc.home + "/" + rel, nil
}

// secretAt resolves a request's scope and the store path its ?path= names.
func (s *Server) secretAt(c echo.Context) (secretScope, string, error) {
	sc := inSecrets(c)
	path, err := sc.path(c.QueryParam("path"))
	return sc, path, err
}

// notHome refuses the project's top folder where a request must name a secret in it.
func (sc secretScope) notHome(path, what string) error {
	if path == sc.home {
		return sdk.InvalidFields(what, sdk.FieldViolation{Field: "path", Rule: "must name a secret inside the project's folder"})
	}
	return nil
}

// relative turns a store path back into the API's path relative to the home.
func (sc secretScope) relative(path string) string {
	return strings.TrimPrefix(strings.TrimPrefix(path, sc.home), "/")
}

// SecretList is a folder of secrets.
type SecretList struct {
	Path     string        `json:"path"`
	Home     string        `json:"home"`
	Entries  []SecretEntry `json:"entries"`
	Commands []string      `json:"commands"`
}

type SecretEntry struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Folder bool   `json:"folder"`
}

func (s *Server) listSecrets(c echo.Context) error {
	sc, path, err := s.secretAt(c)
	if err != nil {
		return err
	}
	resp, err := sc.store.List(c.Request().Context(), sdk.ListSecretsRequest{Caller: sc.user.Caller(), Path: path})
	if err != nil {
		return err
	}
	out := SecretList{Path: sc.relative(path), Home: sc.home, Entries: []SecretEntry{},
		Commands: []string{shell.Command("vault", "kv", "list", path)}}
	for _, e := range resp.Entries {
		name := strings.TrimSuffix(e.Name, "/")
		if path == sc.home && name == documents.Folder {
			continue // Basalt's own data: saved configurations, settings
		}
		rel := strings.TrimPrefix(sc.relative(path)+"/"+name, "/")
		out.Entries = append(out.Entries, SecretEntry{Name: name, Path: rel, Folder: e.Folder})
	}
	sort.Slice(out.Entries, func(i, j int) bool {
		if out.Entries[i].Folder != out.Entries[j].Folder {
			return out.Entries[i].Folder
		}
		return out.Entries[i].Name < out.Entries[j].Name
	})
	return c.JSON(http.StatusOK, out)
}

// SecretView is one version of a secret.
type SecretView struct {
	Path     string            `json:"path"`
	Data     map[string]string `json:"data"`
	Version  int               `json:"version"`
	Created  *time.Time        `json:"created,omitempty"`
	Commands []string          `json:"commands"`
}

func (s *Server) readSecret(c echo.Context) error {
	sc, path, err := s.secretAt(c)
	if err != nil {
		return err
	}
	version := 0
	if v := c.QueryParam("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return sdk.InvalidFields("invalid version", sdk.FieldViolation{Field: "version", Rule: "must be a positive integer"})
		}
	}
	resp, err := sc.store.Read(c.Request().Context(), sdk.ReadSecretRequest{Caller: sc.user.Caller(), Path: path, Version: version})
	if err != nil {
		return err
	}
	cmd := shell.Command("vault", "kv", "get", path)
	if version > 0 {
		cmd = shell.Command("vault", "kv", "get", "-version="+strconv.Itoa(version), path)
	}
	view := SecretView{Path: sc.relative(path), Data: resp.Data, Version: resp.Version, Commands: []string{cmd}}
	if view.Data == nil {
		view.Data = map[string]string{}
	}
	view.Created = httpapi.TimeOrNil(resp.Created)
	return c.JSON(http.StatusOK, view)
}

// SecretWritten is the version a write stored.
type SecretWritten struct {
	Path     string   `json:"path"`
	Version  int      `json:"version"`
	Commands []string `json:"commands"`
}

// ActionResult answers an action that returns nothing but the commands doing the same.
type ActionResult struct {
	Commands []string `json:"commands"`
}

// WriteSecretRequest stores a new version of a secret. With checkVersion, the write fails with
// 409 unless the current version is that one (0: the secret must not exist yet).
type WriteSecretRequest struct {
	Data         map[string]string `json:"data"`
	CheckVersion *int              `json:"checkVersion"`
}

var secretKey = func(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return !(k[0] >= '0' && k[0] <= '9')
}

func (s *Server) writeSecret(c echo.Context) error {
	sc, path, err := s.secretAt(c)
	if err != nil {
		return err
	}
	if err := sc.notHome(path, "cannot write"); err != nil {
		return err
	}
	var req WriteSecretRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	// Keys become environment variables in services: keep them valid names.
	var bad []sdk.FieldViolation
	for k := range req.Data {
		if !secretKey(k) {
			bad = append(bad, sdk.FieldViolation{Field: "data." + k, Rule: "a key must be letters, digits and _, not starting with a digit, to serve as an environment variable"})
		}
	}
	if len(bad) > 0 {
		sort.Slice(bad, func(i, j int) bool { return bad[i].Field < bad[j].Field })
		return sdk.InvalidFields("invalid secret", bad...)
	}
	resp, err := sc.store.Write(c.Request().Context(), sdk.WriteSecretRequest{Caller: sc.user.Caller(), Path: path, Data: req.Data, CheckVersion: req.CheckVersion})
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(req.Data))
	for k := range req.Data {
		keys = append(keys, k+"=…")
	}
	sort.Strings(keys)
	return c.JSON(http.StatusOK, SecretWritten{
		Path: sc.relative(path), Version: resp.Version,
		Commands: []string{shell.Command(append([]string{"vault", "kv", "put", path}, keys...)...)},
	})
}

func (s *Server) deleteSecret(c echo.Context) error {
	sc, path, err := s.secretAt(c)
	if err != nil {
		return err
	}
	if err := sc.notHome(path, "cannot delete"); err != nil {
		return err
	}
	versions, err := versionsParam(c)
	if err != nil {
		return err
	}
	req := sdk.DeleteSecretRequest{Caller: sc.user.Caller(), Path: path, Versions: versions,
		Destroy: c.QueryParam("destroy") == "true", All: c.QueryParam("all") == "true"}
	if _, err := sc.store.Delete(c.Request().Context(), req); err != nil {
		return err
	}
	cmd := shell.Command("vault", "kv", "delete", path)
	switch {
	case req.All:
		cmd = shell.Command("vault", "kv", "metadata", "delete", path)
	case req.Destroy:
		cmd = shell.Command("vault", "kv", "destroy", "-versions="+joinInts(versions), path)
	case len(versions) > 0:
		cmd = shell.Command("vault", "kv", "delete", "-versions="+joinInts(versions), path)
	}
	return c.JSON(http.StatusOK, ActionResult{Commands: []string{cmd}})
}

func (s *Server) undeleteSecret(c echo.Context) error {
	sc, path, err := s.secretAt(c)
	if err != nil {
		return err
	}
	versions, err := versionsParam(c)
	if err != nil {
		return err
	}
	if len(versions) == 0 {
		return sdk.InvalidFields("cannot undelete", sdk.FieldViolation{Field: "versions", Rule: "name the versions to bring back"})
	}
	if _, err := sc.store.Undelete(c.Request().Context(), sdk.UndeleteSecretRequest{Caller: sc.user.Caller(), Path: path, Versions: versions}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ActionResult{Commands: []string{shell.Command("vault", "kv", "undelete", "-versions="+joinInts(versions), path)}})
}

// VersionInfo is one version in a secret's history.
type VersionInfo struct {
	Version   int        `json:"version"`
	Created   *time.Time `json:"created,omitempty"`
	Deleted   *time.Time `json:"deleted,omitempty"`
	Destroyed bool       `json:"destroyed"`
}

// SecretVersions is a secret's history.
type SecretVersions struct {
	Path           string        `json:"path"`
	CurrentVersion int           `json:"currentVersion"`
	Versions       []VersionInfo `json:"versions"`
	Commands       []string      `json:"commands"`
}

func (s *Server) secretVersions(c echo.Context) error {
	sc, path, err := s.secretAt(c)
	if err != nil {
		return err
	}
	resp, err := sc.store.Metadata(c.Request().Context(), sdk.SecretMetadataRequest{Caller: sc.user.Caller(), Path: path})
	if err != nil {
		return err
	}
	out := []VersionInfo{}
	for _, v := range resp.Versions {
		out = append(out, VersionInfo{Version: v.Version, Created: httpapi.TimeOrNil(v.Created), Deleted: httpapi.TimeOrNil(v.Deleted), Destroyed: v.Destroyed})
	}
	return c.JSON(http.StatusOK, SecretVersions{
		Path: sc.relative(path), CurrentVersion: resp.CurrentVersion, Versions: out,
		Commands: []string{shell.Command("vault", "kv", "metadata", "get", path)},
	})
}

func versionsParam(c echo.Context) ([]int, error) {
	raw := c.QueryParam("versions")
	if raw == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(raw, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || v < 1 {
			return nil, sdk.InvalidFields("invalid versions", sdk.FieldViolation{Field: "versions", Rule: "must be positive integers separated by commas"})
		}
		out = append(out, v)
	}
	return out, nil
}

func joinInts(in []int) string {
	parts := make([]string, len(in))
	for i, v := range in {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}
