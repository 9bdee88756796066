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
