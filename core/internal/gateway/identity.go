package gateway

import (
	"net/http"
	"strings"
)

// The headers that name a service's visitor, in both modes: the gateway sets them on what it
// forwards, and /_basalt/auth answers them for the ingress controller to copy onto the request
// (nginx's auth-response-headers, Traefik's authResponseHeaders), either way in place of
// whatever the browser sent under these names.
const (
	userHeader   = "X-Basalt-User"
	groupsHeader = "X-Basalt-Groups"
)

// setIdentity names the user and their groups, separated by commas; a group whose name holds
// a comma or a control character is left out, since it cannot be told apart in the list.
func setIdentity(h http.Header, user string, groups []string) {
	h.Set(userHeader, user)
	listed := make([]string, 0, len(groups))
	for _, g := range groups {
		if g != "" && !strings.ContainsFunc(g, func(r rune) bool { return r == ',' || r < 0x20 || r == 0x7f }) {
			listed = append(listed, g)
		}
	}
	h.Del(groupsHeader)
	if len(listed) > 0 {
		h.Set(groupsHeader, strings.Join(listed, ","))
	}
}
