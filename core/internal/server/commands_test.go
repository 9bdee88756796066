package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

// hostileNames are names a user may give a file, a folder or a secret that a shell would read
// as something else than one word: a command to run, a variable, a glob, several words, an
// option, or a quote that ends the quoting.
var hostileNames = []string{
	"$(touch pwned)", "`touch pwned`", "; touch pwned #", "a&b|c>d", "$HOME", "${PATH}", "*", "[ab]", "~root",
	"it's", `say "hi"`, `back\slash`, "two words", "tab\there", "line\nbreak", "-rf", "--force", "é è",
}

// TestCommandPanelQuotesHostileNames: the mc and vault commands Basalt returns for files and
// secrets with hostile names are each one command whose words are exactly the intended ones,
// for a parser (mvdan.cc/sh) and for bash itself, which runs them with mc and vault replaced
// by a function printing its arguments; nothing else runs.
func TestCommandPanelQuotesHostileNames(t *testing.T) {
	mem := testplugin.Memory(t)
	base := startWithPlugins(t, map[string]config.Plugin{
		"files":   {Kind: "storage", Path: mem, Args: []string{"storage"}},
		"secrets": {Kind: "secrets", Path: mem, Args: []string{"secrets"}},
	}, "auth.local.username=alice", "auth.local.groups=[data-team]")
	files, secrets := base+"/api/v1/projects/user-alice/files", base+"/api/v1/projects/user-alice/secrets"
	var list SecretList
	if code := getJSON(t, secrets, &list); code != 200 {
		t.Fatalf("secrets home: %d", code)
	}
	home := list.Home

	for _, name := range hostileNames {
		q := func(path string) string { return url.QueryEscape(path) }
		dir, key := "cmds/"+name+"/", "cmds/"+name+"/"+name
		s3 := func(key string) string { return "s3/user-alice/" + key }
		check := func(method, url, body string, want ...string) {
			t.Helper()
			header := []string{"Content-Type", "application/json"}
			if strings.HasSuffix(url, "content?path="+q("user-alice/"+key)) {
				header = []string{"Content-Type", "text/plain"}
			}
			resp, raw := do(t, method, url, strings.NewReader(body), header...)
			var out struct{ Commands []string }
			if resp.StatusCode/100 != 2 || json.Unmarshal(raw, &out) != nil || len(out.Commands) != 1 {
				t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
			}
			checkCommand(t, out.Commands[0], want)
		}
		check(http.MethodPut, files+"/content?path="+q("user-alice/"+key), "data", "mc", "cp", "./"+name, s3(key))
		check(http.MethodGet, files+"?path="+q("user-alice/"+dir), "", "mc", "ls", s3(dir))
		check(http.MethodPost, files+"/folders", `{"path":`+jsonString("user-alice/"+dir+"sub")+`}`, "mc", "cp", "/dev/null", s3(dir+"sub/.keep"))
		check(http.MethodPost, files+"/share", `{"path":`+jsonString("user-alice/"+key)+`,"expiry":"1h"}`, "mc", "share", "download", "--expire", "1h0m0s", s3(key))
		check(http.MethodPut, files+"/policy", `{"path":`+jsonString("user-alice/"+dir)+`,"public":true}`, "mc", "anonymous", "set", "download", s3(dir))
		check(http.MethodDelete, files+"?path="+q("user-alice/"+key), "", "mc", "rm", s3(key))
		check(http.MethodDelete, files+"?recursive=true&path="+q("user-alice/"+dir), "", "mc", "rm", "--recursive", "--force", s3(dir))

		secret, folder := home+"/cmds/"+name+"/"+name, home+"/cmds/"+name
		at := "/secret?path=" + q("cmds/"+name+"/"+name)
		check(http.MethodPut, secrets+at, `{"data":{"TOKEN":"x"}}`, "vault", "kv", "put", secret, "TOKEN=…")
		check(http.MethodGet, secrets+"?path="+q("cmds/"+name), "", "vault", "kv", "list", folder)
		check(http.MethodGet, secrets+at, "", "vault", "kv", "get", secret)
		check(http.MethodGet, secrets+at+"&version=1", "", "vault", "kv", "get", "-version=1", secret)
		check(http.MethodGet, secrets+"/secret/versions?path="+q("cmds/"+name+"/"+name), "", "vault", "kv", "metadata", "get", secret)
		check(http.MethodDelete, secrets+at+"&versions=1", "", "vault", "kv", "delete", "-versions=1", secret)
		check(http.MethodPost, secrets+"/secret/undelete?versions=1&path="+q("cmds/"+name+"/"+name), "", "vault", "kv", "undelete", "-versions=1", secret)
		check(http.MethodDelete, secrets+at, "", "vault", "kv", "delete", secret)
		check(http.MethodDelete, secrets+at+"&versions=1&destroy=true", "", "vault", "kv", "destroy", "-versions=1", secret)
		check(http.MethodDelete, secrets+at+"&all=true", "", "vault", "kv", "metadata", "delete", secret)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// checkCommand fails unless cmd is one simple command whose words are want, as mvdan.cc/sh
// parses it and as bash runs it.
func checkCommand(t *testing.T, cmd string, want []string) {
	t.Helper()
	if out, err := exec.Command("bash", "-n", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("bash -n refuses %q: %v %s", cmd, err, out)
	}

	file, err := syntax.NewParser().Parse(strings.NewReader(cmd), "")
	if err != nil {
		t.Fatalf("%q does not parse: %v", cmd, err)
	}
	var call *syntax.CallExpr
	if len(file.Stmts) == 1 {
		stmt := file.Stmts[0]
		call, _ = stmt.Cmd.(*syntax.CallExpr)
		if stmt.Background || stmt.Negated || len(stmt.Redirs) > 0 {
			call = nil
		}
	}
	if call == nil || len(call.Assigns) > 0 {
		t.Fatalf("%q is not one simple command", cmd)
	}
	var words []string
	for _, w := range call.Args {
		if unquotedExpansion(w) {
			t.Fatalf("%q: the word %q would be expanded or run", cmd, cmd[w.Pos().Offset():w.End().Offset()])
		}
		fields, err := expand.Fields(nil, w) // quote removal, as for a command's arguments
		if err != nil || len(fields) != 1 {
			t.Fatalf("%q: the word %q makes %q (%v)", cmd, cmd[w.Pos().Offset():w.End().Offset()], fields, err)
		}
		words = append(words, fields[0])
	}
	if !slices.Equal(words, want) {
		t.Fatalf("%q parses as %q, want %q", cmd, words, want)
	}

	// bash runs it, with the programs replaced by a function printing its words, in a folder
	// where a glob would match and a command substitution would leave a file.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "decoy"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `argv() { printf '%s\0' "$@"; }; mc() { argv mc "$@"; }; vault() { argv vault "$@"; }
helm() { argv helm "$@"; }; kubectl() { argv kubectl "$@"; }
` + cmd
	run := exec.Command("bash", "-c", script)
	run.Dir, run.Env = dir, []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	if err := run.Run(); err != nil {
		t.Fatalf("bash -c %q: %v %s", cmd, err, stderr.String())
	}
	if got := strings.Split(strings.TrimSuffix(stdout.String(), "\x00"), "\x00"); !slices.Equal(got, want) {
		t.Fatalf("bash runs %q with the words %q, want %q", cmd, got, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("bash -c %q left %d files: something else ran", cmd, len(entries)-1)
	}
}

// unquotedExpansion tells whether a word holds anything a shell expands: parameters, command
// substitutions, arithmetic, or a glob or tilde outside quotes.
func unquotedExpansion(w *syntax.Word) bool {
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.SglQuoted:
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "*?[~") {
				return true
			}
		default:
			return true
		}
	}
	return false
}
