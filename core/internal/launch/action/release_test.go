package action

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

// TestTheFormsReleaseIsTheOneLaunched: the release a form gives is the one its plan's commands
// name and its launch installs, with the random subdomain it was drawn with; a second launch
// of it is refused at the field release, and a release Basalt would not make is invalid.
func TestTheFormsReleaseIsTheOneLaunched(t *testing.T) {
	w := newWorld(t, "")
	ctx := context.Background()
	opened, err := NewForm(w.cfg).Run(ctx, w.scope, Request{Catalog: "ide", Chart: "notebook"})
	if err != nil {
		t.Fatal(err)
	}
	suffix, ok := strings.CutPrefix(opened.Release, "notebook-")
	if !ok || !drawnSubdomain.MatchString(suffix) {
		t.Fatalf("the form's release %q is not notebook- and a drawn number", opened.Release)
	}
	req := Request{Catalog: "ide", Chart: "notebook", Secret: "db", Release: opened.Release, BasaltURL: "https://basalt.test"}
	for range 2 { // a form's every plan names the same release
		planned, err := NewPlan(w.cfg).Run(ctx, w.scope, req)
		if err != nil {
			t.Fatal(err)
		}
		if planned.Release != opened.Release || !strings.Contains(planned.Commands.Shown, "helm upgrade --install "+opened.Release+" ") {
			t.Fatalf("plan of %s: release %q, commands %s", opened.Release, planned.Release, planned.Commands.Shown)
		}
	}
	g, err := w.cfg.gather(ctx, w.scope, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.request.Context.K8s.RandomSubdomain; got != suffix {
		t.Errorf("the launch context's random subdomain is %q, want the release's %q", got, suffix)
	}

	launched, err := NewLaunch(w.cfg).Run(ctx, w.scope, req)
	if err != nil {
		t.Fatal(err)
	}
	if launched.Service.Name != opened.Release {
		t.Fatalf("launched %q, want the form's %q", launched.Service.Name, opened.Release)
	}
	// The scoped token is a secret: masked in the commands shown, in clear once revealed.
	if strings.Contains(launched.Commands.Shown, "s.scoped") || !strings.Contains(launched.Commands.Shown, "token: '********'") ||
		!strings.Contains(launched.Commands.Revealed, "token: s.scoped") {
		t.Errorf("commands shown:\n%s\nrevealed:\n%s", launched.Commands.Shown, launched.Commands.Revealed)
	}

	_, err = NewLaunch(w.cfg).Run(ctx, w.scope, req)
	if !errors.Is(err, sdk.ErrAlreadyExists) || len(sdk.FieldsOf(err)) != 1 || sdk.FieldsOf(err)[0].Field != "release" ||
		!strings.Contains(err.Error(), opened.Release+" is taken") {
		t.Errorf("second launch of %s: %v, want already exists at the field release", opened.Release, err)
	}

	for _, release := range []string{"notebook-", "notebook-abc", "notebook-1234567", "notebook-007", "other-12", "notebook-12-3", "Notebook-12"} {
		req.Release = release
		_, err := NewPlan(w.cfg).Run(ctx, w.scope, req)
		if !errors.Is(err, sdk.ErrInvalidArgument) || len(sdk.FieldsOf(err)) != 1 || sdk.FieldsOf(err)[0].Field != "release" {
			t.Errorf("release %q: %v, want invalid at the field release", release, err)
		}
	}
}

// TestOneTimePasswordOfARelease: a release's password is the same for its form, previews and
// launch, and another user, project, release or instance key gives another.
func TestOneTimePasswordOfARelease(t *testing.T) {
	c := &Config{passwordKey: passwordKey("a session key of at least 32 characters")}
	p := c.oneTimePassword("alice", "user-alice", "jupyter-42")
	if len(p) != 20 || strings.Trim(p, passwordAlphabet) != "" || p != c.oneTimePassword("alice", "user-alice", "jupyter-42") {
		t.Fatalf("password %q: want 20 characters of the alphabet, the same each time", p)
	}
	other := &Config{passwordKey: passwordKey("")}
	for _, q := range []string{c.oneTimePassword("bob", "user-alice", "jupyter-42"), c.oneTimePassword("alice", "project-x", "jupyter-42"),
		c.oneTimePassword("alice", "user-alice", "jupyter-43"), other.oneTimePassword("alice", "user-alice", "jupyter-42")} {
		if q == p {
			t.Errorf("two releases share the password %q", p)
		}
	}
}
