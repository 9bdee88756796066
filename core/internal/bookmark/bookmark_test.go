package bookmark

import (
	"errors"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/sdk"
)

func TestBookmarks(t *testing.T) {
	var l List
	b, err := l.Add(Bookmark{Path: "/user-alice/data/"})
	if err != nil || b.Name != "data" || b.Path != "user-alice/data/" {
		t.Fatalf("add: %+v %v", b, err)
	}
	for _, c := range []struct {
		b     Bookmark
		field string
	}{
		{Bookmark{Path: "user-alice/data/"}, "already bookmarked"},
		{Bookmark{Path: ""}, "is required"},
		{Bookmark{Path: "user-alice/../bob/"}, ". or .."},
		{Bookmark{Path: "user-alice//x"}, "empty"},
		{Bookmark{Path: "user-alice/x", Name: "two\nlines"}, "one line"},
	} {
		_, err := l.Add(c.b)
		var e *sdk.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Rule, c.field) {
			t.Errorf("%+v: %v, want a rule with %q", c.b, err, c.field)
		}
	}
	if len(l.Bookmarks) != 1 {
		t.Fatalf("refused bookmarks were kept: %+v", l.Bookmarks)
	}
	if err := l.Remove("user-alice/data/"); err != nil || len(l.Bookmarks) != 0 {
		t.Errorf("remove: %v", err)
	}
	if err := l.Remove("user-alice/data/"); !errors.Is(err, sdk.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
}
