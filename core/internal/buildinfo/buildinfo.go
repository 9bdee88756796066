// Package buildinfo holds the version stamped into the binary by `make build`.
package buildinfo

// Set with -ldflags "-X github.com/basalt-dev/basalt/core/internal/buildinfo.Version=...".
var (
	Version = "dev"
	Commit  = "unknown"
)
