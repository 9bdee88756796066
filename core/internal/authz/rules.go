package authz

import "github.com/basalt-dev/basalt/sdk"

// rule is what one contract method needs: an action on an object, in the caller's project
// (domain "") or on the platform.
type rule struct{ domain, obj, act string }

var base = map[string]rule{
	"Info":         {Platform, ObjPlugins, ActRead},
	"ConfigSchema": {Platform, ObjPlugins, ActRead},
	"Configure":    {Platform, ObjPlugins, ActWrite},
}

// rules lists every method of every contract. A method missing here is a test failure, so a
// contract cannot grow a call that escapes authorization.
var rules = map[sdk.Kind]map[string]rule{
	sdk.KindStorage: with(base, map[string]rule{
		"Home":               {"", ObjFiles, ActRead},
		"List":               {"", ObjFiles, ActRead},
		"Stat":               {"", ObjFiles, ActRead},
		"Read":               {"", ObjFiles, ActRead},
		"Write":              {"", ObjFiles, ActWrite},
		"Delete":             {"", ObjFiles, ActDelete},
		"Copy":               {"", ObjFiles, ActWrite},
		"Presign":            {"", ObjFiles, ActRead}, // PUT links need write: see the wrapper
		"SetPrefixPolicy":    {"", ObjFiles, ActWrite},
		"ListPublicPrefixes": {"", ObjFiles, ActRead},
		"Credentials":        {"", ObjFiles, ActRead},
	}),
	sdk.KindSecrets: with(base, map[string]rule{
		"Home":        {"", ObjSecrets, ActRead},
		"List":        {"", ObjSecrets, ActRead},
		"Read":        {"", ObjSecrets, ActRead},
		"Write":       {"", ObjSecrets, ActWrite},
		"Delete":      {"", ObjSecrets, ActDelete},
		"Undelete":    {"", ObjSecrets, ActWrite},
		"Metadata":    {"", ObjSecrets, ActRead},
		"Token":       {"", ObjSecrets, ActRead},
		"RevokeToken": {"", ObjSecrets, ActRead},
	}),
	sdk.KindCatalog: with(base, map[string]rule{
		"ListCatalogs": {"", ObjCatalogs, ActRead},
		"ListCharts":   {"", ObjCatalogs, ActRead},
		"GetChart":     {"", ObjCatalogs, ActRead},
		"GetArchive":   {"", ObjCatalogs, ActRead},
		"GetIcon":      {"", ObjCatalogs, ActRead},
		"Refresh":      {Platform, ObjCatalogs, ActRefresh},
	}),
	sdk.KindRegion: with(base, map[string]rule{
		"Onboard":       {"", ObjServices, ActLaunch},
		"Install":       {"", ObjServices, ActLaunch},
		"Uninstall":     {"", ObjServices, ActDelete},
		"Suspend":       {"", ObjServices, ActWrite},
		"Resume":        {"", ObjServices, ActWrite},
		"UpdateRelease": {"", ObjServices, ActWrite},
		"ListReleases":  {"", ObjServices, ActRead},
		"GetRelease":    {"", ObjServices, ActRead},
		"Logs":          {"", ObjServices, ActRead},
		"Events":        {"", ObjServices, ActRead},
		"Quota":         {"", ObjQuota, ActRead},
		"History":       {"", ObjServices, ActRead},
		"Rollback":      {"", ObjServices, ActLaunch},     // it changes what runs, as Install does
		"Fleet":         {Platform, ObjServices, ActRead}, // every project's services
		"Backends":      {"", ObjServices, ActRead},
		"Cluster":       {Platform, ObjPlugins, ActRead}, // plugin health, for administrators
		"Projects":      {Platform, ObjProjects, ActRead},
		"SetMembers":    {"", ObjMembers, ActWrite}, // a project's members manage its members
		"SetQuota":      {Platform, ObjQuota, ActWrite},
		// A person's own API tokens, in their personal project (see the wrapper).
		"AccessTokens":    {"", ObjTokens, ActRead},
		"SetAccessTokens": {"", ObjTokens, ActWrite},
		// A credential to the project's namespace acts there as launching does: not for viewers.
		"ClusterAccess": {"", ObjServices, ActLaunch},
	}),
}

func with(a, b map[string]rule) map[string]rule {
	out := make(map[string]rule, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
