package identity

import (
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

var prefixes = config.Projects{UserPrefix: "user-", GroupPrefix: "project-"}

func TestProjects(t *testing.T) {
	u := &User{Username: "Alice", Groups: []string{"data-team", "Data_Team", "***", strings.Repeat("x", 70), "ml"}}
	got := Projects(u, prefixes)
	var ids []string
	for _, p := range got {
		ids = append(ids, p.ID)
	}
	// Only simple names are kept as they are; "***" and the long name are groups too.
	want := []string{projectID("user-", "Alice"), "project-data-team", projectID("project-", "Data_Team"), projectID("project-", "***"),
		projectID("project-", strings.Repeat("x", 70)), "project-ml"}
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("projects = %v, want %v", ids, want)
	}
	if !got[0].Personal() || got[1].Personal() || got[1].Group != "data-team" {
		t.Fatalf("personal and group projects mixed up: %+v", got)
	}
}

// projectID is the id sdk.ProjectName makes, which region plugins make their namespaces with too.
func projectID(prefix, name string) string {
	id, _ := sdk.ProjectName(prefix, name)
	return id
}

func TestFindProjectHidesOthers(t *testing.T) {
	alice := &User{Username: "alice", Groups: []string{"data-team"}}
	if _, err := FindProject(alice, prefixes, "project-data-team"); err != nil {
		t.Fatalf("alice is in data-team: %v", err)
	}
	for _, id := range []string{"user-bob", "project-finance", ""} {
		if _, err := FindProject(alice, prefixes, id); !errors.Is(err, sdk.ErrNotFound) {
			t.Errorf("%q: want not found, got %v", id, err)
		}
	}
}

func TestUserNeverPrintsToken(t *testing.T) {
	u := &User{Username: "alice", IDToken: "eyJsecret"}
	if strings.Contains(u.String(), "eyJ") {
		t.Fatal("the ID token must not be printed")
	}
}

func TestLocalUser(t *testing.T) {
	u := LocalUser(config.LocalUser{Username: "me", Roles: []string{"admin"}, Groups: []string{"lab"}})
	if u.Username != "me" || !u.HasRole("admin") || u.Claims["preferred_username"] != "me" {
		t.Fatalf("local user: %+v", u)
	}
	if anon := LocalUser(config.LocalUser{}); anon.Username == "" {
		t.Fatal("an empty username must fall back to the system's user")
	}
}

// Onyxia's group patterns, as documented: include keeps, exclude drops, transform renames.
func TestGroupPatterns(t *testing.T) {
	u := &User{Username: "alice", Groups: []string{"datalab_sspcloud", "datalab_admins", "other", "datalab_ml"}}
	idsOf := func(groups ...string) string {
		var out []string
		for _, g := range groups {
			out = append(out, projectID("project-", g))
		}
		return strings.Join(out, " ")
	}
	cases := []struct {
		name    string
		cfg     config.Projects
		want    string
		groupOf map[string]string // project id -> the group plugins get
	}{
		{"none", config.Projects{}, idsOf("datalab_sspcloud", "datalab_admins", "other", "datalab_ml"), nil},
		{"include", config.Projects{IncludedGroupPattern: "^datalab_"}, idsOf("datalab_sspcloud", "datalab_admins", "datalab_ml"), nil},
		{"exclude", config.Projects{ExcludedGroupPattern: "admins$"}, idsOf("datalab_sspcloud", "other", "datalab_ml"), nil},
		{"include, exclude and transform", config.Projects{IncludedGroupPattern: "^datalab_(.+)$", ExcludedGroupPattern: "admins",
			TransformGroupPattern: "$1-k8s"}, "project-sspcloud-k8s project-ml-k8s",
			map[string]string{"project-sspcloud-k8s": "datalab_sspcloud", "project-ml-k8s": "datalab_ml"}},
	}
	for _, c := range cases {
		c.cfg.UserPrefix, c.cfg.GroupPrefix = "user-", "project-"
		var ids []string
		for _, p := range Projects(u, c.cfg)[1:] {
			ids = append(ids, p.ID)
			if want, ok := c.groupOf[p.ID]; ok && p.Group != want {
				t.Errorf("%s: %s has group %q, want the provider's %q", c.name, p.ID, p.Group, want)
			}
		}
		if strings.Join(ids, " ") != c.want {
			t.Errorf("%s: %v, want %s", c.name, ids, c.want)
		}
	}
}
