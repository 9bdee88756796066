package authz

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/identity"
	"github.com/basalt-dev/basalt/sdk"
)

var prefixes = config.Projects{UserPrefix: "user-", GroupPrefix: "project-"}

func newAuthorizer(t *testing.T, cfg config.Authz) *Authorizer {
	t.Helper()
	if cfg.RoleClaims == nil {
		cfg.RoleClaims = map[string]string{"admin": "admin"}
	}
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func scope(u *identity.User, project string) context.Context {
	projects := identity.Projects(u, prefixes)
	s := Scope{User: u, Projects: projects, Project: identity.Project{ID: project}}
	for _, p := range projects {
		if p.ID == project {
			s.Project = p
		}
	}
	return WithScope(context.Background(), s)
}

var kinds = map[sdk.Kind]reflect.Type{
	sdk.KindStorage: reflect.TypeFor[sdk.Storage](),
	sdk.KindSecrets: reflect.TypeFor[sdk.Secrets](),
	sdk.KindCatalog: reflect.TypeFor[sdk.Catalog](),
	sdk.KindRegion:  reflect.TypeFor[sdk.Region](),
}

func wrapped(a *Authorizer, kind sdk.Kind) any {
	switch kind {
	case sdk.KindStorage:
		return a.Storage(nil)
	case sdk.KindSecrets:
		return a.Secrets(nil)
	case sdk.KindCatalog:
		return a.Catalog(nil)
	default:
		return a.Region(nil)
	}
}

// invoke calls one method with zero-valued requests; reached reports whether the call got
// through to the (nil) plugin, which panics when it does.
func invoke(v reflect.Value, ctx context.Context) (reached bool, err error) {
	defer func() {
		if recover() != nil {
			reached = true
		}
	}()
	args := []reflect.Value{reflect.ValueOf(ctx)}
	for i := 1; i < v.Type().NumIn(); i++ {
		args = append(args, reflect.Zero(v.Type().In(i)))
	}
	out := v.Call(args)
	errV := out[len(out)-1]
	if !errV.IsNil() {
		err = errV.Interface().(error)
	}
	return false, err
}

// TestEveryContractMethodIsGuarded fails when a method of any contract has no rule, lets a
// caller without rights through, or stops a caller with rights.
func TestEveryContractMethodIsGuarded(t *testing.T) {
	a := newAuthorizer(t, config.Authz{})
	mallory := scope(&identity.User{Username: "mallory"}, "user-alice")
	admin := scope(&identity.User{Username: "carol", Roles: []string{"admin"}}, "user-alice")
	anonymous := context.Background()
	count := 0
	for kind, iface := range kinds {
		w := reflect.ValueOf(wrapped(a, kind))
		for i := range iface.NumMethod() {
			name := iface.Method(i).Name
			count++
			if _, ok := rules[kind][name]; !ok {
				t.Errorf("%s.%s has no authorization rule", kind, name)
				continue
			}
			m := w.MethodByName(name)
			if reached, err := invoke(m, mallory); reached || err == nil {
				t.Errorf("%s.%s let a stranger through (reached=%v, err=%v)", kind, name, reached, err)
			} else if !errors.Is(err, sdk.ErrNotFound) && !errors.Is(err, sdk.ErrPermissionDenied) {
				t.Errorf("%s.%s: a stranger gets %v, want not found or permission denied", kind, name, err)
			}
			if reached, err := invoke(m, anonymous); reached || !errors.Is(err, sdk.ErrUnauthenticated) {
				t.Errorf("%s.%s: anonymous call: reached=%v err=%v", kind, name, reached, err)
			}
			if reached, err := invoke(m, admin); !reached {
				t.Errorf("%s.%s stopped an administrator: %v", kind, name, err)
			}
		}
	}
	if count < 30 {
		t.Fatalf("only %d methods checked: the contracts were not enumerated", count)
	}
}

func TestMembersOwnersViewers(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.csv")
	text := config.DefaultPolicy + "\ng, user:dave, role:viewer, project-data-team\n"
	if err := os.WriteFile(policy, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newAuthorizer(t, config.Authz{Policy: policy})
	alice := &identity.User{Username: "alice", Groups: []string{"data-team"}}
	dave := &identity.User{Username: "dave"}
	ps := func(u *identity.User) []identity.Project { return identity.Projects(u, prefixes) }
	cases := []struct {
		user             *identity.User
		domain, obj, act string
		want             bool
	}{
		{alice, "user-alice", ObjFiles, ActWrite, true},
		{alice, "project-data-team", ObjServices, ActLaunch, true},
		{alice, "user-bob", ObjFiles, ActRead, false},
		{alice, "project-finance", ObjServices, ActRead, false},
		{alice, Platform, ObjCatalogs, ActRefresh, false},
		{dave, "project-data-team", ObjServices, ActRead, true},
		{dave, "project-data-team", ObjServices, ActLaunch, false},
		{dave, "project-ml", ObjServices, ActRead, false},
		{&identity.User{Username: "carol", Roles: []string{"admin"}}, Platform, ObjCatalogs, ActRefresh, true},
	}
	for _, c := range cases {
		if got := a.Allowed(c.user, ps(c.user), c.domain, c.obj, c.act); got != c.want {
			t.Errorf("%s %s %s in %s: got %v, want %v", c.user.Username, c.act, c.obj, c.domain, got, c.want)
		}
	}

	// The policy file reloads without a restart.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Watch(ctx, 20*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	later := time.Now().Add(2 * time.Second)
	if err := os.WriteFile(policy, []byte(text+"g, user:dave, role:member, project-ml\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = os.Chtimes(policy, later, later)
	deadline := time.Now().Add(3 * time.Second)
	for !a.Allowed(dave, ps(dave), "project-ml", ObjServices, ActLaunch) {
		if time.Now().After(deadline) {
			t.Fatal("the changed policy was not reloaded")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFailedReloadKeepsThePreviousPolicy(t *testing.T) {
	model := filepath.Join(t.TempDir(), "model.conf")
	if err := os.WriteFile(model, []byte(config.DefaultModel), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newAuthorizer(t, config.Authz{Model: model})
	if err := os.WriteFile(model, []byte("[request_definition]\nthis is not a model\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(); err == nil {
		t.Fatal("a broken model must fail to load")
	}
	alice := &identity.User{Username: "alice"}
	if !a.Allowed(alice, identity.Projects(alice, prefixes), "user-alice", ObjFiles, ActRead) {
		t.Fatal("after a failed reload the previous policy must stay in force")
	}
}
