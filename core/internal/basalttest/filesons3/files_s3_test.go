package filesons3

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/basalt-dev/basalt/deploy/testenv"
)

// TestDownloadsSkipThePlugin: with the s3 plugin, a download's bytes come from MinIO through a
// link the plugin signs (the core's metrics count Presign calls and no Read), whole or by
// range, exactly as uploaded; a missing file falls back to the plugin's Read, which answers 404.
// The links carry alice's STS session: no log line of the core or the plugin shows one, even at
// debug level.
func TestDownloadsSkipThePlugin(t *testing.T) {
	f := serveFilesOnS3(t, "--set", "log.level=debug")
	const prefix = "link-test/"
	t.Cleanup(func() { removePrefix(f.mc, "user-alice", prefix) })
	payload := make([]byte, 3<<20)
	_, _ = rand.Read(payload)
	path := "user-alice/" + prefix + "sample.bin"
	resp, err := f.api.do(t.Context(), http.MethodPut, f.api.url+"/content?path="+path, bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	get := func(rangeHeader string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.api.url+"/content?path="+path, nil)
		req.Header.Set("Authorization", "Bearer "+f.api.token)
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	if resp, body := get(""); resp.StatusCode != 200 || !bytes.Equal(body, payload) || resp.Header.Get("Content-Length") != strconv.Itoa(len(payload)) {
		t.Fatalf("whole: %d, %d bytes (want %d), Content-Length %q", resp.StatusCode, len(body), len(payload), resp.Header.Get("Content-Length"))
	}
	if resp, body := get("bytes=100-199"); resp.StatusCode != 206 || !bytes.Equal(body, payload[100:200]) || resp.Header.Get("Content-Range") != "bytes 100-199/3145728" {
		t.Fatalf("range: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
	}
	if resp, body := get("bytes=3145700-"); resp.StatusCode != 206 || !bytes.Equal(body, payload[3145700:]) || resp.Header.Get("Content-Range") != "bytes 3145700-3145727/3145728" {
		t.Fatalf("tail: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Range"), len(body))
	}
	if presigns, reads := f.basalt.PluginCalls("s3", "Presign"), f.basalt.PluginCalls("s3", "Read"); presigns != 3 || reads != 0 {
		t.Fatalf("three downloads made %d Presign and %d Read calls, want 3 and 0", presigns, reads)
	}

	path = "user-alice/" + prefix + "missing.bin"
	if resp, _ := get(""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("missing file: %d, want 404", resp.StatusCode)
	}
	if reads := f.basalt.PluginCalls("s3", "Read"); reads != 1 {
		t.Fatalf("the missing file made %d Read calls, want 1 (the fallback)", reads)
	}
	// redirect=true: a 307 to a link on the store, which serves the object without Basalt's
	// token; a missing file is still a 404 from Basalt.
	redirected := func(path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.api.url+"/content?redirect=true&path="+path, nil)
		req.Header.Set("Authorization", "Bearer "+f.api.token)
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := redirected(path); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("redirect for a missing file: %d, want 404", resp.StatusCode)
	}
	resp = redirected("user-alice/" + prefix + "sample.bin")
	link := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(link, testenv.Require(t).S3Endpoint+"/") {
		t.Fatalf("redirect: %d to a link on %q, want 307 to the store", resp.StatusCode, strings.SplitN(link, "?", 2)[0])
	}
	if stored, err := http.Get(link); err != nil {
		t.Fatal(err)
	} else {
		body, _ := io.ReadAll(stored.Body)
		stored.Body.Close()
		if stored.StatusCode != 200 || !bytes.Equal(body, payload) {
			t.Fatalf("the redirect's link: %d, %d bytes (want %d)", stored.StatusCode, len(body), len(payload))
		}
		// A store cannot sandbox what it serves: its answer is a download (usercontent.go).
		if kind, _, _ := mime.ParseMediaType(stored.Header.Get("Content-Disposition")); kind != "attachment" {
			t.Fatalf("the link of a plain redirect: Content-Disposition %q, want an attachment", stored.Header.Get("Content-Disposition"))
		}
	}
	// The region says so to the portal, whose download links then ask for the redirect.
	var config struct {
		Regions []struct {
			ID                string
			DownloadFromStore bool
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.basalt.URL+"/api/v1/config", nil)
	if resp, body := roundTrip(t, http.DefaultClient, req); resp.StatusCode != 200 || json.Unmarshal(body, &config) != nil {
		t.Fatalf("/api/v1/config: %d %s", resp.StatusCode, body)
	}
	if len(config.Regions) != 1 || !config.Regions[0].DownloadFromStore {
		t.Fatalf("/api/v1/config regions %+v; want downloadFromStore", config.Regions)
	}
	// With download, the store's answer names the file, as Basalt's own download does.
	resp = redirected("user-alice/" + prefix + "sample.bin&download=1")
	if stored, err := http.Get(resp.Header.Get("Location")); err != nil { // a GET link: HEAD is another signature
		t.Fatal(err)
	} else {
		stored.Body.Close()
		kind, params, err := mime.ParseMediaType(stored.Header.Get("Content-Disposition"))
		if stored.StatusCode != 200 || err != nil || kind != "attachment" || params["filename"] != "sample.bin" {
			t.Fatalf("the link of a download's redirect: %d, Content-Disposition %q (%v), want an attachment named sample.bin",
				stored.StatusCode, stored.Header.Get("Content-Disposition"), err)
		}
	}

	logs := f.basalt.Output()
	if !strings.Contains(logs, "/content") {
		t.Fatalf("the debug log shows no request: %.500s", logs)
	}
	for _, secret := range []string{"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows a signed link (%s)", secret)
		}
	}
}
