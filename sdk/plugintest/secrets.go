package plugintest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// SecretsSetup is what the secrets kit needs from the implementation under test.
type SecretsSetup struct {
	// Secrets is the configured implementation.
	Secrets sdk.Secrets
	// Connected says Secrets already is a client across the plugin wire; the kit then uses
	// it as is.
	Connected bool
	// Caller is the user the kit acts as; Project defaults to the caller's personal project.
	Caller  sdk.Caller
	Project sdk.Project
	// Folder is where the kit may write. When empty, the kit uses the caller's Home. The kit
	// works in a fresh sub-folder of it and removes what it wrote.
	Folder string
	// Other, when set, is a second user who must not read or write Caller's secrets.
	Other *sdk.Caller
}

// TestSecrets runs the secrets conformance kit. setup is called once per subtest.
func TestSecrets(t *testing.T, setup func(t *testing.T) SecretsSetup) {
	run := func(name string, test func(t *testing.T, k *secretsKit)) {
		t.Run(name, func(t *testing.T) { test(t, newSecretsKit(t, setup(t))) })
	}
	run("Info", func(t *testing.T, k *secretsKit) { testBase(t, sdk.KindSecrets, k.s) })
	run("Home", testSecretsHome)
	run("WriteRead", testSecretsWriteRead)
	run("Versions", testSecretsVersions)
	run("CheckVersion", testSecretsCheckVersion)
	run("List", testSecretsList)
	run("SoftDelete", testSecretsSoftDelete)
	run("Destroy", testSecretsDestroy)
	run("DeleteAll", testSecretsDeleteAll)
	run("Metadata", testSecretsMetadata)
	run("Token", testSecretsToken)
	run("Isolation", testSecretsIsolation)
}

type secretsKit struct {
	s       sdk.Secrets
	setup   SecretsSetup
	ctx     context.Context
	project sdk.Project
	root    string // the kit's own folder, without a trailing slash
	written []string
}

func newSecretsKit(t *testing.T, setup SecretsSetup) *secretsKit {
	t.Helper()
	if setup.Secrets == nil {
		t.Fatal("plugintest: SecretsSetup.Secrets is nil")
	}
	k := &secretsKit{s: setup.Secrets, setup: setup, ctx: testContext(t), project: setup.Project}
	if !setup.Connected {
		k.s = ConnectSecrets(t, setup.Secrets)
	}
	if k.project.ID == "" {
		k.project = sdk.Project{ID: "user-" + setup.Caller.Username}
	}
	base := setup.Folder
	if base == "" {
		home, err := k.s.Home(k.ctx, sdk.SecretsHomeRequest{Caller: setup.Caller, Project: k.project})
		if err != nil {
			t.Fatalf("Home: %v", err)
		}
		base = home.Path
	}
	k.root = strings.TrimSuffix(base, "/") + "/" + unique("plugintest-")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, p := range k.written {
			_, _ = k.s.Delete(ctx, sdk.DeleteSecretRequest{Caller: setup.Caller, Path: p, All: true})
		}
	})
	return k
}

func (k *secretsKit) path(name string) string { return k.root + "/" + name }

func (k *secretsKit) write(t *testing.T, name string, data map[string]string) int {
	t.Helper()
	resp, err := k.s.Write(k.ctx, sdk.WriteSecretRequest{Caller: k.setup.Caller, Path: k.path(name), Data: data})
	if err != nil {
		t.Fatalf("Write %s: %v", name, err)
	}
	if !slices.Contains(k.written, k.path(name)) {
		k.written = append(k.written, k.path(name))
	}
	return resp.Version
}

func (k *secretsKit) read(t *testing.T, name string, version int) (sdk.ReadSecretResponse, error) {
	t.Helper()
	return k.s.Read(k.ctx, sdk.ReadSecretRequest{Caller: k.setup.Caller, Path: k.path(name), Version: version})
}

func (k *secretsKit) wantData(t *testing.T, name string, version int, want map[string]string) {
	t.Helper()
	got, err := k.read(t, name, version)
	if err != nil {
		t.Fatalf("Read %s version %d: %v", name, version, err)
	}
	if !maps.Equal(got.Data, want) {
		t.Errorf("Read %s version %d: %s", name, version, dataDiff(got.Data, want))
	}
}

// dataDiff tells how a secret's data differs from what was written without the values,
// which are canaries (logscan.Canary): make test fails when one reaches a log, this one too.
func dataDiff(got, want map[string]string) string {
	var wrong []string
	for k, v := range want {
		if g, ok := got[k]; ok && g != v {
			wrong = append(wrong, k)
		}
	}
	slices.Sort(wrong)
	return fmt.Sprintf("keys %v, want %v; other values under %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)), wrong)
}

func (k *secretsKit) wantNotFound(t *testing.T, name string, version int) {
	t.Helper()
	if got, err := k.read(t, name, version); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Read %s version %d: got %v (version %d), want ErrNotFound", name, version, err, got.Version)
	}
}

func (k *secretsKit) metadata(t *testing.T, name string) sdk.SecretMetadataResponse {
	t.Helper()
	md, err := k.s.Metadata(k.ctx, sdk.SecretMetadataRequest{Caller: k.setup.Caller, Path: k.path(name)})
	if err != nil {
		t.Fatalf("Metadata %s: %v", name, err)
	}
	return md
}

func (k *secretsKit) version(t *testing.T, md sdk.SecretMetadataResponse, v int) sdk.SecretVersion {
	t.Helper()
	for _, sv := range md.Versions {
		if sv.Version == v {
			return sv
		}
	}
	t.Fatalf("Metadata: no version %d in %+v", v, md.Versions)
	return sdk.SecretVersion{}
}

func testSecretsHome(t *testing.T, k *secretsKit) {
	home, err := k.s.Home(k.ctx, sdk.SecretsHomeRequest{Caller: k.setup.Caller, Project: k.project})
	if err != nil {
		t.Fatalf("Home: %v", err)
	}
	if home.Path == "" || strings.HasPrefix(home.Path, "/") {
		t.Errorf("Home: %q, want a relative, non-empty path", home.Path)
	}
	if k.setup.Other != nil {
		other, err := k.s.Home(k.ctx, sdk.SecretsHomeRequest{Caller: *k.setup.Other, Project: sdk.Project{ID: "user-" + k.setup.Other.Username}})
		if err != nil {
			t.Fatalf("Home of the other user: %v", err)
		}
		if other.Path == home.Path {
			t.Errorf("Home: two users share %q", home.Path)
		}
	}
}

func testSecretsWriteRead(t *testing.T, k *secretsKit) {
	// Every value a secrets kit writes is a canary that make test looks for in the logs.
	data := map[string]string{"API_KEY": logscan.Canary(), "empty": "", "multi": logscan.Canary() + "\n" + logscan.Canary()}
	before := time.Now().Add(-time.Minute)
	if v := k.write(t, "api", data); v != 1 {
		t.Errorf("Write of a new secret: version %d, want 1", v)
	}
	got, err := k.read(t, "api", 0)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !maps.Equal(got.Data, data) || got.Version != 1 {
		t.Errorf("Read: version %d, want 1; %s", got.Version, dataDiff(got.Data, data))
	}
	if got.Created.Before(before) || got.Created.After(time.Now().Add(time.Minute)) {
		t.Errorf("Read: created %v is not around now", got.Created)
	}
	k.wantNotFound(t, "no-such-secret", 0)
}

func testSecretsVersions(t *testing.T, k *secretsKit) {
	one, two, three := logscan.Canary(), logscan.Canary(), logscan.Canary()
	for i, value := range []string{one, two, three} {
		if v := k.write(t, "v", map[string]string{"value": value}); v != i+1 {
			t.Errorf("Write %d: version %d, want %d", i+1, v, i+1)
		}
	}
	k.wantData(t, "v", 0, map[string]string{"value": three})
	k.wantData(t, "v", 1, map[string]string{"value": one})
	k.wantData(t, "v", 2, map[string]string{"value": two})
	if got, err := k.read(t, "v", 1); err == nil && got.Version != 1 {
		t.Errorf("Read of version 1 says version %d", got.Version)
	}
	k.wantNotFound(t, "v", 4)
}

func testSecretsCheckVersion(t *testing.T, k *secretsKit) {
	zero, one := 0, 1
	write := func(data string, check *int) error {
		_, err := k.s.Write(k.ctx, sdk.WriteSecretRequest{Caller: k.setup.Caller, Path: k.path("cas"), Data: map[string]string{"d": data}, CheckVersion: check})
		if err == nil && !slices.Contains(k.written, k.path("cas")) {
			k.written = append(k.written, k.path("cas"))
		}
		return err
	}
	first, second := logscan.Canary(), logscan.Canary()
	if err := write(first, &zero); err != nil {
		t.Fatalf("Write with CheckVersion 0 on a new secret: %v", err)
	}
	if err := write(logscan.Canary(), &zero); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Write with CheckVersion 0 on an existing secret: got %v, want ErrConflict", err)
	}
	if err := write(second, &one); err != nil {
		t.Fatalf("Write with CheckVersion 1 when current is 1: %v", err)
	}
	if err := write(logscan.Canary(), &one); !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Write with CheckVersion 1 when current is 2: got %v, want ErrConflict", err)
	}
	k.wantData(t, "cas", 0, map[string]string{"d": second})
	if md := k.metadata(t, "cas"); md.CurrentVersion != 2 {
		t.Errorf("after two conflicts: current version %d, want 2", md.CurrentVersion)
	}
}

func testSecretsList(t *testing.T, k *secretsKit) {
	k.write(t, "list/a", map[string]string{"k": logscan.Canary()})
	k.write(t, "list/b", map[string]string{"k": logscan.Canary()})
	k.write(t, "list/dir/c", map[string]string{"k": logscan.Canary()})
	k.write(t, "list/dir/deeper/d", map[string]string{"k": logscan.Canary()})
	resp, err := k.s.List(k.ctx, sdk.ListSecretsRequest{Caller: k.setup.Caller, Path: k.path("list")})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var secrets, folders []string
	for _, e := range resp.Entries {
		if e.Folder != strings.HasSuffix(e.Name, "/") {
			t.Errorf("List: entry %+v: a folder's name ends in / and only a folder's", e)
		}
		if e.Folder {
			folders = append(folders, e.Name)
		} else {
			secrets = append(secrets, e.Name)
		}
	}
	wantSet(t, "List: secrets", secrets, []string{"a", "b"})
	wantSet(t, "List: folders", folders, []string{"dir/"})

	resp, err = k.s.List(k.ctx, sdk.ListSecretsRequest{Caller: k.setup.Caller, Path: k.path("list/dir/")})
	if err != nil {
		t.Fatalf("List with a trailing slash: %v", err)
	}
	if len(resp.Entries) != 2 {
		t.Errorf("List of list/dir/: %+v, want c and deeper/", resp.Entries)
	}
	resp, err = k.s.List(k.ctx, sdk.ListSecretsRequest{Caller: k.setup.Caller, Path: k.path("nothing-here")})
	if err == nil && len(resp.Entries) != 0 {
		t.Errorf("List of an empty folder: %+v", resp.Entries)
	} else if err != nil && !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("List of an empty folder: %v, want no entries or ErrNotFound", err)
	}
}

func testSecretsSoftDelete(t *testing.T, k *secretsKit) {
	v1, v2 := map[string]string{"v": logscan.Canary()}, map[string]string{"v": logscan.Canary()}
	k.write(t, "soft", v1)
	k.write(t, "soft", v2)
	if _, err := k.s.Delete(k.ctx, sdk.DeleteSecretRequest{Caller: k.setup.Caller, Path: k.path("soft")}); err != nil {
		t.Fatalf("Delete (latest): %v", err)
	}
	k.wantNotFound(t, "soft", 0)
	k.wantNotFound(t, "soft", 2)
	k.wantData(t, "soft", 1, v1)
	md := k.metadata(t, "soft")
	if v := k.version(t, md, 2); v.Deleted.IsZero() || v.Destroyed {
		t.Errorf("Metadata after a soft delete: version 2 is %+v, want deleted and not destroyed", v)
	}
	if _, err := k.s.Undelete(k.ctx, sdk.UndeleteSecretRequest{Caller: k.setup.Caller, Path: k.path("soft"), Versions: []int{2}}); err != nil {
		t.Fatalf("Undelete: %v", err)
	}
	k.wantData(t, "soft", 0, v2)
	if v := k.version(t, k.metadata(t, "soft"), 2); !v.Deleted.IsZero() {
		t.Errorf("Metadata after undelete: version 2 still deleted at %v", v.Deleted)
	}
}

func testSecretsDestroy(t *testing.T, k *secretsKit) {
	v2 := map[string]string{"v": logscan.Canary()}
	k.write(t, "destroy", map[string]string{"v": logscan.Canary()})
	k.write(t, "destroy", v2)
	if _, err := k.s.Delete(k.ctx, sdk.DeleteSecretRequest{Caller: k.setup.Caller, Path: k.path("destroy"), Versions: []int{1}, Destroy: true}); err != nil {
		t.Fatalf("Delete (destroy version 1): %v", err)
	}
	k.wantNotFound(t, "destroy", 1)
	k.wantData(t, "destroy", 0, v2)
	_, err := k.s.Undelete(k.ctx, sdk.UndeleteSecretRequest{Caller: k.setup.Caller, Path: k.path("destroy"), Versions: []int{1}})
	if err != nil && !errors.Is(err, sdk.ErrNotFound) && !errors.Is(err, sdk.ErrConflict) {
		t.Errorf("Undelete of a destroyed version: %v", err)
	}
	k.wantNotFound(t, "destroy", 1)
	if v := k.version(t, k.metadata(t, "destroy"), 1); !v.Destroyed {
		t.Errorf("Metadata: version 1 is %+v, want destroyed", v)
	}
}

func testSecretsDeleteAll(t *testing.T, k *secretsKit) {
	k.write(t, "all/doomed", map[string]string{"v": logscan.Canary()})
	k.write(t, "all/doomed", map[string]string{"v": logscan.Canary()})
	k.write(t, "all/kept", map[string]string{"v": logscan.Canary()})
	if _, err := k.s.Delete(k.ctx, sdk.DeleteSecretRequest{Caller: k.setup.Caller, Path: k.path("all/doomed"), All: true}); err != nil {
		t.Fatalf("Delete (all): %v", err)
	}
	_, err := k.s.Metadata(k.ctx, sdk.SecretMetadataRequest{Caller: k.setup.Caller, Path: k.path("all/doomed")})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Metadata after deleting all: got %v, want ErrNotFound", err)
	}
	k.wantNotFound(t, "all/doomed", 0)
	k.wantNotFound(t, "all/doomed", 1)
	resp, err := k.s.List(k.ctx, sdk.ListSecretsRequest{Caller: k.setup.Caller, Path: k.path("all")})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(resp.Entries) != 1 || resp.Entries[0].Name != "kept" {
		t.Errorf("List after deleting all of one secret: %+v, want only kept", resp.Entries)
	}
	// The path is free again: a new secret starts at version 1.
	if v := k.write(t, "all/doomed", map[string]string{"v": logscan.Canary()}); v != 1 {
		t.Errorf("Write after deleting all: version %d, want 1", v)
	}
}

func testSecretsMetadata(t *testing.T, k *secretsKit) {
	for range 3 {
		k.write(t, "md", map[string]string{"v": logscan.Canary()})
	}
	md := k.metadata(t, "md")
	if md.CurrentVersion != 3 || len(md.Versions) != 3 {
		t.Fatalf("Metadata: current %d with %d versions, want 3 and 3", md.CurrentVersion, len(md.Versions))
	}
	for i, v := range md.Versions {
		if v.Version != i+1 {
			t.Errorf("Metadata: versions %+v are not oldest first", md.Versions)
			break
		}
		if v.Created.IsZero() || (i > 0 && v.Created.Before(md.Versions[i-1].Created)) {
			t.Errorf("Metadata: version %d created %v, not after the one before", v.Version, v.Created)
		}
		if !v.Deleted.IsZero() || v.Destroyed {
			t.Errorf("Metadata: version %d is deleted or destroyed: %+v", v.Version, v)
		}
	}
	if md.Created.IsZero() || md.Updated.Before(md.Created) {
		t.Errorf("Metadata: created %v, updated %v", md.Created, md.Updated)
	}
	_, err := k.s.Metadata(k.ctx, sdk.SecretMetadataRequest{Caller: k.setup.Caller, Path: k.path("no-such-secret")})
	if !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("Metadata of a missing secret: got %v, want ErrNotFound", err)
	}
}

func testSecretsToken(t *testing.T, k *secretsKit) {
	k.write(t, "tok", map[string]string{"v": logscan.Canary()})
	resp, err := k.s.Token(k.ctx, sdk.SecretsTokenRequest{Caller: k.setup.Caller, Paths: []string{k.path("tok")}, TTL: time.Hour})
	skipUnimplemented(t, "Token", err)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if resp.Token == "" {
		t.Error("Token: empty token")
	}
	if !resp.Expiration.IsZero() && !resp.Expiration.After(time.Now()) {
		t.Errorf("Token: already expired at %v", resp.Expiration)
	}
	if resp.Accessor == "" {
		return
	}
	revoke := sdk.RevokeSecretsTokenRequest{Caller: k.setup.Caller, Accessor: resp.Accessor}
	_, err = k.s.RevokeToken(k.ctx, revoke)
	skipUnimplemented(t, "RevokeToken", err)
	if err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, err := k.s.RevokeToken(k.ctx, revoke); err != nil {
		t.Errorf("RevokeToken of a token already revoked: %v, want no error", err)
	}
}

func testSecretsIsolation(t *testing.T, k *secretsKit) {
	if k.setup.Other == nil {
		t.Skip("SecretsSetup.Other is not set: this store does not isolate users")
	}
	other := *k.setup.Other
	mine := map[string]string{"token": logscan.Canary()}
	k.write(t, "private", mine)
	_, err := k.s.Read(k.ctx, sdk.ReadSecretRequest{Caller: other, Path: k.path("private")})
	wantKind(t, "Read by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	_, err = k.s.Metadata(k.ctx, sdk.SecretMetadataRequest{Caller: other, Path: k.path("private")})
	wantKind(t, "Metadata by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	resp, err := k.s.List(k.ctx, sdk.ListSecretsRequest{Caller: other, Path: k.root})
	if err == nil && len(resp.Entries) > 0 {
		t.Errorf("List by another user shows %+v", resp.Entries)
	} else if err != nil {
		wantKind(t, "List by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	}
	_, err = k.s.Write(k.ctx, sdk.WriteSecretRequest{Caller: other, Path: k.path("private"), Data: map[string]string{"token": logscan.Canary()}})
	wantKind(t, "Write by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	_, err = k.s.Delete(k.ctx, sdk.DeleteSecretRequest{Caller: other, Path: k.path("private"), All: true})
	wantKind(t, "Delete by another user", err, sdk.ErrNotFound, sdk.ErrPermissionDenied)
	k.wantData(t, "private", 0, mine)
}
