package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"

	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// Allowed reports whether a user acting in a project may see and launch from a catalog:
// the catalog is visible in that kind of project and every claim restriction matches.
func Allowed(c sdk.CatalogInfo, u *identity.User, p identity.Project) bool {
	if p.Personal() && !c.VisibleInPersonal || !p.Personal() && !c.VisibleInGroup {
		return false
	}
	for _, r := range c.Restrictions {
		if !claimMatches(u, r) {
			return false
		}
	}
	return true
}

// claimMatches applies Onyxia's rule: the pattern must match the claim's whole value; for a
// list claim, any element; a boolean or number is compared as text; a missing claim or an
// anonymous user never matches.
func claimMatches(u *identity.User, r sdk.ClaimRestriction) bool {
	if u == nil {
		return false
	}
	re, err := regexp.Compile(`^(?:` + r.Match + `)$`)
	if err != nil {
		return false // a broken pattern admits no one
	}
	value, ok := u.Claims[r.Key]
	if !ok {
		return false
	}
	switch v := value.(type) {
	case []any:
		for _, e := range v {
			if re.MatchString(scalar(e)) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range v {
			if re.MatchString(e) {
				return true
			}
		}
		return false
	default:
		return re.MatchString(scalar(v))
	}
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// WithoutUserinfo is a catalog's location as users may see it: credentials in its URL stay
// with the plugin.
func WithoutUserinfo(location string) string {
	u, err := url.Parse(location)
	if err != nil || u.User == nil {
		return location
	}
	u.User = nil
	return u.String()
}
