// Command basalt-plugin-fs serves a local directory as Basalt's object store.
package main

import (
	"github.com/basalt-dev/basalt/plugins/fs"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

func main() { pluginrpc.ServeStorage(fs.New(pluginrpc.Logger())) }
