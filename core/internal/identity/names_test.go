package identity

import (
	"strings"
	"testing"
)

// Names that differ only in case or punctuation are different people and different groups:
// each must get a project of its own, and simple names keep the id they always had.
func TestProjectIDsAreInjective(t *testing.T) {
	users := map[string]string{"alice": "user-alice", "Alice": "", "alice_": "", "alice.": "", "bob": "user-bob"}
	seen := map[string]string{}
	for name, want := range users {
		id := Projects(&User{Username: name}, prefixes)[0].ID
		if want != "" && id != want {
			t.Errorf("%q: project %q, want the simple name kept: %q", name, id, want)
		}
		if !dnsLabel(id) {
			t.Errorf("%q: project %q is not a DNS label of at most 63 characters", name, id)
		}
		if other, ok := seen[id]; ok {
			t.Errorf("%q and %q share the project %q", name, other, id)
		}
		seen[id] = name
	}

	groups := []string{"data-team", "data.team", "Data_Team", "/data/team"}
	projects := Projects(&User{Username: "alice", Groups: groups}, prefixes)[1:]
	if len(projects) != len(groups) {
		t.Fatalf("a member of %v has the projects %+v: every group must have one", groups, projects)
	}
	if projects[0].ID != "project-data-team" {
		t.Errorf("data-team: project %q, want the simple name kept", projects[0].ID)
	}
	for i, p := range projects {
		if p.Group != groups[i] {
			t.Errorf("project %q has group %q, want %q", p.ID, p.Group, groups[i])
		}
		if !dnsLabel(p.ID) {
			t.Errorf("%q: project %q is not a DNS label of at most 63 characters", groups[i], p.ID)
		}
		if other, ok := seen[p.ID]; ok {
			t.Errorf("%q and %q share the project %q", groups[i], other, p.ID)
		}
		seen[p.ID] = groups[i]
	}
}

// A group whose name is too long for an id still gets a project, shortened to fit.
func TestLongGroupNamesFit(t *testing.T) {
	long := strings.Repeat("x", 70)
	projects := Projects(&User{Username: "alice", Groups: []string{long, long + "y"}}, prefixes)[1:]
	if len(projects) != 2 || projects[0].ID == projects[1].ID {
		t.Fatalf("two long groups: %+v, want two projects", projects)
	}
	for _, p := range projects {
		if !dnsLabel(p.ID) || !strings.HasPrefix(p.ID, "project-xxx") {
			t.Errorf("project %q: want project-xxx... as a DNS label of at most 63 characters", p.ID)
		}
	}
}

func dnsLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

// A personal project that cannot have an id (here, no name) is never found by its empty id.
func TestEmptyIDIsNoProject(t *testing.T) {
	u := &User{Username: ""}
	if p := Projects(u, prefixes)[0]; p.ID != "" {
		t.Fatalf("a user without a name has the project %q", p.ID)
	}
	if p, err := FindProject(u, prefixes, ""); err == nil {
		t.Fatalf("the empty id found %+v", p)
	}
}
