// Command vulnreport reads govulncheck's JSON output (one or more modules' runs, one after
// the other) on standard input and judges it: a vulnerability our code reaches in a module we
// could upgrade fails the check; one fixed only in a newer Go release, or not fixed at all,
// is listed as a warning, with what would fix it. It exits 1 when the check fails.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
}

type message struct {
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

// verdict is one reachable vulnerability and what fixes it.
type verdict struct {
	id, module, found, fixed string
}

func (v verdict) kind() string {
	switch {
	case v.fixed == "":
		return "no fix released"
	case v.module == "stdlib":
		return "needs Go " + v.fixed
	default:
		return "upgrade to " + v.fixed
	}
}

func main() {
	failed, err := report(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulnreport:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func report(in io.Reader, out io.Writer) (failed bool, err error) {
	summaries := map[string]string{}
	found := map[string]verdict{}
	dec := json.NewDecoder(in)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return false, err
		}
		if m.OSV != nil {
			summaries[m.OSV.ID] = m.OSV.Summary
		}
		// Only findings down to a function our code calls: the others are in code we never run.
		if f := m.Finding; f != nil && len(f.Trace) > 0 && f.Trace[0].Function != "" {
			found[f.OSV] = verdict{id: f.OSV, module: f.Trace[0].Module, found: f.Trace[0].Version, fixed: f.FixedVersion}
		}
	}
	ids := make([]string, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		v := found[id]
		level := "warning"
		if v.module != "stdlib" && v.fixed != "" {
			level, failed = "FAIL", true
		}
		fmt.Fprintf(out, "%-7s %s %s@%s: %s (%s)\n", level, id, v.module, v.found, summaries[id], v.kind())
	}
	fmt.Fprintf(out, "vulnreport: %d reachable vulnerabilities; an upgrade of a dependency fixes %d\n", len(ids), count(found, func(v verdict) bool {
		return v.module != "stdlib" && v.fixed != ""
	}))
	return failed, nil
}

func count(m map[string]verdict, keep func(verdict) bool) int {
	n := 0
	for _, v := range m {
		if keep(v) {
			n++
		}
	}
	return n
}
