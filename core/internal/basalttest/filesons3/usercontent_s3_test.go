package filesons3

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestUserContentOnS3NeverRuns: with the s3 plugin on MinIO, a page, a script and an SVG
// uploaded through Basalt never come back with an active type, whichever way they are read:
// through the files API (whose bytes come from the store through a link), through the redirect
// to a link the store signs, through a share link (the store's), or anonymously from a public
// folder, which the store serves itself. Links the store signs carry response-content-type
// application/octet-stream and an attachment disposition; the store keeps the pages and scripts
// as application/octet-stream, the type its own answers (a public folder's) carry.
func TestUserContentOnS3NeverRuns(t *testing.T) {
	env := testenv.Require(t)
	f := serveFilesOnS3(t)
	const prefix = "xss-test/"
	t.Cleanup(func() { removePrefix(f.mc, "user-alice", prefix) })
	page := `<!doctype html><script src="app.js"></script><script>document.title = "pwned"</script>`
	uploads := map[string]string{ // name: the type the uploader sends
		"page.html": "text/html", "app.js": "application/javascript", "drawing.svg": "image/svg+xml",
		"notes.txt": "text/html", "chart.png": "image/png",
	}
	for name, contentType := range uploads {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, f.api.url+"/content?path=user-alice/"+prefix+name, strings.NewReader(page))
		req.Header.Set("Authorization", "Bearer "+f.api.token)
		req.Header.Set("Content-Type", contentType)
		if resp, body := roundTrip(t, http.DefaultClient, req); resp.StatusCode != 201 {
			t.Fatalf("upload %s: %d %s", name, resp.StatusCode, body)
		}
		info, err := f.mc.StatObject(t.Context(), "user-alice", prefix+name, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "image/png", false: "application/octet-stream"}[name == "chart.png"]; info.ContentType != want {
			t.Errorf("%s, uploaded as %s, is stored as %q, want %q", name, contentType, info.ContentType, want)
		}
	}

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for name := range uploads {
		if name == "chart.png" {
			continue
		}
		path := "user-alice/" + prefix + name
		api := func(query string) *http.Response {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.api.url+"/content?path="+path+query, nil)
			req.Header.Set("Authorization", "Bearer "+f.api.token)
			resp, _ := roundTrip(t, noFollow, req)
			return resp
		}
		resp := api("")
		checkDownload(t, name+", files API", resp)
		if csp := resp.Header.Get("Content-Security-Policy"); csp != "sandbox" {
			t.Errorf("%s, files API: Content-Security-Policy %q, want sandbox", name, csp)
		}

		for _, query := range []string{"&redirect=true", "&redirect=true&download=1"} {
			resp := api(query)
			if resp.StatusCode != http.StatusTemporaryRedirect {
				t.Fatalf("%s%s: %d, want a redirect", name, query, resp.StatusCode)
			}
			checkStoreLink(t, name+query, resp.Header.Get("Location"))
		}

		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.api.url+"/share", strings.NewReader(`{"path":"`+path+`","expiry":"1h"}`))
		req.Header.Set("Authorization", "Bearer "+f.api.token)
		req.Header.Set("Content-Type", "application/json")
		resp, body := roundTrip(t, http.DefaultClient, req)
		var share struct{ URL string }
		if json.Unmarshal(body, &share) != nil || resp.StatusCode != 200 || !strings.HasPrefix(share.URL, env.S3Endpoint+"/") {
			t.Fatalf("share %s: %d, want a link on the store", name, resp.StatusCode)
		}
		checkStoreLink(t, name+", share link", share.URL)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPut, f.api.url+"/policy", strings.NewReader(`{"path":"user-alice/`+prefix+`","public":true}`))
	req.Header.Set("Authorization", "Bearer "+f.api.token)
	req.Header.Set("Content-Type", "application/json")
	if resp, body := roundTrip(t, http.DefaultClient, req); resp.StatusCode != 200 {
		t.Fatalf("make the folder public: %d %s", resp.StatusCode, body)
	}
	for name := range uploads {
		resp, err := http.Get(env.S3Endpoint + "/user-alice/" + prefix + name)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		kind, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if resp.StatusCode != 200 || name != "chart.png" && kind != "application/octet-stream" {
			t.Errorf("%s from the public folder: %d, Content-Type %q, want application/octet-stream", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func roundTrip(t *testing.T, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// checkStoreLink fails unless a link the store signed asks for, and gets, an attachment of
// opaque bytes.
func checkStoreLink(t *testing.T, what, link string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("%s: the link does not parse", what)
	}
	q := u.Query()
	if kind, _, _ := mime.ParseMediaType(q.Get("response-content-disposition")); q.Get("response-content-type") != "application/octet-stream" || kind != "attachment" {
		t.Errorf("%s: the link asks for response-content-type %q and response-content-disposition %q, want application/octet-stream and an attachment",
			what, q.Get("response-content-type"), q.Get("response-content-disposition"))
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatalf("%s: the store does not answer", what) // the error would name the link, credentials and all
	}
	resp.Body.Close()
	checkDownload(t, what+", the store's answer", resp)
}

// checkDownload fails unless resp is an attachment of opaque bytes.
func checkDownload(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	kind, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" || kind != "attachment" {
		t.Errorf("%s: %d, Content-Type %q, Content-Disposition %q; want an attachment of application/octet-stream",
			what, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
}
