package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
	"github.com/basalt-dev/basalt/sdk/plugintest/logscan"
)

// localFiles is the local-files plugin on a fresh folder: a store that signs no links, so
// that Basalt signs and serves the share links itself.
func localFiles(t *testing.T) map[string]config.Plugin {
	t.Helper()
	return map[string]config.Plugin{"files": {Kind: "storage",
		Path:   testplugin.Path(t, "basalt-plugin-fs"),
		Config: map[string]any{"root": t.TempDir()}}}
}

// shareLink uploads content at path as alice and returns a link Basalt signed to it.
func shareLink(t *testing.T, files, path, contentType, content string) string {
	t.Helper()
	var header []string
	if contentType != "" {
		header = []string{"Content-Type", contentType}
	}
	if resp, body := do(t, http.MethodPut, files+"/content?path="+url.QueryEscape(path), strings.NewReader(content), header...); resp.StatusCode != 201 {
		t.Fatalf("upload %s: %d %s", path, resp.StatusCode, body)
	}
	return share(t, files, path)
}

// share returns a link Basalt signed to the file at path.
func share(t *testing.T, files, path string) string {
	t.Helper()
	resp, body := do(t, http.MethodPost, files+"/share", strings.NewReader(`{"path":`+jsonString(path)+`,"expiry":"1h"}`), "Content-Type", "application/json")
	var share struct{ URL string }
	if json.Unmarshal(body, &share) != nil || resp.StatusCode != 200 || !strings.Contains(share.URL, "/api/v1/presigned/") {
		t.Fatalf("share %s: %d %s", path, resp.StatusCode, body)
	}
	return share.URL
}

// TestShareLinkTokenStaysOutOfTheAccessLog: a share link's token lets anyone holding it read
// the file, so the access log names the link's route, never its path.
func TestShareLinkTokenStaysOutOfTheAccessLog(t *testing.T) {
	log, logs := logscan.Capture(t, "core")
	base, _ := startHostLogging(t, log, localFiles(t), "auth.local.username=alice", "auth.local.groups=[data-team]")
	link := shareLink(t, base+"/api/v1/projects/user-alice/files", "user-alice/report.txt", "text/plain", "quarterly figures")
	token := link[strings.LastIndex(link, "/")+1:]

	if resp, body := do(t, http.MethodGet, link, nil); resp.StatusCode != 200 || string(body) != "quarterly figures" {
		t.Fatalf("the link: %d %q", resp.StatusCode, body)
	}
	for _, wrong := range []string{link + "x", link + "/more"} {
		if resp, _ := do(t, http.MethodGet, wrong, nil); resp.StatusCode != 404 {
			t.Fatalf("a wrong link: %d, want 404", resp.StatusCode)
		}
	}
	out := logs.String()
	if !strings.Contains(out, `"route":"/api/v1/presigned/:token"`) {
		t.Fatalf("the access log shows no request to the link's route:\n%s", out)
	}
	// The token is a payload and a signature: neither half may be logged.
	payload, signature, _ := strings.Cut(token, ".")
	for what, secret := range map[string]string{"payload": payload, "signature": signature} {
		if n := strings.Count(out, secret); n > 0 {
			t.Errorf("the log shows the share link's %s %d times", what, n) // not the log: it would leak it again
		}
	}
}
