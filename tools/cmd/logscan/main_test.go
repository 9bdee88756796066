package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// scanOf runs the command on a log directory holding text, with an env file of env.
func scanOf(t *testing.T, env *testenv.Env, text string) (int, string) {
	t.Helper()
	dir, logs := t.TempDir(), t.TempDir()
	envFile := filepath.Join(dir, "env")
	if err := os.WriteFile(envFile, env.Marshal(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logs, "go-test.log"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs strings.Builder
	code := run([]string{"-env", envFile, "-dir", logs}, &out, &errs)
	return code, out.String() + errs.String()
}

const cleanLog = `=== RUN   TestSecrets/WriteRead
{"level":"DEBUG","msg":"plugin call","plugin":"vault","method":"Read","path":"users/alice/plugintest-1/a"}
--- PASS: TestSecrets/WriteRead (0.02s)
`

func TestRun(t *testing.T) {
	env := &testenv.Env{VaultToken: "root-5d1c0b7e9f2a4c6e8b0d2f4a6c8e0b2d", S3SecretKey: "minio-secret-9a8b7c6d5e4f3a2b1c0d",
		PortalClientSecret: "portal-client-secret-0f1e2d3c", ServicesClientSecret: "services-secret-7a6b5c4d3e2f",
		KubeToken: "kube-admin-token-1a2b3c4d5e6f"}
	for _, tc := range []struct {
		name, planted string
		code          int
		what          string
	}{
		{"clean", "", 0, ""},
		{"Vault root token", `{"msg":"login","token":"` + env.VaultToken + `"}`, 1, "Vault root token"},
		{"MinIO secret key", "secretAccessKey=" + env.S3SecretKey, 1, "MinIO root secret key"},
		{"client secret", "client_secret=" + env.PortalClientSecret, 1, "portal OIDC client secret"},
		{"Kubernetes token", "Bearer " + env.KubeToken, 1, "Kubernetes admin token"},
		{"canary", "got map[API_KEY:" + logscan.Canary() + "]", 1, "canary secret value"},
		{"Vault token", "token hvs.CAESIGm3l0Jq8Yk2vXp9wRt5sNzA7bC", 1, "Vault token"},
		{"session token", "X-Amz-Security-Token: eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3NLZXkiOiJYWVoifQ.c2lnbmF0dXJlX29mX3RoZV9zZXNzaW9u", 1, "JWT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := scanOf(t, env, cleanLog+tc.planted+"\n")
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, out)
			}
			summary := fmt.Sprintf("logscan: 1 files, %d bytes (0.0 MB), %d findings (5 known secrets", len(cleanLog+tc.planted+"\n"), tc.code)
			if !strings.Contains(out, summary) {
				t.Errorf("no summary line:\n%s", out)
			}
			if tc.what != "" && !strings.Contains(out, "go-test.log:4: ") || !strings.Contains(out, tc.what) {
				t.Errorf("the finding names neither the place nor %q:\n%s", tc.what, out)
			}
			if tc.planted != "" && strings.Contains(out, tc.planted) {
				t.Errorf("the report repeats the credential:\n%s", out)
			}
		})
	}
}

func TestRunRefusesAnEmptyScan(t *testing.T) {
	var out, errs strings.Builder
	if code := run([]string{"-dir", t.TempDir()}, &out, &errs); code != 1 || !strings.Contains(out.String(), "nothing to scan") {
		t.Errorf("exit %d: %s%s", code, out.String(), errs.String())
	}
	if code := run(nil, &out, &errs); code != 2 {
		t.Errorf("without -dir: exit %d", code)
	}
}

// TestShapesMatchTheTestEnvironmentsTokens checks the token shapes against real tokens of the
// test environment, which the scan must find without being told them: Hydra's ID, access and
// refresh tokens, MinIO's STS session token and a Vault token from the JWT login.
func TestShapesMatchTheTestEnvironmentsTokens(t *testing.T) {
	env := testenv.Require(t)
	ctx := t.Context()
	tok, err := env.Login(ctx, testenv.LoginRequest{User: "alice", ClientID: env.ServicesClientID,
		ClientSecret: env.ServicesClientSecret, RedirectURL: env.ServicesClientRedirectURL, Scopes: []string{"openid", "offline_access"}})
	if err != nil {
		t.Fatal(err)
	}
	sts, err := env.AssumeRoleWithWebIdentity(ctx, tok.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	vault, err := env.VaultLogin(ctx, tok.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	real := map[string]string{"ID token": tok.IDToken, "access token": tok.AccessToken, "STS session token": sts.SessionToken, "Vault token": vault}
	if tok.RefreshToken != "" {
		real["refresh token"] = tok.RefreshToken
	}
	var scan logscan.Scanner // no known secret: the shapes alone
	for what, value := range real {
		line := `{"level":"DEBUG","msg":"call","header":"Bearer ` + value + `"}`
		if found := scan.Scan("core.log", []byte(line)); len(found) != 1 {
			// Only the length and the start: the token itself must not reach the test log.
			t.Errorf("%s (%d characters, starting %.4s): %d findings, want 1", what, len(value), value, len(found))
		}
	}
	t.Logf("shapes found in the test environment's real %v", slices.Sorted(maps.Keys(real)))
}
