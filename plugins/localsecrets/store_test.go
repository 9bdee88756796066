package localsecrets_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/basalt-dev/basalt/plugins/localsecrets"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

func newKey(t testing.TB) string {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k)
}

func write(t testing.TB, s sdk.Secrets, c sdk.Caller, path string, data map[string]string) int {
	t.Helper()
	resp, err := s.Write(t.Context(), sdk.WriteSecretRequest{Caller: c, Path: path, Data: data})
	if err != nil {
		t.Fatalf("Write %s: %v", path, err)
	}
	return resp.Version
}

func read(t testing.TB, s sdk.Secrets, c sdk.Caller, path string, version int) map[string]string {
	t.Helper()
	resp, err := s.Read(t.Context(), sdk.ReadSecretRequest{Caller: c, Path: path, Version: version})
	if err != nil {
		t.Fatalf("Read %s version %d: %v", path, version, err)
	}
	return resp.Data
}

// TestEncryptedAtRest looks for what was written in the file's bytes: neither values, keys
// nor paths appear.
func TestEncryptedAtRest(t *testing.T) {
	s, file := configure(t, map[string]any{"key": newKey(t)})
	value := "correct-horse-battery-staple-" + newKey(t)
	write(t, s, alice, "alice/.basalt/api", map[string]string{"SUPER_SECRET_NAME": value})
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{value, "correct-horse", "SUPER_SECRET_NAME", "alice/.basalt/api", "versions"} {
		if bytes.Contains(raw, []byte(plain)) {
			t.Errorf("the file holds %q in plain text", plain)
		}
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode is %v (%v), want 0600", fi.Mode().Perm(), err)
	}
}

// TestWrongKey checks that a store does not open with another key, says why, and leaves
// the file alone.
func TestWrongKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "secrets.db")
	s, _ := configure(t, map[string]any{"file": file, "key": newKey(t)})
	write(t, s, alice, "alice/db", map[string]string{"password": "p"})
	s.Close()
	before, _ := os.ReadFile(file)

	other := localsecrets.New(nil)
	err := configureErr(t, other, map[string]any{"file": file, "key": newKey(t)})
	if err == nil || !strings.Contains(err.Error(), "wrong key") {
		t.Fatalf("Configure with another key: %v, want an error saying the key is wrong", err)
	}
	if _, err := other.Read(t.Context(), sdk.ReadSecretRequest{Caller: alice, Path: "alice/db"}); !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("Read after a failed Configure: %v, want ErrUnavailable", err)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Error("a failed open changed the file")
	}
}

// TestKeyFile checks the key file made on first start: mode 0600, and the key that opens
// the store again.
func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	file, keyFile := filepath.Join(dir, "secrets.db"), filepath.Join(dir, "keys", "secrets.key")
	s, _ := configure(t, map[string]any{"file": file, "keyFile": keyFile})
	write(t, s, alice, "alice/k", map[string]string{"v": "1"})
	s.Close()
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	raw, _ := os.ReadFile(keyFile)
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw))); err != nil || len(k) != 32 {
		t.Errorf("key file: %d bytes (%v), want 32 in base64", len(k), err)
	}
	again, _ := configure(t, map[string]any{"file": file, "keyFile": keyFile})
	if got := read(t, again, alice, "alice/k", 0); got["v"] != "1" {
		t.Errorf("after reopening: %v", got)
	}
	again.Close()

	// The key given inline opens the same store.
	inline, _ := configure(t, map[string]any{"file": file, "key": strings.TrimSpace(string(raw))})
	if got := read(t, inline, alice, "alice/k", 0); got["v"] != "1" {
		t.Errorf("with the key inline: %v", got)
	}
	inline.Close()

	// Without its key file, an existing store is not given a new key.
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	err = configureErr(t, localsecrets.New(nil), map[string]any{"file": file, "keyFile": keyFile})
	if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), "restore the key") {
		t.Errorf("Configure without the key file of an existing store: %v", err)
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new key file was made for an existing store: %v", err)
	}
}

// TestDefaultKeyFile checks that a configuration with a file only keeps its key beside it.
func TestDefaultKeyFile(t *testing.T) {
	_, file := configure(t, nil)
	if fi, err := os.Stat(file + ".key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("default key file: %v", err)
	}
}

func TestConfigRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.db")
	for name, tc := range map[string]struct {
		cfg   map[string]any
		field string
	}{
		"no file":             {map[string]any{}, "file"},
		"key and keyFile":     {map[string]any{"file": file, "key": newKey(t), "keyFile": file + ".k"}, "keyFile"},
		"short key":           {map[string]any{"file": file, "key": "c2hvcnQ="}, "key"},
		"no placeholder":      {map[string]any{"file": file, "userHome": "users"}, "userHome"},
		"escaping home":       {map[string]any{"file": file, "groupHome": "../{group}"}, "groupHome"},
		"absolute home":       {map[string]any{"file": file, "groupHome": "/g/{group}"}, "groupHome"},
		"too many versions":   {map[string]any{"file": file, "maxVersions": 5000}, "maxVersions"},
		"twice a placeholder": {map[string]any{"file": file, "userHome": "{username}/{username}"}, "userHome"},
	} {
		t.Run(name, func(t *testing.T) {
			err := configureErr(t, localsecrets.New(nil), tc.cfg)
			fields := sdk.FieldsOf(err)
			if !errors.Is(err, sdk.ErrInvalidArgument) || !slices.ContainsFunc(fields, func(f sdk.FieldViolation) bool { return f.Field == tc.field }) {
				t.Errorf("Configure: %v, want an invalid %s", err, tc.field)
			}
		})
	}
	err := configureErr(t, localsecrets.New(nil), map[string]any{"file": file, "unknown": 1})
	if !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Errorf("an unknown key: %v", err)
	}
}

// TestSchema compiles the published schema and checks it against configurations.
func TestSchema(t *testing.T) {
	resp, err := localsecrets.New(nil).ConfigSchema(t.Context(), sdk.ConfigSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(resp.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	for cfg, valid := range map[string]bool{
		`{"file": "secrets.db"}`: true,
		`{"file": "s.db", "keyFile": "s.key", "userHome": "users/{username}", "groupHome": "projet-{group}", "maxVersions": 20}`: true,
		`{"file": "s.db", "key": "` + newKey(t) + `"}`: true,
		`{}`: false,
		`{"file": "s.db", "key": "` + newKey(t) + `", "keyFile": "s.key"}`: false,
		`{"file": "s.db", "key": "not base64"}`:                            false,
		`{"file": "s.db", "userHome": "users"}`:                            false,
		`{"file": "s.db", "groupHome": "/g/{group}"}`:                      false,
		`{"file": "s.db", "extra": true}`:                                  false,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(cfg))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); (err == nil) != valid {
			t.Errorf("%s: valid %v, got %v", cfg, valid, err)
		}
	}
}

// TestLocked checks that a second store cannot open a file in use.
func TestLocked(t *testing.T) {
	_, file := configure(t, nil)
	err := configureErr(t, localsecrets.New(nil), map[string]any{"file": file})
	if !errors.Is(err, sdk.ErrUnavailable) {
		t.Errorf("opening a store in use: %v, want ErrUnavailable", err)
	}
}

// TestPersistence checks that versions, deletions and metadata survive reopening.
func TestPersistence(t *testing.T) {
	key := newKey(t)
	s, file := configure(t, map[string]any{"key": key})
	write(t, s, alice, "alice/p", map[string]string{"v": "1"})
	write(t, s, alice, "alice/p", map[string]string{"v": "2"})
	write(t, s, alice, "alice/p", map[string]string{"v": "3"})
	ctx := t.Context()
	if _, err := s.Delete(ctx, sdk.DeleteSecretRequest{Caller: alice, Path: "alice/p", Versions: []int{3}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, sdk.DeleteSecretRequest{Caller: alice, Path: "alice/p", Versions: []int{1}, Destroy: true}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Metadata(ctx, sdk.SecretMetadataRequest{Caller: alice, Path: "alice/p"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	again, _ := configure(t, map[string]any{"file": file, "key": key})
	after, err := again.Metadata(ctx, sdk.SecretMetadataRequest{Caller: alice, Path: "alice/p"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("metadata changed across a reopen:\n%+v\n%+v", before, after)
	}
	if got := read(t, again, alice, "alice/p", 2); got["v"] != "2" {
		t.Errorf("version 2: %v", got)
	}
	for _, v := range []int{0, 1, 3} {
		if _, err := again.Read(ctx, sdk.ReadSecretRequest{Caller: alice, Path: "alice/p", Version: v}); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("version %d after reopening: %v, want ErrNotFound", v, err)
		}
	}
}

func TestMaxVersions(t *testing.T) {
	s, _ := configure(t, map[string]any{"maxVersions": 2})
	for i := 1; i <= 3; i++ {
		if v := write(t, s, alice, "alice/m", map[string]string{"v": fmt.Sprint(i)}); v != i {
			t.Errorf("write %d: version %d", i, v)
		}
	}
	if _, err := s.Read(t.Context(), sdk.ReadSecretRequest{Caller: alice, Path: "alice/m", Version: 1}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("a forgotten version: %v, want ErrNotFound", err)
	}
	md, err := s.Metadata(t.Context(), sdk.SecretMetadataRequest{Caller: alice, Path: "alice/m"})
	if err != nil || md.CurrentVersion != 3 || len(md.Versions) != 2 || md.Versions[0].Version != 2 {
		t.Errorf("metadata: %+v, %v; want current 3 with versions 2 and 3", md, err)
	}
}

// TestHomes checks where each caller may go, with homes from configuration.
func TestHomes(t *testing.T) {
	s, _ := configure(t, map[string]any{"userHome": "users/{username}", "groupHome": "projet-{group}"})
	c := plugintest.ConnectSecrets(t, s)
	ctx := t.Context()
	home := func(caller sdk.Caller, p sdk.Project) (string, error) {
		resp, err := c.Home(ctx, sdk.SecretsHomeRequest{Caller: caller, Project: p})
		return resp.Path, err
	}
	if h, err := home(alice, sdk.Project{ID: "user-alice"}); h != "users/alice" || err != nil {
		t.Errorf("alice's home: %q, %v", h, err)
	}
	if h, err := home(alice, sdk.Project{ID: "project-data-team", Group: "data-team"}); h != "projet-data-team" || err != nil {
		t.Errorf("data-team's home: %q, %v", h, err)
	}
	if _, err := home(alice, sdk.Project{ID: "project-other-team", Group: "other-team"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("the home of a group alice is not in: %v, want ErrNotFound", err)
	}

	write(t, c, alice, "users/alice/.basalt/settings", map[string]string{"theme": "dark"})
	write(t, c, alice, "users/alice/api", map[string]string{"k": "v"})
	write(t, c, alice, "projet-data-team/db", map[string]string{"k": "v"})
	write(t, c, bob, "users/bob/mine", map[string]string{"k": "bob's"})
	list, err := c.List(ctx, sdk.ListSecretsRequest{Caller: alice, Path: "users/alice/"})
	if err != nil || len(list.Entries) != 2 || list.Entries[0] != (sdk.SecretEntry{Name: ".basalt/", Folder: true}) || list.Entries[1].Name != "api" {
		t.Errorf("List of alice's home: %+v, %v", list.Entries, err)
	}
	root, err := c.List(ctx, sdk.ListSecretsRequest{Caller: alice})
	if err != nil || len(root.Entries) != 2 {
		t.Errorf("List of the root: %+v, %v; want alice's two homes only", root.Entries, err)
	}

	for _, path := range []string{"users/bob/mine", "users/bob", "users", "projet-other-team/x", "users/alice/../bob/mine", "users/alice/./api", "users//alice/api", "users/alice/a\x00b", "users/alice"} {
		_, err := c.Read(ctx, sdk.ReadSecretRequest{Caller: alice, Path: path})
		if !errors.Is(err, sdk.ErrNotFound) && !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("Read %q: %v, want ErrNotFound or ErrInvalidArgument", path, err)
		}
		_, err = c.Write(ctx, sdk.WriteSecretRequest{Caller: alice, Path: path, Data: map[string]string{"k": "x"}})
		if !errors.Is(err, sdk.ErrNotFound) && !errors.Is(err, sdk.ErrInvalidArgument) {
			t.Errorf("Write %q: %v, want ErrNotFound or ErrInvalidArgument", path, err)
		}
	}
	if _, err := c.List(ctx, sdk.ListSecretsRequest{Caller: alice, Path: "users/bob"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("List of bob's home by alice: %v, want ErrNotFound", err)
	}
	if got := read(t, c, bob, "users/bob/mine", 0); got["k"] != "bob's" {
		t.Errorf("bob's secret: %v", got)
	}
}

// TestUserNamedLikeAGroupHome checks that a user cannot take a group's home by their name.
func TestUserNamedLikeAGroupHome(t *testing.T) {
	s, _ := configure(t, nil)
	intruder := sdk.Caller{Username: "project-data-team"}
	write(t, s, alice, "project-data-team/db", map[string]string{"password": "team"})
	if _, err := s.Home(t.Context(), sdk.SecretsHomeRequest{Caller: intruder, Project: sdk.Project{ID: "user-project-data-team"}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Home of a user named like a group's home: %v, want ErrNotFound", err)
	}
	if _, err := s.Read(t.Context(), sdk.ReadSecretRequest{Caller: intruder, Path: "project-data-team/db"}); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Read of the group's secret by a user named like its home: %v, want ErrNotFound", err)
	}
}

// TestConcurrentWrites writes from many goroutines: every write gets its own version and
// check-and-set lets exactly one of the racers create a secret.
func TestConcurrentWrites(t *testing.T) {
	s, file := configure(t, nil)
	c := plugintest.ConnectSecrets(t, s)
	const n = 24
	var wg sync.WaitGroup
	var created atomic.Int32
	zero := 0
	for i := range n {
		wg.Go(func() {
			write(t, c, alice, "alice/shared", map[string]string{"i": fmt.Sprint(i)})
			write(t, c, alice, fmt.Sprintf("alice/own/%d", i), map[string]string{"i": fmt.Sprint(i)})
			_, err := c.Write(t.Context(), sdk.WriteSecretRequest{Caller: alice, Path: "alice/once", Data: map[string]string{"i": fmt.Sprint(i)}, CheckVersion: &zero})
			switch {
			case err == nil:
				created.Add(1)
			case !errors.Is(err, sdk.ErrConflict):
				t.Errorf("check-and-set: %v", err)
			}
		})
	}
	wg.Wait()
	if created.Load() != 1 {
		t.Errorf("check-and-set with version 0: %d writers succeeded, want 1", created.Load())
	}
	md, err := c.Metadata(t.Context(), sdk.SecretMetadataRequest{Caller: alice, Path: "alice/shared"})
	if err != nil || md.CurrentVersion != n {
		t.Errorf("after %d writes: current version %d (%v)", n, md.CurrentVersion, err)
	}
	s.Close()
	again, _ := configure(t, map[string]any{"file": file})
	list, err := again.List(t.Context(), sdk.ListSecretsRequest{Caller: alice, Path: "alice/own"})
	if err != nil || len(list.Entries) != n {
		t.Errorf("after reopening: %d secrets (%v), want %d", len(list.Entries), err, n)
	}
}

// TestTokenUnimplemented: a local file has no endpoint for a service's token.
func TestTokenUnimplemented(t *testing.T) {
	s, _ := configure(t, nil)
	if _, err := s.Token(t.Context(), sdk.SecretsTokenRequest{Caller: alice}); !errors.Is(err, sdk.ErrUnimplemented) {
		t.Errorf("Token: %v, want ErrUnimplemented", err)
	}
}
