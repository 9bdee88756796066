// Command basalt-plugin-s3 serves an S3 store (MinIO, AWS, Ceph...) as Basalt's object store.
package main

import (
	"github.com/basalt-dev/basalt/plugins/s3"
	"github.com/basalt-dev/basalt/sdk/pluginrpc"
)

func main() { pluginrpc.ServeStorage(s3.New(pluginrpc.Logger())) }
