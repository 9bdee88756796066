package cli

import (
	"io/fs"

	"github.com/basalt-dev/basalt/web"
)

// portal is the embedded front end, or nil when the binary was built without it.
func portal() fs.FS {
	if !web.Built() {
		return nil
	}
	return web.Dist()
}
