package link

import (
	"testing"

	"github.com/basalt-dev/basalt/core/internal/launch/values"
)

// FuzzParseLink checks that parsing never panics, that every accepted link formats back to
// exactly its own text, and that the canonical form of what it means reads back the same.
func FuzzParseLink(f *testing.F) {
	for _, seed := range []string{
		"",
		"name=my-nb&autoLaunch=true&resources.limits.memory=%C2%AB8Gi%C2%BB&persistence.size=%C2%AB20Gi%C2%BB",
		"version=2.3.1&shared=true&s3=default&kubernetes.enabled=false&networking.user.port=8888&git.branch=-",
		"tolerations[0].key=%C2%ABnvidia.com%2Fgpu%C2%BB&nodeSelector.node%5C.kubernetes%5C.io/instance-type=%C2%ABg5.xlarge%C2%BB",
		"replicaCount.=2&service.image.version=%C2%AB16.4%C2%BB&primary.persistence.size=20",
		"a\\.b.c=null&x[0][1].y=-1.5e3&oidc-spa.x=1&&foo",
		"a.b=%C2%AB%C2%BB&name=&autoLaunch=false",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		l, err := Parse(q)
		if err != nil {
			return
		}
		back, err := Format(l)
		if err != nil {
			t.Fatalf("Format(Parse(%q)): %v", q, err)
		}
		if back != q {
			t.Fatalf("Format(Parse(%q)) = %q", q, back)
		}
		// the same meaning, built fresh, is written canonically and reads back the same
		fresh := Link{Name: l.Name, Version: l.Version, Shared: l.Shared, S3: l.S3, AutoLaunch: l.AutoLaunch}
		for _, o := range l.Overrides {
			fresh.Overrides = append(fresh.Overrides, Override{Path: o.Path, Value: o.Value, Unset: o.Unset})
		}
		canon, err := Format(fresh)
		if err != nil {
			return // a key Onyxia's syntax cannot spell canonically (e.g. holding "[")
		}
		again, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(canonical %q) of %q: %v", canon, q, err)
		}
		if !sameLink(again, fresh) {
			t.Fatalf("canonical %q of %q reads back as %+v, want %+v", canon, q, again, fresh)
		}
		if back, _ := Format(again); back != canon {
			t.Fatalf("canonical %q formats back as %q", canon, back)
		}
	})
}

// FuzzApplyLink applies arbitrary links over pre-filled values: what a link builds, and what
// building it allocates, stay proportional to the link's length.
func FuzzApplyLink(f *testing.F) {
	for _, seed := range append([]string{
		"tolerations[0].key=%C2%ABnvidia.com%2Fgpu%C2%BB&tolerations[1].key=%C2%ABx%C2%BB&env[0].name=-",
		"a.b.c.d.e.f.g.h=1&a.b=-&list[0][0][0].x=null&list[0][1]=2",
		"init.regionInit=-&init.personalInit=%C2%AB%7B%7B%20lookup%20%7D%7D%C2%BB",
	}, bombs...) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		var built map[string]any
		n := allocated(func() {
			l, err := Parse(q)
			if err != nil {
				return
			}
			prefilled := map[string]any{"tolerations": []any{}, "init": map[string]any{"regionInit": "x"}}
			built, _ = Apply(prefilled, l.Overrides)
		})
		if bound := uint64(64<<10 + 512*len(q)); n > bound {
			t.Fatalf("a link of %d bytes allocated %d bytes (bound %d)", len(q), n, bound)
		}
		if size := values.Size(built); size > 256+64*len(q) {
			t.Fatalf("a link of %d bytes built values of %d bytes", len(q), size)
		}
	})
}
