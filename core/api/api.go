// Package api holds the OpenAPI document of Basalt's HTTP API (/api/v1), kept by hand in the
// repository and served by the core; a test keeps it and the route table in step.
package api

import _ "embed"

//go:embed openapi.yaml
var OpenAPI []byte
