// Package api holds the OpenAPI document of Basalt's HTTP API (/api/v1), kept by hand in the
// repository and served by the core. The server's tests keep it in step with the route table
// and the Go types of the answers, and check every answer they get against it; the portal's
// web/src/api/types.ts is generated from it (make api-types).
package api

import _ "embed"

//go:embed openapi.yaml
var OpenAPI []byte
