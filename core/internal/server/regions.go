package server

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
	// Lacks names what its plugins have answered they do not hand out (lacks.go).
	Lacks []string `json:"lacks,omitempty"`
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
			info.Lacks = s.lacks.of(r)
		}
		out = append(out, info)
	}
	return out
}
