package scale

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// User is one signed-in user of the harness: their ID token, their personal project and the
// group project they belong to.
type User struct {
	testenv.User
	Token    string
	Personal string // user-<name>
	Group    string // project-<group>, "" for none
}

// Population names users and groups as <prefix>-u0001… and <prefix>-g01…, user i in group
// i mod groups; the last user is an administrator, in no group, with no services of their own.
func Population(prefix string, users, groups int) []testenv.User {
	out := make([]testenv.User, 0, users+1)
	for i := range users {
		u := testenv.User{Name: fmt.Sprintf("%s-u%04d", prefix, i+1)}
		u.Email = u.Name + "@scale.test"
		if groups > 0 {
			u.Groups = []string{fmt.Sprintf("%s-g%02d", prefix, i%groups+1)}
		}
		out = append(out, u)
	}
	return append(out, testenv.User{Name: prefix + "-admin", Email: prefix + "-admin@scale.test", Roles: []string{"admin"}})
}

// SignIn signs every user in through the sandbox's OIDC provider, parallel flows at a time.
func SignIn(ctx context.Context, env *testenv.Env, people []testenv.User, parallel int) ([]User, error) {
	out := make([]User, len(people))
	errs := make([]error, len(people))
	next := make(chan int)
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for i := range next {
				p := people[i]
				var tok *testenv.Tokens
				var err error
				// Hydra keeps its state in an in-memory SQLite database that fails a concurrent
				// flow now and then with a server error (a few in a hundred at three flows at a
				// time, most at eight): such a flow is made again.
				for attempt := range 8 {
					tok, err = env.Login(ctx, testenv.LoginRequest{
						Identity: &p, ClientID: env.ServicesClientID, ClientSecret: env.ServicesClientSecret,
						RedirectURL: env.ServicesClientRedirectURL, Scopes: []string{"openid", "profile", "email"},
					})
					if err == nil || ctx.Err() != nil {
						break
					}
					time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
				}
				if err != nil {
					errs[i] = fmt.Errorf("signing %s in: %w", p.Name, err)
					continue
				}
				out[i] = User{User: p, Token: tok.IDToken, Personal: "user-" + p.Name}
				if len(p.Groups) > 0 {
					out[i].Group = "project-" + p.Groups[0]
				}
			}
		})
	}
	for i := range people {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, ctx.Err()
}
