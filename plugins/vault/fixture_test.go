package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// pluginLogs holds every line that the plugin processes of this test binary logged, and
// credentials the scan looks for in them besides token shapes.
var pluginLogs struct {
	sync.Mutex
	buf     bytes.Buffer
	scan    logscan.Scanner // tokens and secret values that must never appear in the logs
	spawned int
}

type logSink struct{}

func (logSink) Write(p []byte) (int, error) {
	pluginLogs.Lock()
	defer pluginLogs.Unlock()
	return pluginLogs.buf.Write(p)
}

// mustNotLog adds a token or a secret value to what the log scan looks for.
func mustNotLog(values ...string) {
	pluginLogs.Lock()
	defer pluginLogs.Unlock()
	for _, v := range values {
		pluginLogs.scan.Add("a token or secret value of the test", v)
	}
}

// TestMain runs the tests, then scans the logs of every plugin process they started for a
// token or a secret value: finding one fails the run.
func TestMain(m *testing.M) {
	code := plugintest.Run(m)
	if shared != nil {
		os.RemoveAll(filepath.Dir(shared.issuerFile))
	}
	pluginLogs.Lock()
	logs := pluginLogs.buf.String()
	if pluginLogs.spawned > 0 {
		for _, f := range pluginLogs.scan.Scan("the plugin's logs", []byte(logs)) {
			fmt.Fprintf(os.Stderr, "FAIL: log scan: %s\n", f)
			code = 1
		}
		if !strings.Contains(logs, "logged the user in to Vault") {
			fmt.Fprintln(os.Stderr, "FAIL: log scan: the plugin's debug logs were not captured, so the scan proves nothing")
			code = 1
		}
		fmt.Fprintf(os.Stderr, "log scan: %d bytes of plugin logs from %d processes, %d credentials and values looked for\n", len(logs), pluginLogs.spawned, pluginLogs.scan.Known())
	}
	pluginLogs.Unlock()
	os.Exit(code)
}

// world is the test environment's Vault seen by the plugin: users with ID tokens and an issuer
// token for limited tokens.
type world struct {
	env              *testenv.Env
	alice, bob, dave sdk.Caller
	issuerFile       string
}

var (
	worldOnce sync.Once
	shared    *world
	worldErr  error
)

// Names of what the tests configure in the shared Vault, as the README tells operators to.
const (
	tokenRole    = "basalt-secret"
	issuerPolicy = "basalt-token-issuer"
)

// issuerPolicyText is the README's policy of the issuer token.
const issuerPolicyText = `path "sys/policies/acl/basalt-secret-*" { capabilities = ["create", "update"] }
path "auth/token/create/basalt-secret" { capabilities = ["update"] }
path "auth/token/lookup-accessor" { capabilities = ["update"] }
path "auth/token/revoke-accessor" { capabilities = ["update"] }
`

func setupWorld(t *testing.T) *world {
	t.Helper()
	env := testenv.Require(t)
	worldOnce.Do(func() { shared, worldErr = newWorld(env) })
	if worldErr != nil {
		t.Fatalf("preparing Vault: %v", worldErr)
	}
	return shared
}

func newWorld(env *testenv.Env) (*world, error) {
	ctx := context.Background()
	w := &world{env: env}
	for _, u := range []struct {
		c    *sdk.Caller
		name string
	}{{&w.alice, "alice"}, {&w.bob, "bob"}, {&w.dave, "dave"}} {
		user, _ := testenv.LookupUser(u.name)
		tok, err := env.IDToken(ctx, u.name)
		if err != nil {
			return nil, fmt.Errorf("ID token of %s: %w", u.name, err)
		}
		mustNotLog(tok)
		*u.c = sdk.Caller{Subject: u.name, Username: u.name, Email: user.Email, Groups: user.Groups, IDToken: tok}
	}
	steps := []struct {
		method, path string
		body         map[string]any
	}{
		{"PUT", "/v1/sys/policies/acl/" + issuerPolicy, map[string]any{"policy": issuerPolicyText}},
		{"POST", "/v1/auth/token/roles/" + tokenRole, map[string]any{
			"allowed_policies_glob": []string{"basalt-secret-*"}, "orphan": true, "renewable": false,
			"token_explicit_max_ttl": "720h",
		}},
	}
	for _, s := range steps {
		if err := env.Vault(ctx, "", s.method, s.path, s.body, nil); err != nil {
			return nil, fmt.Errorf("%s: %w", s.path, err)
		}
	}
	var created struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if err := env.Vault(ctx, "", "POST", "/v1/auth/token/create", map[string]any{
		"policies": []string{issuerPolicy}, "ttl": "2h", "no_parent": true, "display_name": "basalt-plugin-test",
	}, &created); err != nil {
		return nil, fmt.Errorf("issuer token: %w", err)
	}
	mustNotLog(created.Auth.ClientToken, env.VaultToken)
	dir, err := os.MkdirTemp("", "basalt-vault-test-")
	if err != nil {
		return nil, err
	}
	w.issuerFile = filepath.Join(dir, "issuer-token")
	return w, os.WriteFile(w.issuerFile, []byte(created.Auth.ClientToken+"\n"), 0o600)
}

// config is the plugin's configuration for the test environment, with changes.
func (w *world) config(changes map[string]any) map[string]any {
	cfg := map[string]any{
		"address":         w.env.VaultAddr,
		"kvMount":         w.env.VaultKVMount,
		"jwtMount":        w.env.VaultJWTMount,
		"jwtRole":         w.env.VaultJWTRole,
		"userHome":        testenv.UserVaultPath("{username}"),
		"groupHome":       testenv.GroupVaultPath("{group}"),
		"issuerTokenFile": w.issuerFile,
	}
	for k, v := range changes {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	return cfg
}

// spawn starts the plugin binary as the core does, its logs captured for the scan, and
// configures it.
func (w *world) spawn(t *testing.T, changes map[string]any) sdk.Secrets {
	t.Helper()
	p, _ := plugintest.SpawnLogged(t, sdk.KindSecrets, plugintest.Build(t, "./cmd/basalt-plugin-vault"), logSink{})
	pluginLogs.Lock()
	pluginLogs.spawned++
	pluginLogs.Unlock()
	s := p.(sdk.Secrets)
	raw, _ := json.Marshal(w.config(changes))
	if _, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: raw}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return s
}
