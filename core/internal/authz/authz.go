// Package authz decides what a user may do, with casbin (role-based access control with
// domains), and wraps every backend contract so that no plugin call escapes the decision:
// handlers get wrapped plugins only, and the wrapper also sets the caller plugins act for.
package authz

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	stringadapter "github.com/casbin/casbin/v2/persist/string-adapter"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

// Platform is the domain of operations on the instance itself.
const Platform = "platform"

// Objects and actions of the policy.
const (
	ObjCatalogs = "catalogs"
	ObjServices = "services"
	ObjFiles    = "files"
	ObjSecrets  = "secrets"
	ObjQuota    = "quota"
	ObjPlugins  = "plugins"
	ObjAudit    = "audit"    // the audit trail, on the platform
	ObjUsage    = "usage"    // usage and showback of every project, on the platform
	ObjProjects = "projects" // every project of a region, on the platform
	ObjMembers  = "members"  // the people added to a project in Basalt
	ObjTokens   = "tokens"   // a person's API tokens, in their personal project

	ActRead    = "read"
	ActWrite   = "write"
	ActDelete  = "delete"
	ActLaunch  = "launch"
	ActRefresh = "refresh"
)

// Authorizer holds the casbin enforcer and reloads its policy when the file changes.
type Authorizer struct {
	cfg config.Authz
	log *slog.Logger

	mu       sync.RWMutex
	enforcer *casbin.Enforcer
	modTime  time.Time
}

// New loads the model and the policy.
func New(cfg config.Authz, log *slog.Logger) (*Authorizer, error) {
	a := &Authorizer{cfg: cfg, log: log}
	if err := a.Reload(); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload reads the model and policy again; on error the previous policy stays in force.
func (a *Authorizer) Reload() error {
	modelText, err := a.cfg.ModelText()
	if err != nil {
		return fmt.Errorf("authz.model: %w", err)
	}
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return fmt.Errorf("authz.model: %w", err)
	}
	policyText, err := a.cfg.PolicyText()
	if err != nil {
		return fmt.Errorf("authz.policy: %w", err)
	}
	e, err := casbin.NewEnforcer(m, stringadapter.NewAdapter(stripComments(policyText)))
	if err != nil {
		return fmt.Errorf("authz.policy: %w", err)
	}
	var mod time.Time
	if a.cfg.Policy != "" {
		if info, err := os.Stat(a.cfg.Policy); err == nil {
			mod = info.ModTime()
		}
	}
	a.mu.Lock()
	a.enforcer, a.modTime = e, mod
	a.mu.Unlock()
	return nil
}

// stripComments drops blank lines and # comments, which the string adapter does not skip.
func stripComments(policy string) string {
	var out []string
	for _, line := range strings.Split(policy, "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Watch reloads the policy file whenever it changes, until ctx ends. Each reload is an audit
// event.
func (a *Authorizer) Watch(ctx context.Context, every time.Duration) {
	if a.cfg.Policy == "" {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		info, err := os.Stat(a.cfg.Policy)
		a.mu.RLock()
		changed := err == nil && !info.ModTime().Equal(a.modTime)
		a.mu.RUnlock()
		if !changed {
			continue
		}
		if err := a.Reload(); err != nil {
			a.log.Error("policy reload failed; the previous policy stays in force", "error", err, "audit", true)
			continue
		}
		a.log.Info("policy reloaded", "file", a.cfg.Policy, "audit", true, "action", "policy.reload", "outcome", "success")
	}
}

// Roles are the roles a user holds in a domain by who they are: owner of their personal
// project, member of their groups' projects, and the platform roles their token grants.
func (a *Authorizer) Roles(u *identity.User, domain string, projects []identity.Project) []string {
	var roles []string
	for _, p := range projects {
		if p.ID == domain {
			if p.Personal() {
				roles = append(roles, "role:owner")
			} else {
				roles = append(roles, "role:member")
			}
		}
	}
	for _, r := range u.Roles {
		if mapped, ok := a.cfg.RoleClaims[r]; ok {
			roles = append(roles, "role:"+mapped)
		}
	}
	return roles
}

// Allowed reports whether the user may do act on obj in domain.
func (a *Authorizer) Allowed(u *identity.User, projects []identity.Project, domain, obj, act string) bool {
	if u == nil {
		return false
	}
	a.mu.RLock()
	e := a.enforcer
	a.mu.RUnlock()
	subjects := append([]string{"user:" + u.Username}, a.Roles(u, domain, projects)...)
	for _, sub := range subjects {
		if ok, err := e.Enforce(sub, domain, obj, act); err == nil && ok {
			return true
		}
	}
	return false
}

// Scope is who acts in which project, carried by a request's context to the wrapped plugins.
type Scope struct {
	User     *identity.User
	Project  identity.Project
	Projects []identity.Project // every project of the user, for role computation
}

type scopeKey struct{}

// WithScope returns a context carrying the scope.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the context's scope.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok && s.User != nil
}

// check decides one call: the project's resources are refused as not found (their existence
// is not revealed), the platform's as forbidden.
func (a *Authorizer) check(ctx context.Context, domain, obj, act string) (Scope, error) {
	s, ok := ScopeFrom(ctx)
	if !ok {
		return s, sdk.Errorf(sdk.ErrUnauthenticated, "sign in first")
	}
	if domain == "" {
		domain = s.Project.ID
	}
	if a.Allowed(s.User, s.Projects, domain, obj, act) {
		return s, nil
	}
	if domain == Platform {
		return s, sdk.Errorf(sdk.ErrPermissionDenied, "%s %s is for administrators", act, obj)
	}
	return s, sdk.Errorf(sdk.ErrNotFound, "not found in project %q", s.Project.ID)
}
