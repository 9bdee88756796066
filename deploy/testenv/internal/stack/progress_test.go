package stack

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestProgress keeps the last line up wrote, as a step, passes everything on, and says why an
// up stopped.
func TestProgress(t *testing.T) {
	l := Layout{State: t.TempDir()}
	var out strings.Builder
	p := NewProgress(l, &out)
	read := func() string {
		data, err := os.ReadFile(l.ProgressFile())
		if err != nil {
			return err.Error()
		}
		return string(data)
	}
	fmt.Fprintf(p, "testenv: building kube v1.36.3 ...\n")
	if got := read(); got != "building kube v1.36.3 ...\n" {
		t.Errorf("after one line: %q", got)
	}
	fmt.Fprintf(p, "testenv: %-24s ready in 3s\ntestenv: building ima", "kube-apiserver")
	if got := read(); got != "kube-apiserver ready in 3s\n" {
		t.Errorf("after a line and a half: %q", got)
	}
	fmt.Fprintf(p, "ge jupyter ...\n")
	if got := read(); got != "building image jupyter ...\n" {
		t.Errorf("once the half line ends: %q", got)
	}
	if !strings.HasSuffix(out.String(), "testenv: building image jupyter ...\n") {
		t.Errorf("output passed on: %q", out.String())
	}
	p.Failed(errors.New("building image jupyter: mmdebstrap failed (exit status 1); see x.log:\nE: the rest"), "/s/up.log")
	if got := read(); got != "failed: building image jupyter: mmdebstrap failed (exit status 1); see x.log; see /s/up.log\n" {
		t.Errorf("after a failure: %q", got)
	}
	if err := p.Done(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.ProgressFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("progress file once done: %v", err)
	}
}
