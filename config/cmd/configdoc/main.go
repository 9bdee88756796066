// Command configdoc prints Basalt's configuration reference (docs/configuration.md) from the
// configuration's definitions and the plugins' schemas; run it from the repository's root:
//
//	go run ./config/cmd/configdoc > docs/configuration.md
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/basalt-dev/basalt/config/reference"
)

func main() {
	plugins := flag.String("plugins", "plugins", "the folder of plugin modules, each with a schema.json")
	flag.Parse()
	if err := reference.Markdown(os.Stdout, *plugins); err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}
