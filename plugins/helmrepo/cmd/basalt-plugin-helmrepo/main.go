// Command basalt-plugin-helmrepo serves Helm chart repositories and OCI registries as Basalt
// catalogs.
package main

import (
	"github.com/basalt-dev/basalt/plugins/helmrepo"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

func main() { pluginrpc.ServeCatalog(helmrepo.New(pluginrpc.Logger())) }
