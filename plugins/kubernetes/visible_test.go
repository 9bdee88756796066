package kubernetes

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/basalt-dev/basalt/sdk"
)

// Who sees a release, in a region with a namespace per project and in one with a single
// namespace, where the metadata is all that tells projects apart.
func TestVisibleReleases(t *testing.T) {
	meta := func(owner, group string, shared bool) *corev1.Secret {
		md := metadataData(sdk.ReleaseMetadata{Owner: owner, Shared: shared})
		if group != "" {
			md[groupKey] = []byte(group)
		}
		return &corev1.Secret{Data: md}
	}
	alice := sdk.Caller{Username: "alice", Groups: []string{"team"}}
	personal := sdk.Project{ID: "user-alice"}
	team := sdk.Project{ID: "project-team", Group: "team"}
	cases := []struct {
		name               string
		project            sdk.Project
		meta               *corev1.Secret
		perProject, single bool // visible with a namespace per project; in a single namespace
	}{
		{"her own", personal, meta("alice", "", false), true, true},
		{"another's, in his personal project", personal, meta("bob", "", false), true, false},
		{"installed by hand", personal, nil, true, false},
		{"her own in the group", team, meta("alice", "team", false), true, true},
		{"her own in the group, from her personal project", personal, meta("alice", "team", false), true, false},
		{"her own, personal, from the group", team, meta("alice", "", false), true, false},
		{"another member's, not shared", team, meta("bob", "team", false), false, false},
		{"another member's, shared", team, meta("bob", "team", true), true, true},
		{"shared in another group", team, meta("bob", "other", true), true, false},
		{"installed by hand in the group", team, nil, true, false},
	}
	for _, c := range cases {
		perProject := &settings{}
		oneNamespace := &settings{Config: Config{Namespaces: NamespacesConfig{SingleNamespace: "shared"}}}
		if got := perProject.visible(alice, c.project, c.meta); got != c.perProject {
			t.Errorf("%s, a namespace per project: visible %v, want %v", c.name, got, c.perProject)
		}
		if got := oneNamespace.visible(alice, c.project, c.meta); got != c.single {
			t.Errorf("%s, a single namespace: visible %v, want %v", c.name, got, c.single)
		}
	}
}
