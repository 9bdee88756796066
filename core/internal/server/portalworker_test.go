package server

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestOnlyWorkersCompileWebAssembly: the script of a Web Worker may compile WebAssembly (the
// data explorer's engine), and the portal's pages and other scripts may not.
func TestOnlyWorkersCompileWebAssembly(t *testing.T) {
	base := start(t, fstest.MapFS{
		"index.html":                      {Data: []byte("<html>portal</html>")},
		"assets/index-1.js":               {Data: []byte("console.log(1)")},
		"assets/worker-duckdbWorker-1.js": {Data: []byte("importScripts()")},
	})
	for path, wasm := range map[string]bool{"/": false, "/explorer": false, "/assets/index-1.js": false, "/assets/worker-duckdbWorker-1.js": true} {
		resp, _ := get(t, base+path)
		csp := resp.Header.Get("Content-Security-Policy")
		if got := strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval';"); got != wasm || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q, want WebAssembly allowed: %v", path, csp, wasm)
		}
		if strings.Contains(csp, "'unsafe-eval'") {
			t.Errorf("%s: eval allowed: %q", path, csp)
		}
	}
}
