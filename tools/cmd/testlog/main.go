// Command testlog reads `go test -json` on stdin, writes the whole run's text (what
// `go test -v` prints) to a file for the log scan of make test, and prints on stdout what
// `go test` prints without -v: one line per package, and the output of what failed.
//
//	go test -json ./... | testlog -o test-output/logs/go-test.log
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	out := flag.String("o", "", "the file the verbose text goes to (required)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "testlog: -o is required")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testlog:", err)
		os.Exit(2)
	}
	err = filter(os.Stdin, f, os.Stdout)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testlog:", err)
		os.Exit(2)
	}
}

// event is one line of `go test -json` (cmd/test2json), build events included.
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail
	Test       string
	Output     string
}

// filter copies every output to verbose and prints the short form on short: a package's and
// a test's output is held until it ends, and printed only if it failed.
func filter(in io.Reader, verbose, short io.Writer) error {
	held := map[[2]string]*strings.Builder{}
	hold := func(pkg, test, text string) {
		k := [2]string{pkg, test}
		if held[k] == nil {
			held[k] = &strings.Builder{}
		}
		held[k].WriteString(text)
	}
	release := func(pkg, test string, print bool) {
		k := [2]string{pkg, test}
		if print && held[k] != nil {
			io.WriteString(short, held[k].String())
		}
		delete(held, k)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not an event (go vet's or the go command's own messages): pass it on.
			fmt.Fprintln(verbose, sc.Text())
			fmt.Fprintln(short, sc.Text())
			continue
		}
		switch e.Action {
		case "build-output":
			io.WriteString(verbose, e.Output)
			io.WriteString(short, e.Output)
		case "output":
			io.WriteString(verbose, e.Output)
			switch {
			case e.Test != "":
				hold(e.Package, e.Test, e.Output)
			case strings.HasPrefix(e.Output, "ok  \t"), strings.HasPrefix(e.Output, "?   \t"):
				io.WriteString(short, e.Output) // the package's result line
			default:
				hold(e.Package, "", e.Output)
			}
		case "pass", "skip":
			release(e.Package, e.Test, false)
		case "fail":
			if e.Test == "" {
				// A test that never ended (a panic, a timeout) failed with its package.
				for k := range held {
					if k[0] == e.Package && k[1] != "" {
						release(k[0], k[1], true)
					}
				}
			}
			release(e.Package, e.Test, true)
		}
	}
	for k := range held { // an interrupted run: whatever did not end
		release(k[0], k[1], true)
	}
	return sc.Err()
}
