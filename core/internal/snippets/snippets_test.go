package snippets

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hostile holds characters that would end a string or run a command in a careless snippet.
const hostile = `k'e"y$(touch PWNED)` + "`id`\\\n;"

var sts = S3{AccessKeyID: "AKIA" + hostile, SecretAccessKey: "secret/" + hostile, SessionToken: "token+" + hostile,
	Endpoint: "https://minio.example.org:9000", Region: "eu-west-3", PathStyle: true, Bucket: "user-alice", Prefix: "data/"}

func TestEveryS3SnippetCarriesTheCredentials(t *testing.T) {
	snippets := S3Snippets(S3{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "wJalrEXAMPLE", SessionToken: "FwoGEXAMPLE",
		Endpoint: "https://minio.example.org:9000", Region: "eu-west-3", PathStyle: true, Bucket: "user-alice", Prefix: "data/"})
	ids := map[string]bool{}
	for _, s := range snippets {
		ids[s.ID] = true
		for _, want := range []string{"AKIAEXAMPLE", "wJalrEXAMPLE", "FwoGEXAMPLE", "minio.example.org:9000", "user-alice"} {
			if !strings.Contains(s.Code, want) {
				t.Errorf("%s lacks %q:\n%s", s.ID, want, s.Code)
			}
		}
		if s.Label == "" || s.Language == "" {
			t.Errorf("%s: label %q language %q", s.ID, s.Label, s.Language)
		}
	}
	for _, id := range []string{"aws-cli", "mc", "python-boto3", "python-s3fs", "python-pyarrow", "python-polars", "duckdb", "r-aws.s3", "r-arrow", "r-paws"} {
		if !ids[id] {
			t.Errorf("no %s snippet", id)
		}
	}
}

func TestStaticKeysHaveNoSessionToken(t *testing.T) {
	for _, s := range S3Snippets(S3{AccessKeyID: "AK", SecretAccessKey: "SK", Endpoint: "http://127.0.0.1:9000", Bucket: "b"}) {
		if strings.Contains(s.Code, "SESSION_TOKEN") || strings.Contains(s.Code, "aws_session_token\": ") {
			t.Errorf("%s mentions a session token it does not have:\n%s", s.ID, s.Code)
		}
		if s.ID == "duckdb" && !strings.Contains(s.Code, "USE_SSL false") {
			t.Errorf("plain http endpoint, yet:\n%s", s.Code)
		}
	}
}

// The shell snippets run in bash with the tools replaced by a recorder: every variable gets
// exactly the credential, and nothing in the credentials runs.
func TestShellSnippetsQuoteEverything(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	snippets := append(S3Snippets(sts), VaultSnippets(Vault{Address: "https://vault.example.org", Token: "hvs." + hostile, Mount: "kv", Home: "alice"})...)
	for _, s := range snippets {
		if s.Language != "shell" {
			continue
		}
		dir := t.TempDir()
		script := "aws() { :; }; mc() { :; }; vault() { :; }\n" + s.Code +
			"printf '%s\\0' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$MC_HOST_basalt\" \"$VAULT_TOKEN\"\n"
		cmd := exec.Command(bash, "-c", script)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", s.ID, err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "PWNED")); err == nil {
			t.Fatalf("%s ran a command hidden in a credential", s.ID)
		}
		vars := strings.Split(string(out), "\x00")
		switch s.ID {
		case "aws-cli":
			if vars[0] != sts.AccessKeyID || vars[1] != sts.SecretAccessKey || vars[2] != sts.SessionToken {
				t.Errorf("aws-cli exported %q", vars[:3])
			}
		case "mc":
			if !strings.HasPrefix(vars[3], "https://") || !strings.HasSuffix(vars[3], "@minio.example.org:9000") {
				t.Errorf("MC_HOST_basalt = %q", vars[3])
			}
		case "vault-cli":
			if vars[4] != "hvs."+hostile {
				t.Errorf("VAULT_TOKEN = %q", vars[4])
			}
		}
	}
}

// The Python snippets parse, and their string literals hold the credentials unchanged.
func TestPythonSnippetsParse(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	check := `import ast, sys
tree = ast.parse(sys.stdin.read())
print("\0".join(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)))`
	for _, s := range append(S3Snippets(sts), VaultSnippets(Vault{Address: "https://vault.example.org", Token: "hvs." + hostile, Mount: "kv", Home: "alice"})...) {
		if s.Language != "python" {
			continue
		}
		cmd := exec.Command(python, "-c", check)
		cmd.Stdin = strings.NewReader(s.Code)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s does not parse: %v\n%s\n%s", s.ID, err, out, s.Code)
		}
		literals := strings.Split(strings.TrimSuffix(string(out), "\n"), "\x00")
		want := sts.SecretAccessKey
		if s.ID == "python-hvac" {
			want = "hvs." + hostile
		}
		found := false
		for _, l := range literals {
			found = found || l == want
		}
		if !found {
			t.Errorf("%s: no literal equal to the credential among %q", s.ID, literals)
		}
	}
}

func TestSQLDoublesQuotes(t *testing.T) {
	for _, s := range S3Snippets(sts) {
		if s.ID != "duckdb" {
			continue
		}
		if !strings.Contains(s.Code, "KEY_ID 'AKIAk''e\"y$(touch PWNED)") {
			t.Errorf("duckdb quoting:\n%s", s.Code)
		}
	}
}
