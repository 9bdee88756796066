package server

import (
	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/sdk"
)

// region returns the region a request names with ?region=, or the default (first) one.
func (s *Server) region(c echo.Context) (config.Region, error) {
	regions := s.opts.Config.Regions
	id := c.QueryParam("region")
	for _, r := range regions {
		if id == "" || r.ID == id {
			return r, nil
		}
	}
	if id == "" {
		return config.Region{}, sdk.Errorf(sdk.ErrUnimplemented, "this instance has no region")
	}
	return config.Region{}, sdk.Errorf(sdk.ErrNotFound, "no region %q", id)
}

// storage returns the storage plugin of the request's region.
func (s *Server) storage(c echo.Context) (sdk.Storage, error) {
	r, err := s.region(c)
	if err != nil {
		return nil, err
	}
	if r.Storage == "" {
		return nil, sdk.Errorf(sdk.ErrUnimplemented, "region %q has no storage", r.ID)
	}
	store, err := s.opts.Plugins.Storage(r.Storage)
	if err != nil {
		return nil, err
	}
	return s.opts.Authz.Storage(store), nil
}

// secrets returns the secrets plugin of the request's region.
func (s *Server) secrets(c echo.Context) (sdk.Secrets, error) {
	r, err := s.region(c)
	if err != nil {
		return nil, err
	}
	if r.Secrets == "" {
		return nil, sdk.Errorf(sdk.ErrUnimplemented, "region %q has no secrets store", r.ID)
	}
	store, err := s.opts.Plugins.Secrets(r.Secrets)
	if err != nil {
		return nil, err
	}
	return s.opts.Authz.Secrets(store), nil
}

// regionPlugin returns the region plugin of the request's region.
func (s *Server) regionPlugin(c echo.Context) (config.Region, sdk.Region, error) {
	r, err := s.region(c)
	if err != nil {
		return r, nil, err
	}
	if r.Region == "" {
		return r, nil, sdk.Errorf(sdk.ErrUnimplemented, "region %q runs no services", r.ID)
	}
	plugin, err := s.opts.Plugins.Region(r.Region)
	if err != nil {
		return r, nil, err
	}
	return r, s.opts.Authz.Region(plugin), nil
}

// RegionInfo is a region as the portal offers it: the user picks one when there are several,
// and sends its id as ?region= with every call.
type RegionInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Services    bool   `json:"services"` // it runs services
	Files       bool   `json:"files"`    // it has a file browser
	Secrets     bool   `json:"secrets"`  // it has a secrets store
	// DownloadFromStore: the portal's downloads ask for a redirect to the store.
	DownloadFromStore bool `json:"downloadFromStore,omitempty"`
}

// regionInfos lists the configured regions, the default first, each with the features whose
// plugin is configured and enabled.
func (s *Server) regionInfos() []RegionInfo {
	out := make([]RegionInfo, 0, len(s.opts.Config.Regions))
	for _, r := range s.opts.Config.Regions {
		info := RegionInfo{ID: r.ID, Name: r.Name, Description: r.Description}
		if s.opts.Plugins != nil {
			_, err := s.opts.Plugins.Region(r.Region)
			info.Services = r.Region != "" && err == nil
			_, err = s.opts.Plugins.Storage(r.Storage)
			info.Files = r.Storage != "" && err == nil
			info.DownloadFromStore = info.Files && r.DownloadFromStore
			_, err = s.opts.Plugins.Secrets(r.Secrets)
			info.Secrets = r.Secrets != "" && err == nil
		}
		out = append(out, info)
	}
	return out
}
