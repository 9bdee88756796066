package kubernetes

import (
	"errors"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// Names that differ only in case or punctuation are different people and groups: each gets a
// namespace of its own, and simple names keep the namespace they always had.
func TestNamespacesAreInjective(t *testing.T) {
	s, err := parseConfig([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	claim := func(what, ns string) {
		t.Helper()
		if !dnsLabel.MatchString(ns) {
			t.Errorf("%s: namespace %q is not a DNS label", what, ns)
		}
		if other, ok := seen[ns]; ok {
			t.Errorf("%s and %s share the namespace %q", what, other, ns)
		}
		seen[ns] = what
	}
	for _, name := range []string{"alice", "Alice", "alice_", "alice."} {
		ns, err := s.namespaceOf(sdk.Caller{Username: name}, sdk.Project{ID: "user-x"})
		if err != nil {
			t.Fatalf("user %q: %v", name, err)
		}
		if name == "alice" && ns != "user-alice" {
			t.Errorf("alice: namespace %q, want the simple name kept: user-alice", ns)
		}
		claim("user "+name, ns)
	}
	for _, group := range []string{"data-team", "data.team", "Data_Team", "/data/team"} {
		member := sdk.Caller{Username: "alice", Groups: []string{group}}
		ns, err := s.namespaceOf(member, sdk.Project{ID: "project-x", Group: group})
		if err != nil {
			t.Fatalf("group %q: %v", group, err)
		}
		if group == "data-team" && ns != "project-data-team" {
			t.Errorf("data-team: namespace %q, want the simple name kept: project-data-team", ns)
		}
		claim("group "+group, ns)
	}
}

// The core's project ids and the region's namespaces come from one function: with the same
// prefixes, a project's id is its namespace.
func TestNamespaceIsTheProjectID(t *testing.T) {
	s, err := parseConfig([]byte(`{"namespaces": {"namespacePrefix": "u-", "groupNamespacePrefix": "g-"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "Alice", "alice.", "/data/team", "张伟"} {
		id, ok := sdk.ProjectName("u-", name)
		ns, err := s.namespaceOf(sdk.Caller{Username: name}, sdk.Project{ID: id})
		if !ok || err != nil || ns != id {
			t.Errorf("user %q: namespace %q (%v), project id %q (%v)", name, ns, err, id, ok)
		}
		id, ok = sdk.ProjectName("g-", name)
		ns, err = s.namespaceOf(sdk.Caller{Username: "alice", Groups: []string{name}}, sdk.Project{ID: id, Group: name})
		if !ok || err != nil || ns != id {
			t.Errorf("group %q: namespace %q (%v), project id %q (%v)", name, ns, err, id, ok)
		}
	}
}

// A group's namespace is only ever worked in for one of its members.
func TestGroupNamespaceNeedsMembership(t *testing.T) {
	s, err := parseConfig([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	stranger := sdk.Caller{Username: "dave", Groups: []string{"other"}}
	if ns, err := s.namespaceOf(stranger, sdk.Project{ID: "project-data-team", Group: "data-team"}); !errors.Is(err, sdk.ErrPermissionDenied) {
		t.Errorf("a stranger to data-team got its namespace %q (%v), want permission denied", ns, err)
	}
}
