package web

import (
	"io/fs"
	"testing"
)

func TestDistMatchesBuilt(t *testing.T) {
	d := Dist()
	_, err := fs.Stat(d, "index.html")
	if got := err == nil; got != Built() {
		t.Fatalf("Built() = %v but index.html present = %v", Built(), got)
	}
	if Built() {
		b, err := fs.ReadFile(d, "index.html")
		if err != nil || len(b) == 0 {
			t.Fatalf("index.html unreadable: %v", err)
		}
	}
}

func TestGitkeepNotServedAsPage(t *testing.T) {
	// The placeholder is embedded (all: prefix) so the package compiles before a build.
	if _, err := fs.Stat(Dist(), ".gitkeep"); err != nil {
		t.Fatalf(".gitkeep missing from the embed: %v", err)
	}
}
