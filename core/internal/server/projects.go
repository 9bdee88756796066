package server

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/basalt-dev/basalt/core/internal/authz"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// Projects, their members and quotas. Members come from the identity provider's groups and,
// besides, from the people added in Basalt, whom the region keeps in the cluster (no
// database): administrators add and remove them in any group's project, and a project's
// members in theirs. Administrators also list every project of a region and edit its quota.

// ProjectList is every project of a region, for administrators.
type ProjectList struct {
	Region   string        `json:"region"`
	Projects []ProjectView `json:"projects"`
}

// ProjectView is one project: whose it is, who was added to it, its quota and services.
type ProjectView struct {
	ID        string `json:"id"`
	Group     string `json:"group,omitempty"` // absent for a person's own project
	Owner     string `json:"owner"`           // the person, or the group, the project is for
	Namespace string `json:"namespace"`
	// Members are the people added in Basalt; the group's members come from the identity
	// provider, which Basalt cannot list.
	Members  []ProjectMember `json:"members"`
	Quota    ProjectQuota    `json:"quota"`
	Services int             `json:"services"`
}

// ProjectMember is someone added to a project in Basalt.
type ProjectMember struct {
	Username string    `json:"username"`
	AddedBy  string    `json:"addedBy"`
	Added    time.Time `json:"added"`
}

// ProjectQuota is a project's limits, what its services use of them, and the keys an
// administrator set (the others are the region's configuration).
type ProjectQuota struct {
	Hard      map[string]string `json:"hard"`
	Used      map[string]string `json:"used"`
	SetByHand []string          `json:"setByHand"`
}

// MembersChange adds people to a project, or removes people added before.
type MembersChange struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

// MemberList is the people added to one project.
type MemberList struct {
	Project string          `json:"project"`
	Group   string          `json:"group,omitempty"`
	Members []ProjectMember `json:"members"`
	// CanManage says whether the caller may add and remove members here.
	CanManage bool `json:"canManage"`
}

// QuotaChange sets keys of a project's quota; an empty value gives its key back to the region.
type QuotaChange struct {
	Hard map[string]string `json:"hard"`
}

func memberViews(members []sdk.Member) []ProjectMember {
	out := make([]ProjectMember, len(members))
	for i, m := range members {
		out[i] = ProjectMember{Username: m.Username, AddedBy: m.By, Added: m.Added}
	}
	return out
}

func quotaView(q sdk.QuotaResponse, byHand []string) ProjectQuota {
	out := ProjectQuota{Hard: q.Hard, Used: q.Used, SetByHand: httpapi.NonNil(byHand)}
	if out.Hard == nil {
		out.Hard = map[string]string{}
	}
	if out.Used == nil {
		out.Used = map[string]string{}
	}
	return out
}

// adminRegion is an administrator's view of the region of ?region=: its plugin, read through
// the authorizer as them.
func (s *Server) adminRegion(c echo.Context, obj, act string) (*identity.User, string, sdk.Region, error) {
	if err := s.requirePlatform(c, obj, act); err != nil {
		return nil, "", nil, err
	}
	u, _, err := s.enter(c, "")
	if err != nil {
		return nil, "", nil, err
	}
	sc, err := s.scopes.Resolve(u, "", c.QueryParam("region"))
	if err != nil {
		return nil, "", nil, err
	}
	region, err := sc.Services()
	return u, sc.Region.ID, region, err
}

func (s *Server) adminProjects(c echo.Context) error {
	_, regionID, region, err := s.adminRegion(c, authz.ObjProjects, authz.ActRead)
	if err != nil {
		return err
	}
	resp, err := region.Projects(c.Request().Context(), sdk.ProjectsRequest{})
	if err != nil {
		return err
	}
	out := ProjectList{Region: regionID, Projects: []ProjectView{}}
	for _, p := range resp.Projects {
		out.Projects = append(out.Projects, ProjectView{ID: p.Project.ID, Group: p.Project.Group, Owner: p.Owner, Namespace: p.Namespace,
			Members: memberViews(p.Members), Quota: quotaView(p.Quota, p.QuotaSetByHand), Services: p.Services})
	}
	return c.JSON(http.StatusOK, out)
}

// regionProject finds a project among the region's: administrators act on any, which need not
// be theirs.
func regionProject(ctx context.Context, region sdk.Region, id string) (sdk.Project, error) {
	resp, err := region.Projects(ctx, sdk.ProjectsRequest{MembersOnly: true})
	if err != nil {
		return sdk.Project{}, err
	}
	i := slices.IndexFunc(resp.Projects, func(p sdk.RegionProject) bool { return p.Project.ID == id })
	if i < 0 {
		return sdk.Project{}, sdk.Errorf(sdk.ErrNotFound, "no project %q in this region: a project is there once someone opened it", id)
	}
	return resp.Projects[i].Project, nil
}

func (s *Server) adminSetMembers(c echo.Context) error {
	u, regionID, region, err := s.adminRegion(c, authz.ObjMembers, authz.ActWrite)
	if err != nil {
		return err
	}
	var change MembersChange
	if err := httpapi.DecodeStrict(c, &change, "a change of members {add, remove}"); err != nil {
		return err
	}
	ctx := c.Request().Context()
	target, err := regionProject(ctx, region, c.Param("project"))
	if err != nil {
		return err
	}
	// The change is decided in the target project, where an administrator's role holds.
	as := authz.WithScope(ctx, authz.Scope{User: u, Project: identity.Project{ID: target.ID, Name: target.Group, Group: target.Group},
		Projects: s.scopes.Projects(u)})
	return s.setMembers(c, as, region, regionID, target, change, true)
}

// setMembers applies a change of members through the authorizer and answers the members.
func (s *Server) setMembers(c echo.Context, ctx context.Context, region sdk.Region, regionID string, project sdk.Project, change MembersChange, canManage bool) error {
	if len(change.Add) == 0 && len(change.Remove) == 0 {
		return sdk.InvalidFields("nothing to change", sdk.FieldViolation{Field: "add", Rule: "name at least one person to add or remove"})
	}
	resp, err := region.SetMembers(ctx, sdk.SetMembersRequest{Add: change.Add, Remove: change.Remove})
	if err != nil {
		return err
	}
	s.scopes.ForgetMembers(regionID)
	return c.JSON(http.StatusOK, MemberList{Project: project.ID, Group: project.Group, Members: memberViews(resp.Members), CanManage: canManage})
}

func (s *Server) adminSetQuota(c echo.Context) error {
	_, _, region, err := s.adminRegion(c, authz.ObjQuota, authz.ActWrite)
	if err != nil {
		return err
	}
	var change QuotaChange
	if err := httpapi.DecodeStrict(c, &change, "a change of quota {hard}"); err != nil {
		return err
	}
	ctx := c.Request().Context()
	target, err := regionProject(ctx, region, c.Param("project"))
	if err != nil {
		return err
	}
	resp, err := region.SetQuota(ctx, sdk.SetQuotaRequest{Project: target, Hard: change.Hard})
	if err != nil {
		return err
	}
	byHand := []string{}
	for k, v := range change.Hard {
		if v != "" {
			byHand = append(byHand, k)
		}
	}
	slices.Sort(byHand)
	return c.JSON(http.StatusOK, quotaView(resp.Quota, byHand))
}

// projectMembers lists the people added to the caller's project, for its members.
func (s *Server) projectMembers(c echo.Context) error {
	sc := scopeOf(c)
	if !s.opts.Authz.Allowed(sc.User, sc.Projects, sc.Project.ID, authz.ObjMembers, authz.ActRead) {
		return sdk.Errorf(sdk.ErrNotFound, "not found in project %q", sc.Project.ID)
	}
	if _, err := sc.Services(); err != nil {
		return err
	}
	canManage := !sc.Project.Personal() && s.opts.Authz.Allowed(sc.User, sc.Projects, sc.Project.ID, authz.ObjMembers, authz.ActWrite)
	return c.JSON(http.StatusOK, MemberList{Project: sc.Project.ID, Group: sc.Project.Group,
		Members: memberViews(s.scopes.Members(sc.Region, sc.Project.ID)), CanManage: canManage})
}

// changeProjectMembers adds and removes people in the caller's project: a member of a
// group's project manages its members, and no other project's.
func (s *Server) changeProjectMembers(c echo.Context) error {
	sc := scopeOf(c)
	region, err := sc.Services()
	if err != nil {
		return err
	}
	var change MembersChange
	if err := httpapi.DecodeStrict(c, &change, "a change of members {add, remove}"); err != nil {
		return err
	}
	return s.setMembers(c, c.Request().Context(), region, sc.Region.ID, sc.Project.SDK(), change, true)
}
