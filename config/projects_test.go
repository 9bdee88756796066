package config

import (
	"strings"
	"testing"
)

// TestProjectPrefixesMayNotStartEachOther: with user_prefix "user-" and group_prefix
// "user-g-", the group g-x and the user g-x would share the project user-g-x (and so its
// files, secrets and namespace): such prefixes are refused, naming both keys.
func TestProjectPrefixesMayNotStartEachOther(t *testing.T) {
	for _, prefixes := range [][2]string{{"user-", "user-g-"}, {"u-", "u-"}, {"project-team-", "project-"}, {"a", "ab"}} {
		_, err := Load(Sources{Sets: []string{"projects.user_prefix=" + prefixes[0], "projects.group_prefix=" + prefixes[1]}})
		if err == nil || !strings.Contains(err.Error(), "projects.group_prefix") || !strings.Contains(err.Error(), "projects.user_prefix") {
			t.Errorf("user_prefix %q, group_prefix %q: %v, want an error naming both keys", prefixes[0], prefixes[1], err)
		}
	}
	for _, prefixes := range [][2]string{{"user-", "project-"}, {"u-", "g-"}, {"user-", "users-"}} {
		if _, err := Load(Sources{Sets: []string{"projects.user_prefix=" + prefixes[0], "projects.group_prefix=" + prefixes[1]}}); err != nil {
			t.Errorf("user_prefix %q, group_prefix %q: %v", prefixes[0], prefixes[1], err)
		}
	}
}
