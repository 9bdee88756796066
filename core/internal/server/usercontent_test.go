package server

import (
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userFile is an upload of the user-content tests and how Basalt must serve it back.
type userFile struct {
	name, uploadedAs string // the Content-Type the uploader sends ("": none)
	servedAs         string // "": application/octet-stream, as an attachment; else shown inline as this
}

// userFiles are pages and scripts a group member could upload to run in another member's
// session, and the inert types a browser may show inline.
var userFiles = []userFile{
	{name: "page.html", uploadedAs: "text/html"},
	{name: "app.js", uploadedAs: "application/javascript"},
	{name: "module.mjs", uploadedAs: "text/javascript"},
	{name: "drawing.svg", uploadedAs: "image/svg+xml"},
	{name: "page.xhtml", uploadedAs: "application/xhtml+xml"},
	{name: "feed.xml", uploadedAs: "text/xml"},
	{name: "notes.txt", uploadedAs: "text/html; charset=utf-8"},     // an HTML type under a text name
	{name: "photo.png", uploadedAs: "text/html"},                    // and under an image name
	{name: "untyped.html", uploadedAs: ""},                          // the store guesses from the name
	{name: "typo.bin", uploadedAs: "TEXT/HTML ; charset=\"utf-8\""}, // the type, written otherwise
	{name: "readme.txt", uploadedAs: "text/plain; charset=iso-8859-1", servedAs: "text/plain; charset=utf-8"},
	{name: "chart.png", uploadedAs: "image/png", servedAs: "image/png"},
	{name: "scan.jpg", uploadedAs: "image/jpeg", servedAs: "image/jpeg"},
	{name: "report.pdf", uploadedAs: "application/pdf", servedAs: "application/pdf"},
	{name: "table.csv", uploadedAs: "text/csv"},
}

const hostilePage = `<!doctype html><title>x</title><script src="app.js"></script><script>document.title = "pwned"</script>`

// TestUserContentNeverRunsInBasaltsOrigin: whatever type a file was uploaded with, Basalt's
// files API (whole, by range, as a download) and its share links serve it either as an
// attachment of type application/octet-stream or, for raster images, PDF and plain text, inline
// with its own type; always sandboxed (Content-Security-Policy: sandbox) and never sniffed.
// The same holds for a file put in the store by other means (a service writing to the
// folder), which the local-files store types by its name.
func TestUserContentNeverRunsInBasaltsOrigin(t *testing.T) {
	plugins := localFiles(t)
	root := plugins["files"].Config["root"].(string)
	base := startWithPlugins(t, plugins, "auth.local.username=alice", "auth.local.groups=[data-team]")
	files := base + "/api/v1/projects/user-alice/files"

	links := map[string]string{}
	for _, f := range userFiles {
		links[f.name] = shareLink(t, files, "user-alice/xss/"+f.name, f.uploadedAs, hostilePage)
	}
	// A file the store holds without Basalt's upload (a service wrote it), typed by its name.
	dropped := userFile{name: "dropped.html"}
	if err := os.WriteFile(filepath.Join(root, "user-alice", "xss", dropped.name), []byte(hostilePage), 0o600); err != nil {
		t.Fatal(err)
	}
	links[dropped.name] = share(t, files, "user-alice/xss/"+dropped.name)

	for _, f := range append(userFiles, dropped) {
		content := files + "/content?path=" + url.QueryEscape("user-alice/xss/"+f.name)
		for how, get := range map[string]func() *http.Response{
			"files API":             func() *http.Response { r, _ := do(t, http.MethodGet, content, nil); return r },
			"files API, a range":    func() *http.Response { r, _ := do(t, http.MethodGet, content, nil, "Range", "bytes=0-9"); return r },
			"files API, download=1": func() *http.Response { r, _ := do(t, http.MethodGet, content+"&download=1", nil); return r },
			"share link":            func() *http.Response { r, _ := do(t, http.MethodGet, links[f.name], nil); return r },
		} {
			resp := get()
			if resp.StatusCode/100 != 2 {
				t.Fatalf("%s, %s: %d", f.name, how, resp.StatusCode)
			}
			inline := f.servedAs != "" && how != "share link" && how != "files API, download=1"
			checkUserContent(t, f.name+", "+how, resp.Header, f.servedAs, inline)
		}
	}
}

// checkUserContent fails unless h serves user content as it must: sandboxed, never sniffed,
// and either inline as the inert type servedAs or an attachment.
func checkUserContent(t *testing.T, what string, h http.Header, servedAs string, inline bool) {
	t.Helper()
	if csp := h.Values("Content-Security-Policy"); len(csp) == 0 || !strings.HasPrefix(csp[0], "sandbox") {
		t.Errorf("%s: Content-Security-Policy %q, want sandbox", what, csp)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q, want nosniff", what, h.Get("X-Content-Type-Options"))
	}
	contentType := h.Get("Content-Type")
	if activeType(contentType) {
		t.Errorf("%s: served as %q, an active type", what, contentType)
	}
	disposition, _, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	switch {
	case inline && (contentType != servedAs || disposition == "attachment"):
		t.Errorf("%s: Content-Type %q, Content-Disposition %q; want %s inline", what, contentType, h.Get("Content-Disposition"), servedAs)
	case !inline && disposition != "attachment":
		t.Errorf("%s: Content-Disposition %q, want an attachment", what, h.Get("Content-Disposition"))
	case !inline && servedAs == "" && contentType != "application/octet-stream":
		t.Errorf("%s: Content-Type %q, want application/octet-stream", what, contentType)
	}
}

// activeType tells whether a browser could run something served as contentType: anything but
// raster images, PDF, plain text and opaque bytes.
func activeType(contentType string) bool {
	kind, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return true
	}
	switch kind {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "application/pdf", "text/plain",
		"application/octet-stream", "text/csv":
		return false
	}
	return true
}
