// Command basalt-plugin-kubernetes runs Basalt's services on a Kubernetes cluster through Helm.
package main

import (
	"github.com/basalt-dev/basalt/plugins/kubernetes"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

func main() { pluginrpc.ServeRegion(kubernetes.New(pluginrpc.Logger())) }
