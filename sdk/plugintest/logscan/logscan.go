// Package logscan keeps what a test run logs and finds credentials in it.
//
// When $BASALT_TEST_LOG_DIR names a directory, every Basalt process a test starts writes its
// log there (Create, Logger), at debug level where it can; `make test` scans the directory at
// the end (tools/cmd/logscan) for the test environment's secrets, for anything shaped like a
// token and for canaries: the values tests write as secrets (Canary), recognisable wherever
// they end up.
package logscan

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// DirEnv names the directory a test run's logs go to; unset, nothing is kept.
const DirEnv = "BASALT_TEST_LOG_DIR"

// Dir is the run's log directory, or "" when logs are not kept.
func Dir() string { return os.Getenv(DirEnv) }

// Create opens a new file for a process's log in the run's log directory, named after kind
// and the test, and closes it when the test ends. Without a log directory it returns nil.
func Create(tb testing.TB, kind string) io.Writer {
	tb.Helper()
	dir := Dir()
	if dir == "" {
		return nil
	}
	name := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, kind+"-"+tb.Name())
	f, err := os.CreateTemp(dir, name+"-*.log")
	if err != nil {
		tb.Fatalf("logscan: %v", err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// Logger is a debug-level JSON logger writing to a file of the run's log directory, for a
// core or plugin a test runs in its own process; without a log directory it discards.
func Logger(tb testing.TB, kind string) *slog.Logger {
	tb.Helper()
	if w := Create(tb, kind); w != nil {
		return debugJSON(w)
	}
	return slog.New(slog.DiscardHandler)
}

// Capture is Logger that also keeps every line in memory, for a test that reads back what
// was logged.
func Capture(tb testing.TB, kind string) (*slog.Logger, *Buffer) {
	tb.Helper()
	buf := &Buffer{}
	var w io.Writer = buf
	if kept := Create(tb, kind); kept != nil {
		w = io.MultiWriter(buf, kept)
	}
	return debugJSON(w), buf
}

func debugJSON(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Buffer is a log in memory that goroutines may write at once.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CanaryPrefix starts every canary; the scan reports any text that holds it.
const CanaryPrefix = "basalt-canary-"

// Canary returns a fresh secret value for a test to write: a log holding it leaked it.
func Canary() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return CanaryPrefix + hex.EncodeToString(b)
}

// shapes are the tokens recognisable by their form alone.
var shapes = []struct {
	what string
	re   *regexp.Regexp
	ok   func(string) bool // a further check of a match, when the form alone is too loose
}{
	{"canary secret value", regexp.MustCompile(regexp.QuoteMeta(CanaryPrefix) + `[0-9a-f]*`), nil},
	{"Vault token", regexp.MustCompile(`\bhv[sbr]\.[A-Za-z0-9_-]{20,}`), nil},
	// Legacy Vault tokens are 24 random base62 characters after "s.": a Go selector such as
	// s.handleServiceLogsStream has the form too, but never digits and both cases together.
	{"legacy Vault token", regexp.MustCompile(`\bs\.[A-Za-z0-9]{24}\b`), mixedBase62},
	// ID tokens, Vault's and Kubernetes' JWTs, MinIO's STS session tokens.
	{"JWT", regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}`), nil},
	// Hydra's opaque access and refresh tokens and authorization codes.
	{"OAuth2 token", regexp.MustCompile(`\bory_(?:at|rt|ac)_[A-Za-z0-9_.-]{20,}`), nil},
	// Basalt's own API tokens: basalt_pat_<project>_<id>_<secret>, the secret 43 characters.
	{"Basalt API token", regexp.MustCompile(`\bbasalt_pat_[a-z0-9-]+_[A-Za-z0-9]{16,64}_[A-Za-z0-9]{43}`), nil},
}

func mixedBase62(s string) bool {
	var digit, upper, lower bool
	for _, r := range s[2:] {
		digit = digit || unicode.IsDigit(r)
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
	}
	return digit && upper && lower
}

// Finding is one credential found in a log, told without the credential.
type Finding struct {
	File string
	Line int
	What string // "Vault token", "the test environment's Vault root token"...
	// Excerpt is the line around the finding, the credential replaced by [what].
	Excerpt string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.What, f.Excerpt)
}

// Scanner looks for known secrets and token shapes.
type Scanner struct {
	known []secret
}

type secret struct{ what, value string }

// minSecret is the shortest known secret looked for: shorter values ("a", "root") are words
// a log holds by chance.
const minSecret = 8

// Add makes the scan look for value, a known secret described by what.
func (s *Scanner) Add(what, value string) {
	if len(value) >= minSecret {
		s.known = append(s.known, secret{what, value})
	}
}

// Known is how many secrets the scan looks for besides the token shapes.
func (s *Scanner) Known() int { return len(s.known) }

// Scan reports every credential in text, the log named name.
func (s *Scanner) Scan(name string, text []byte) []Finding {
	var out []Finding
	for n, line := range bytes.Split(text, []byte("\n")) {
		if f := s.scanLine(string(line)); len(f) > 0 {
			for _, what := range f {
				out = append(out, Finding{File: name, Line: n + 1, What: what, Excerpt: s.redact(string(line))})
			}
		}
	}
	return out
}

func (s *Scanner) scanLine(line string) []string {
	var found []string
	for _, k := range s.known {
		if strings.Contains(line, k.value) {
			found = append(found, k.what)
		}
	}
	for _, sh := range shapes {
		for _, m := range sh.re.FindAllString(line, -1) {
			if sh.ok == nil || sh.ok(m) {
				found = append(found, sh.what)
				break
			}
		}
	}
	return found
}

// redact cuts line to its first 200 characters with every credential replaced: a report
// must not leak what it reports.
func (s *Scanner) redact(line string) string {
	for _, k := range s.known {
		line = strings.ReplaceAll(line, k.value, "["+k.what+"]")
	}
	for _, sh := range shapes {
		line = sh.re.ReplaceAllStringFunc(line, func(m string) string {
			if sh.ok == nil || sh.ok(m) {
				return "[" + sh.what + "]"
			}
			return m
		})
	}
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	return line
}

// Totals is what a scan of a directory read.
type Totals struct {
	Files int
	Bytes int64
}

// ScanDir scans every regular file under dir.
func (s *Scanner) ScanDir(dir string) (Totals, []Finding, error) {
	var t Totals
	var out []Finding
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		t.Files++
		t.Bytes += int64(len(text))
		out = append(out, s.Scan(rel, text)...)
		return nil
	})
	return t, out, err
}
