// Package web holds Basalt's portal, the React front end built by Vite into dist/,
// embedded so that the basalt binary serves it without a separate web server.
//
// Build it with `make web-build`; before a build, dist holds only .gitkeep and
// Built reports false.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built front end, rooted at the dist folder: index.html and
// assets/ sit at its top.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only on an invalid path, and "dist" is valid.
		panic(err)
	}
	return sub
}

// Built reports whether the front end has been built into dist (dist/index.html exists).
func Built() bool {
	info, err := fs.Stat(dist, "dist/index.html")
	return err == nil && !info.IsDir()
}
