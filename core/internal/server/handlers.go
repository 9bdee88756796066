package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/api"
	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/buildinfo"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/pluginhost"
)

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// Readiness is the answer of /readyz.
type Readiness struct {
	Ready   bool                `json:"ready"`
	Plugins []pluginhost.Status `json:"plugins"`
}

// readyz is ready when the configuration is loaded (it is, or the server would not exist) and
// every plugin runs. It tells which plugin is not, but never its configuration.
func (s *Server) readyz(c echo.Context) error {
	ready, statuses := s.opts.Plugins.Ready()
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	for n := range statuses {
		statuses[n] = pluginhost.Status{Name: statuses[n].Name, Kind: statuses[n].Kind, Running: statuses[n].Running}
	}
	return c.JSON(status, Readiness{Ready: ready, Plugins: statuses})
}

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml", api.OpenAPI)
}

// Version is the answer of /api/v1/version.
type Version struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

func (s *Server) version(c echo.Context) error {
	return c.JSON(http.StatusOK, Version{Version: buildinfo.Version, Commit: buildinfo.Commit})
}

// UIConfig is what the portal needs before anything else: branding, languages, how users
// sign in, and the instance's content and switches (config.UI, as configured).
type UIConfig struct {
	Branding  Branding          `json:"branding"`
	Languages []string          `json:"languages"`
	Version   string            `json:"version"`
	Auth      AuthInfo          `json:"auth"`
	Links     config.Links      `json:"links"`
	Home      config.Home       `json:"home"`
	Alert     config.Alert      `json:"alert"`
	Terms     config.Terms      `json:"terms"`
	Features  config.Features   `json:"features"`
	Bookmarks []config.Bookmark `json:"bookmarks"`
	Regions   []RegionInfo      `json:"regions"`
}

// AuthInfo tells the portal how users sign in.
type AuthInfo struct {
	Mode      string `json:"mode"` // local or oidc
	LoginURL  string `json:"loginUrl,omitempty"`
	LogoutURL string `json:"logoutUrl,omitempty"`
	// APITokens says whether people may make API tokens (auth.tokens.enabled, with a region
	// to keep them).
	APITokens bool `json:"apiTokens,omitempty"`
}

// Branding is how the portal looks: names, images, colours and typeface.
type Branding struct {
	Name        string            `json:"name"`
	HeaderText  map[string]string `json:"headerText,omitempty"`
	LogoURL     string            `json:"logoUrl"`
	FaviconURL  string            `json:"faviconUrl,omitempty"`
	TabTitle    string            `json:"tabTitle,omitempty"`
	Palette     config.Colors     `json:"palette"`
	DarkPalette config.Colors     `json:"darkPalette"`
	Font        config.Font       `json:"font"`
}

func (s *Server) uiConfig(c echo.Context) error {
	ui := s.opts.Config.UI
	// Lists are never null, so that the portal iterates without checks.
	links := ui.Links
	links.Header, links.Footer, links.SideBar = httpapi.NonNil(links.Header), httpapi.NonNil(links.Footer), httpapi.NonNil(links.SideBar)
	home := ui.Home
	home.Cards = httpapi.NonNil(home.Cards)
	return c.JSON(http.StatusOK, UIConfig{
		Branding: Branding{
			Name: ui.Name, HeaderText: ui.HeaderText, LogoURL: ui.LogoURL, FaviconURL: ui.FaviconURL, TabTitle: ui.TabTitle,
			Palette: ui.Palette, DarkPalette: ui.DarkPalette, Font: ui.Font,
		},
		Languages: ui.Languages,
		Version:   buildinfo.Version,
		Auth:      s.authInfo(),
		Links:     links,
		Home:      home,
		Alert:     ui.Alert,
		Terms:     ui.Terms,
		Features:  ui.Features,
		Bookmarks: httpapi.NonNil(ui.Bookmarks),
		Regions:   s.regionInfos(),
	})
}

func (s *Server) authInfo() AuthInfo {
	if s.opts.Authn == nil {
		return AuthInfo{Mode: "local", APITokens: s.tokens != nil}
	}
	return AuthInfo{Mode: "oidc", LoginURL: "/auth/login", LogoutURL: "/auth/logout", APITokens: s.tokens != nil}
}

// PluginList is the answer of /api/v1/plugins.
type PluginList struct {
	Plugins []pluginhost.Status `json:"plugins"`
}

// plugins shows every plugin's health, to platform administrators.
func (s *Server) plugins(c echo.Context) error {
	if err := s.requirePlatform(c, authz.ObjPlugins, authz.ActRead); err != nil {
		return err
	}
	_, statuses := s.opts.Plugins.Ready()
	return c.JSON(http.StatusOK, PluginList{Plugins: statuses})
}
