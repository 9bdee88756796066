// Command basalt-plugin-vault serves Basalt's secrets from HashiCorp Vault's KV version 2,
// acting as each user through Vault's JWT auth method.
package main

import (
	"github.com/basalt-dev/basalt/plugins/vault"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

func main() { pluginrpc.ServeSecrets(vault.New(pluginrpc.Logger())) }
