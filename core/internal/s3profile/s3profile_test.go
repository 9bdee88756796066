package s3profile

import (
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

func fields(err error) string {
	var e *sdk.Error
	if !errors.As(err, &e) {
		return ""
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return strings.Join(out, ",")
}

func valid(name string) Input {
	return Input{Name: name, URL: "https://s3.example.org", AccessKeyID: "AKIA1", SecretAccessKey: "secret-1"}
}

func TestBadProfilesNameTheirFields(t *testing.T) {
	var set Set
	for _, c := range []struct {
		in   Input
		want string
	}{
		{Input{}, "name,url,accessKeyId,secretAccessKey"},
		{Input{Name: "default", URL: "ftp://x", AccessKeyID: "a b", SecretAccessKey: "s"}, "name,url,accessKeyId"},
		{Input{Name: "ok", URL: "https://user:pw@s3.example.org", AccessKeyID: "a", SecretAccessKey: "s"}, "url"},
		{Input{Name: "ok", URL: "https://s3.example.org/bucket", AccessKeyID: "a", SecretAccessKey: "s", Region: "eu west"}, "url,region"},
		{Input{Name: "-x", URL: "http://", AccessKeyID: "a", SecretAccessKey: "s\n"}, "name,url,secretAccessKey"},
	} {
		if _, err := set.Create(c.in); fields(err) != c.want {
			t.Errorf("%+v: fields %q (%v), want %q", c.in, fields(err), err, c.want)
		}
	}
	if len(set.Profiles) != 0 {
		t.Fatalf("a refused profile was kept: %+v", set.Profiles)
	}
	if _, err := set.Create(valid("Work")); err != nil {
		t.Fatal(err)
	}
	if _, err := set.Create(valid("work")); fields(err) != "name" {
		t.Errorf("a second profile named work: %v", err)
	}
}

func TestOneProfileForServicesAndSecretsKeptOnUpdate(t *testing.T) {
	var set Set
	a, b := valid("a"), valid("b")
	a.DefaultForServices, b.DefaultForServices = true, true
	token := "tok"
	b.SessionToken = &token
	if _, err := set.Create(a); err != nil {
		t.Fatal(err)
	}
	if _, err := set.Create(b); err != nil {
		t.Fatal(err)
	}
	if p, _ := set.ForServices(); p.Name != "b" || set.Profiles[0].DefaultForServices {
		t.Fatalf("the last chosen is the only one for services: %+v", set.Profiles)
	}
	// A form that never saw the secrets saves the rest, and renames.
	p, err := set.Update("b", Input{Name: "b2", URL: "http://127.0.0.1:9000", AccessKeyID: "AKIA2", PathStyleAccess: true})
	if err != nil || p.SecretAccessKey != "secret-1" || p.SessionToken != "tok" || p.Name != "b2" || p.DefaultForServices {
		t.Fatalf("update: %+v %v", p, err)
	}
	if v := p.View(); !v.HasSessionToken || v.AccessKeyID != "AKIA2" {
		t.Errorf("view: %+v", v)
	}
	empty := ""
	if p, _ := set.Update("b2", Input{URL: "http://127.0.0.1:9000", AccessKeyID: "AKIA2", SessionToken: &empty}); p.SessionToken != "" || p.Name != "b2" {
		t.Errorf("an empty session token removes it, an empty name keeps it: %+v", p)
	}
	if _, err := set.Update("a", valid("b2")); fields(err) != "name" {
		t.Errorf("renaming onto another profile: %v", err)
	}
	if _, err := set.Update("nope", valid("nope")); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("update of a missing profile: %v", err)
	}
	if err := set.Delete("a"); err != nil || len(set.Profiles) != 1 {
		t.Errorf("delete: %v %+v", err, set.Profiles)
	}
	if err := set.Delete("a"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
