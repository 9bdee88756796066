// Command benchfmt reads `go test -bench` output on stdin, passes it through to stderr, and
// prints one "BENCH <name> <value> <unit>" line per measure on stdout.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/basalt-dev/basalt/tools/internal/benchfmt"
)

func main() {
	lines, err := benchfmt.Parse(io.TeeReader(os.Stdin, os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchfmt:", err)
		os.Exit(1)
	}
	for _, l := range lines {
		fmt.Println(l)
	}
}
