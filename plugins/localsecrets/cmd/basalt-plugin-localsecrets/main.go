// Command basalt-plugin-localsecrets serves Basalt's secrets from a local encrypted file.
package main

import (
	"github.com/basalt-dev/basalt/plugins/localsecrets"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

func main() { pluginrpc.ServeSecrets(localsecrets.New(pluginrpc.Logger())) }
