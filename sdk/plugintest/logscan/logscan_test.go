package logscan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plausible debug log: request lines, identifiers, hashes, selectors; nothing secret.
const clean = `{"time":"2026-11-29T12:00:00Z","level":"DEBUG","msg":"plugin call","plugin":"secrets","method":"/basalt.secrets.v1.Secrets/Read","path":"users/alice/api","duration":"1.2ms"}
{"level":"INFO","msg":"request","route":"/api/v1/projects/:project/secrets/secret","status":200,"request_id":"0f9d3c2a-4c1e-4b7e-9d51-6d1a2f3b4c5d"}
--- PASS: TestSecrets/WriteRead (0.01s)
    server.go:12: s.handleServiceLogsStream returned; accessor hmac-sha256:8c1f0e3a, etag "d41d8cd98f00b204e9800998ecf8427e"
2026-11-29T12:00:00.000Z [DEBUG] plugin: starting plugin: path=/tmp/basalt-plugin-vault args=["basalt-plugin-vault"]
`

func TestScanFindsEachKind(t *testing.T) {
	const root = "root-7f3e9a2b1c4d5e6f7a8b9c0d1e2f3a4b"
	canary := Canary()
	for _, tc := range []struct{ name, planted, what string }{
		{"known secret", `"msg":"vault login","token":"` + root + `"`, "Vault root token"},
		{"canary", `t.Log: read back map[API_KEY:` + canary + `]`, "canary secret value"},
		{"Vault service token", "X-Vault-Token: hvs.CAESIJ3xq9Q2mYk5fVbT8wLh0aZ1", "Vault token"},
		{"Vault batch token", "token=hvb.AAAAAQJ3xq9Q2mYk5fVbT8wLh0aZ1abc", "Vault token"},
		{"legacy Vault token", "client_token=s.9xQ2mYk5fVbT8wLh0aZ1bC3d", "legacy Vault token"},
		{"ID token", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLWFsaWNlcy10b2tlbg", "JWT"},
		{"Hydra access token", "access_token=ory_at_Zx8c3Vq1bN5mK7jH2gF4dS6aP9oI0uYt", "OAuth2 token"},
		{"Basalt API token", "Authorization: Bearer basalt_pat_user-alice_Q3kG7tVt2mZpX8rL0aBc_k2Jd8sLq0WmZxC4vB7nR1tY6uI3oP9aS5dF2gH8jKlQ", "Basalt API token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Scanner
			s.Add("Vault root token", root)
			text := clean + tc.planted + "\n" + clean
			found := s.Scan("core.log", []byte(text))
			if len(found) != 1 {
				t.Fatalf("got %d findings, want 1: %v", len(found), found)
			}
			f := found[0]
			if f.What != tc.what || f.File != "core.log" || f.Line != 6 {
				t.Errorf("got %s, want %s at core.log:6", f, tc.what)
			}
			// The report itself must not repeat the credential.
			for _, secret := range []string{root, canary, "hvs.CAES", "hvb.AAAA", "9xQ2mYk5", "c2lnbmF0dXJl", "ory_at_Zx8", "k2Jd8sLq"} {
				if strings.Contains(f.String(), secret) {
					t.Errorf("the finding repeats the credential: %s", f)
				}
			}
		})
	}
}

func TestCleanTextPasses(t *testing.T) {
	var s Scanner
	s.Add("Vault root token", "root-7f3e9a2b1c4d5e6f7a8b9c0d1e2f3a4b")
	s.Add("short", "root") // too short to look for: every log says "root"
	if s.Known() != 1 {
		t.Errorf("Known = %d, want 1", s.Known())
	}
	if found := s.Scan("clean.log", []byte(clean+"root\n")); len(found) != 0 {
		t.Errorf("findings in clean text: %v", found)
	}
}

func TestScanDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "a.log"), []byte(clean), 0o600)
	os.WriteFile(filepath.Join(dir, "sub", "b.log"), []byte("secret: "+Canary()+"\n"), 0o600)
	var s Scanner
	totals, found, err := s.ScanDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if totals.Files != 2 || totals.Bytes != int64(len(clean)+len("secret: \n")+len(Canary())) {
		t.Errorf("totals %+v", totals)
	}
	if len(found) != 1 || found[0].File != filepath.Join("sub", "b.log") || found[0].Line != 1 {
		t.Errorf("findings %v, want one in sub/b.log:1", found)
	}
}

func TestCreateAndLogger(t *testing.T) {
	t.Setenv(DirEnv, "")
	if Create(t, "core") != nil {
		t.Error("Create without a log directory returned a writer")
	}
	Logger(t, "core").Info("dropped") // discarded, no panic
	dir := t.TempDir()
	t.Setenv(DirEnv, dir)
	t.Run("sub/test", func(t *testing.T) {
		Logger(t, "core").Debug("kept at debug", "key", "value")
	})
	files, _ := filepath.Glob(filepath.Join(dir, "core-TestCreateAndLogger_sub_test-*.log"))
	if len(files) != 1 {
		t.Fatalf("log files: %v", files)
	}
	if text, _ := os.ReadFile(files[0]); !strings.Contains(string(text), `"msg":"kept at debug"`) {
		t.Errorf("the log file holds %q", text)
	}
}
