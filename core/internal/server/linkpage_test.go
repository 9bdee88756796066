package server

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/core/internal/httpapi"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// A share link to a file deleted since answers a browser with a page in the product's words
// (in its language), and a program with the API's JSON; an expired or forged link says so.
func TestShareLinkToADeletedFileAnswersABrowserWithAPage(t *testing.T) {
	base := startWithPlugins(t, localFiles(t), "auth.local.username=alice", "ui.name=Datalab")
	files := base + "/api/v1/projects/user-alice/files"
	link := shareLink(t, files, "user-alice/report.txt", "text/plain", "quarterly figures")
	if resp, body := do(t, http.MethodGet, link, nil, "Accept", browserAccept); resp.StatusCode != 200 || string(body) != "quarterly figures" {
		t.Fatalf("the link before the file is deleted: %d %q", resp.StatusCode, body)
	}
	if resp, body := do(t, http.MethodDelete, files+"?path="+url.QueryEscape("user-alice/report.txt"), nil); resp.StatusCode != 200 {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}

	page := func(link string, header ...string) (int, string, string) {
		t.Helper()
		resp, body := do(t, http.MethodGet, link, nil, append([]string{"Accept", browserAccept}, header...)...)
		kind, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if kind != "text/html" {
			t.Fatalf("%s: Content-Type %q, want a page: %s", link, resp.Header.Get("Content-Type"), body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
			t.Errorf("the page's Content-Security-Policy %q lets it load things", csp)
		}
		return resp.StatusCode, resp.Header.Get("Content-Language"), string(body)
	}
	status, lang, body := page(link)
	if status != 404 || lang != "en" || !strings.Contains(body, "<h1>This file is no longer available</h1>") ||
		!strings.Contains(body, "was deleted or moved") || !strings.Contains(body, "Datalab") {
		t.Errorf("the deleted file's page: %d %s\n%s", status, lang, body)
	}
	status, lang, body = page(link, "Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8")
	if status != 404 || lang != "fr" || !strings.Contains(body, "<h1>Ce fichier n’est plus disponible</h1>") || !strings.Contains(body, `<html lang="fr">`) {
		t.Errorf("the deleted file's page in French: %d %s\n%s", status, lang, body)
	}
	// A forged or cut token: the page says the link is not valid or over, not that a file is gone.
	status, _, body = page(link + "x")
	if status != 404 || !strings.Contains(body, "<h1>This link has expired</h1>") {
		t.Errorf("a forged link's page: %d\n%s", status, body)
	}

	// A program asking for anything else gets the one error shape.
	for _, accept := range []string{"", "application/json", "*/*"} {
		resp, body := do(t, http.MethodGet, link, nil, "Accept", accept)
		var e httpapi.ErrorBody
		if resp.StatusCode != 404 || json.Unmarshal(body, &e) != nil || e.Error.Code != "not_found" || e.Error.Message == "" {
			t.Errorf("Accept %q: %d %s, want the API's 404", accept, resp.StatusCode, body)
		}
	}
	// HEAD has no page: the status alone.
	if resp, body := do(t, http.MethodHead, link, nil, "Accept", browserAccept); resp.StatusCode != 404 || len(body) != 0 {
		t.Errorf("HEAD: %d %q", resp.StatusCode, body)
	}
}
