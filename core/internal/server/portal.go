package server

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Basalt</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Basalt is running</h1>
<p>The portal has not been built into this binary. Run <code>make run</code>, which builds it, or use the API under <a href="/api/v1/openapi.yaml">/api/v1</a>.</p>
</body></html>`

// workerPrefix starts the names of the portal's Web Workers in its build (web/vite.config.ts).
const workerPrefix = "assets/worker-"

// workerPolicy is the portal's policy for a Web Worker's script, which governs the worker:
// it may also compile WebAssembly (the data explorer's SQL engine, DuckDB-Wasm, runs in one).
// 'wasm-unsafe-eval' allows WebAssembly only, not eval; the portal's pages do without it.
func workerPolicy(pagePolicy string) string {
	return strings.Replace(pagePolicy, "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1)
}

// portal serves the embedded front end; any path that is not a file gets index.html so the
// portal's own router handles it.
func (s *Server) portal() {
	portal := s.opts.Portal
	if portal == nil {
		s.echo.GET("/*", func(c echo.Context) error { return c.HTML(http.StatusOK, notBuiltPage) })
		return
	}
	index, err := fs.ReadFile(portal, "index.html")
	if err != nil {
		s.echo.GET("/*", func(c echo.Context) error { return c.HTML(http.StatusOK, notBuiltPage) })
		return
	}
	files := http.FileServer(http.FS(portal))
	s.echo.GET("/*", func(c echo.Context) error {
		name := strings.TrimPrefix(path.Clean(c.Request().URL.Path), "/")
		if info, err := fs.Stat(portal, name); err != nil || info.IsDir() {
			c.Response().Header().Set("Cache-Control", "no-cache")
			return c.HTMLBlob(http.StatusOK, index)
		}
		if strings.HasPrefix(name, "assets/") {
			// Vite names assets by content hash: they never change.
			c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		if strings.HasPrefix(name, workerPrefix) {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", workerPolicy(h.Get("Content-Security-Policy")))
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	})
}
