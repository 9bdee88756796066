package launch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileURIPattern reads patterns written for JavaScript's RegExp, as Onyxia's regions
// hold them, and matches as JavaScript would.
func TestCompileURIPattern(t *testing.T) {
	for _, tt := range []struct {
		pattern  string
		match    []string
		mismatch []string
	}{
		{`^https:\/\/`, []string{"https://a.org"}, []string{"http://a.org"}},
		{`^https://(?<host>[a-z.]+)\.example\.org/`, []string{"https://lab.example.org/x"}, []string{"https://lab.example.com/"}},
		{`^https:\u002F\u002F\u0065xample\.org`, []string{"https://example.org"}, []string{"https:/example.org"}},
		{`^a[^]b$`, []string{"a\nb", "axb"}, []string{"ab"}},
		{`^a[]b`, nil, []string{"ab", "a]b", "axb"}},
		{`^a.b$`, []string{"axb"}, []string{"a\rb", "a\nb", "a\u2028b"}},
		{`^[\b]$`, []string{"\b"}, []string{"b"}},
		{`^\cJ$`, []string{"\n"}, []string{"J"}},
		{`^\x41\-\e$`, []string{"A-e"}, nil},
		{`^[[:a]+$`, []string{"[:a"}, []string{"b"}},
		{`^\0$`, []string{"\x00"}, []string{"0"}},
	} {
		re, err := CompileURIPattern(tt.pattern)
		if err != nil {
			t.Errorf("%s: %v", tt.pattern, err)
			continue
		}
		for _, s := range tt.match {
			if !re.MatchString(s) {
				t.Errorf("%s (as %s) does not match %q", tt.pattern, re, s)
			}
		}
		for _, s := range tt.mismatch {
			if re.MatchString(s) {
				t.Errorf("%s (as %s) matches %q", tt.pattern, re, s)
			}
		}
	}
}

// TestCompileURIPatternRefusesWhatGoCannotRead: lookaround and backreferences have no RE2
// equivalent; the error names the construct rather than dropping the pattern.
func TestCompileURIPatternRefusesWhatGoCannotRead(t *testing.T) {
	for pattern, want := range map[string]string{
		`^(?!http:)`:       "lookahead",
		`^(?=https)`:       "lookahead",
		`(?<=a)b`:          "lookbehind",
		`(?<!a)b`:          "lookbehind",
		`(a)\1`:            "backreference",
		`(?<n>a)\k<n>`:     "backreference",
		`^\p{L}+$`:         `\p`,
		`^a{2000}$`:        "repeat",
		`^[a-z`:            "missing closing ]",
		`^https://\u{65}`:  `\u`,
		`^trailing\`:       `\`,
		`^https://(?<=x)y`: "lookbehind",
	} {
		_, err := CompileURIPattern(pattern)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error naming %s", pattern, err, want)
		}
	}
}

// TestRegionWithUncompilablePattern: loading a region refuses a pattern Go cannot check,
// naming the key, so that basalt serve stops before serving.
func TestRegionWithUncompilablePattern(t *testing.T) {
	path := filepath.Join(t.TempDir(), "region.yaml")
	mustWrite(t, path, []byte("id: paris\nservices:\n  allowedURIPattern: '^(?!http:)'\n  expose: {}\n"))
	_, err := LoadRegion(path)
	if err == nil || !strings.Contains(err.Error(), "services.allowedURIPattern") || !strings.Contains(err.Error(), "lookahead") {
		t.Fatalf("LoadRegion: %v, want an error naming services.allowedURIPattern", err)
	}
	if err := os.WriteFile(path, []byte("id: paris\nservices:\n  allowedURIPattern: '^https:\\/\\/'\n  expose: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRegion(path); err != nil {
		t.Fatalf("a translatable pattern: %v", err)
	}
}

// TestURIPatternFailsClosed: a region built in code with a pattern Go cannot check refuses
// every URL the user typed instead of letting it through, and a translated pattern is
// enforced.
func TestURIPatternFailsClosed(t *testing.T) {
	p, c, _ := dialectPlanner(t)
	in := contextCases()[0].in
	for pattern, tests := range map[string]map[string]bool{ // URL → refused
		`^(?!http:)`:              {"https://docs.example.org/guide": true, "http://evil.example.org/": true},
		`^https:\u002F\u002Fdocs`: {"https://docs.example.org/other": false, "http://evil.example.org/": true},
	} {
		in.Region = testRegion()
		in.Region.Services.AllowedURIPattern = pattern
		ctx := NewContext(in)
		for url, refused := range tests {
			_, err := p.Plan(Request{Chart: c, Context: ctx, Values: []map[string]any{{"docs": url}}})
			if !refused {
				if err != nil {
					t.Errorf("%s, %s: %v", pattern, url, err)
				}
				continue
			}
			rule := refusedAt(t, p, Request{Chart: c, Context: ctx, Values: []map[string]any{{"docs": url}}}, "docs")
			if !strings.Contains(rule, "URL") {
				t.Errorf("%s, %s: rule %q", pattern, url, rule)
			}
		}
	}
}
