package sdk_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

func TestProjectNameKeepsSimpleNames(t *testing.T) {
	for name, want := range map[string]string{
		"alice": "user-alice", "data-team": "user-data-team", "a1": "user-a1", "007": "user-007",
		strings.Repeat("x", 58): "user-" + strings.Repeat("x", 58),
	} {
		if got, ok := sdk.ProjectName("user-", name); !ok || got != want {
			t.Errorf("%q: %q (%v), want %q", name, got, ok, want)
		}
	}
}

// Names that differ in case or punctuation, names that look like a hashed one, and names too
// long for a label all get names of their own.
func TestProjectNameIsInjective(t *testing.T) {
	long := strings.Repeat("x", 59)
	aliceHashed, _ := sdk.ProjectName("user-", "Alice")
	names := []string{
		"alice", "Alice", "alice_", "alice.", "ALICE", " alice", "alice-",
		"data-team", "data.team", "Data_Team", "/data/team", "data--team", "data_team",
		strings.TrimPrefix(aliceHashed, "user-"), // a simple-looking name spelling Alice's project
		long, long + "x", long + "y", strings.Repeat("x", 300),
		"张伟", "李娜", "***", "-",
	}
	seen := map[string]string{}
	for _, name := range names {
		got, ok := sdk.ProjectName("user-", name)
		if !ok {
			t.Errorf("%q: no name", name)
			continue
		}
		if !dnsLabel.MatchString(got) {
			t.Errorf("%q: %q is not a DNS label of at most 63 characters", name, got)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%q and %q share %q", name, other, got)
		}
		seen[got] = name
	}
	if got, _ := sdk.ProjectName("user-", "Alice"); got != "user-alice--3bc51062973c458d" {
		t.Errorf("Alice: %q, want the slug and 16 digits of the name's SHA-256, stable across releases", got)
	}
}

func TestProjectNameRefusesWhatMakesNoLabel(t *testing.T) {
	for _, c := range []struct{ prefix, name string }{
		{"user-", ""},
		{"", "***"}, // nothing of the name is left to start the label
		{"User-", "alice"},
		{strings.Repeat("p", 50), "Alice"}, // no room for the hash
	} {
		if got, ok := sdk.ProjectName(c.prefix, c.name); ok {
			t.Errorf("prefix %q, name %q: %q, want none", c.prefix, c.name, got)
		}
	}
}
