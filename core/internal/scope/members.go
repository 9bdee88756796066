package scope

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// People added to a project in Basalt are kept by the region (sdk.Region.SetMembers): the
// resolver adds those projects to the ones a user's groups give them, from the region's list,
// read at most once per membersTTL per region. A change made through this replica applies at
// once (ForgetMembers); one made through another within membersTTL, while the region's plugin
// itself already refuses a removed member.

// membersTTL is how long a region's list of added members is used.
const membersTTL = 30 * time.Second

// membersTimeout bounds the read of a region's list: a region that does not answer adds no
// project rather than holding up every request.
const membersTimeout = 5 * time.Second

type addedMembers struct {
	mu      sync.Mutex
	regions map[string]*regionMembers
}

// regionMembers is one region's list: for each project, the people added to it.
type regionMembers struct {
	mu         sync.Mutex
	read       time.Time // zero: never read, or forgotten
	projects   []sdk.RegionProject
	refreshing bool
	forgotten  int // how many times ForgetMembers was called: a read begun before is stale
}

func (a *addedMembers) region(id string) *regionMembers {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.regions == nil {
		a.regions = map[string]*regionMembers{}
	}
	m := a.regions[id]
	if m == nil {
		m = &regionMembers{}
		a.regions[id] = m
	}
	return m
}

// ForgetMembers makes the next request read the region's list again: its members changed.
func (r *Resolver) ForgetMembers(regionID string) {
	m := r.members.region(regionID)
	m.mu.Lock()
	m.read = time.Time{}
	m.forgotten++
	m.mu.Unlock()
}

// regionProjects is the region's list of projects and their added members, as the core reads it
// itself (no user's call): nil where the region has none or cannot tell. A list older than
// membersTTL is used while it is read again in the background; one never read, or forgotten
// after a change, is read before answering.
func (r *Resolver) regionProjects(reg config.Region) []sdk.RegionProject {
	if r.plugins == nil || reg.Region == "" {
		return nil
	}
	m := r.members.region(reg.ID)
	m.mu.Lock()
	switch {
	case !m.read.IsZero() && time.Since(m.read) < membersTTL:
	case !m.read.IsZero():
		if !m.refreshing {
			m.refreshing = true
			go r.readMembers(reg, m, m.forgotten)
		}
	default:
		m.projects, m.read = r.listMembers(reg), time.Now()
	}
	defer m.mu.Unlock()
	return m.projects
}

func (r *Resolver) readMembers(reg config.Region, m *regionMembers, forgotten int) {
	projects := r.listMembers(reg)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refreshing = false
	if m.forgotten == forgotten { // a list read before a change would undo it
		m.projects, m.read = projects, time.Now()
	}
}

func (r *Resolver) listMembers(reg config.Region) []sdk.RegionProject {
	plugin, err := r.plugins.Region(reg.Region)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), membersTimeout)
	defer cancel()
	resp, err := plugin.Projects(ctx, sdk.ProjectsRequest{MembersOnly: true})
	if err != nil {
		return nil
	}
	return resp.Projects
}

// Members are the people added in Basalt to one project of a region.
func (r *Resolver) Members(reg config.Region, projectID string) []sdk.Member {
	for _, p := range r.regionProjects(reg) {
		if p.Project.ID == projectID {
			return p.Members
		}
	}
	return nil
}

// projectsIn are a user's projects in a region: their groups', then those the region lists
// them as added to. An added project is the group's project as the user's groups would make
// it, so that its id and name follow the instance's group patterns.
func (r *Resolver) projectsIn(u *identity.User, reg config.Region) []identity.Project {
	projects := identity.Projects(u, r.projects)
	for _, p := range r.regionProjects(reg) {
		if p.Project.Personal() || !slices.ContainsFunc(p.Members, func(m sdk.Member) bool { return m.Username == u.Username }) {
			continue
		}
		as := identity.Projects(&identity.User{Username: u.Username, Groups: []string{p.Project.Group}}, r.projects)
		if len(as) < 2 || as[1].ID != p.Project.ID {
			continue // the group makes no project here, or another one
		}
		if !slices.ContainsFunc(projects, func(have identity.Project) bool { return have.ID == as[1].ID }) {
			projects = append(projects, as[1])
		}
	}
	return projects
}
