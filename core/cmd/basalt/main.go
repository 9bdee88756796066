// Command basalt is Basalt's server and command-line tool.
package main

import (
	"os"

	"github.com/basalt-dev/basalt/core/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
