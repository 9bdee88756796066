package gateway

import (
	"net/http"
	"testing"
)

// TestIdentityHeadersReplaceTheBrowsers: the user and their groups replace what the browser
// sent under the same names, groups that a comma-separated list cannot carry are left out, and
// a user without groups gets no groups header at all, not the browser's.
func TestIdentityHeadersReplaceTheBrowsers(t *testing.T) {
	for _, c := range []struct {
		groups []string
		want   []string
	}{
		{[]string{"data-team", "ml"}, []string{"data-team,ml"}},
		{[]string{"a,b", "line\nbreak", "", "Équipe données"}, []string{"Équipe données"}},
		{nil, nil},
		{[]string{"a,b"}, nil},
	} {
		h := http.Header{"X-Basalt-User": {"mallory"}, "X-Basalt-Groups": {"admins", "root"}}
		setIdentity(h, "alice", c.groups)
		if got := h.Values("X-Basalt-User"); len(got) != 1 || got[0] != "alice" {
			t.Errorf("groups %q: user %q, want alice alone", c.groups, got)
		}
		if got := h.Values("X-Basalt-Groups"); len(got) != len(c.want) || len(got) == 1 && got[0] != c.want[0] {
			t.Errorf("groups %q: X-Basalt-Groups %q, want %q", c.groups, got, c.want)
		}
	}
}
