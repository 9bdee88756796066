// Command basalt-plugin-memory serves one of the in-memory plugins of package memory, named
// by its first argument: basalt-plugin-memory storage|secrets|catalog|region. The core's
// tests spawn it as a real plugin process.
package main

import (
	"fmt"
	"os"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: basalt-plugin-memory storage|secrets|catalog|region")
		os.Exit(2)
	}
	kind := sdk.Kind(os.Args[1])
	var impl sdk.Plugin
	switch kind {
	case sdk.KindStorage:
		impl = memory.NewStorage()
	case sdk.KindSecrets:
		impl = memory.NewSecrets()
	case sdk.KindCatalog:
		impl = memory.NewCatalog()
	case sdk.KindRegion:
		impl = memory.NewRegion()
	default:
		fmt.Fprintf(os.Stderr, "basalt-plugin-memory: unknown kind %q (want storage, secrets, catalog or region)\n", kind)
		os.Exit(2)
	}
	pluginrpc.Serve(kind, impl)
}
