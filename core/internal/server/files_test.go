package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/config"
	"github.com/basalt-dev/basalt/core/internal/httpapi"
	"github.com/basalt-dev/basalt/core/internal/testplugin"
)

func do(t *testing.T, method, url string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// jsonAs is the headers of a request sent with token, with a JSON body when there is one.
func jsonAs(token, body string) []string {
	header := []string{"Authorization", "Bearer " + token}
	if body != "" {
		header = append(header, "Content-Type", "application/json")
	}
	return header
}

func TestFilesAPI(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"files": {Kind: "storage", Path: testplugin.Memory(t), Args: []string{"storage"}},
	}, "auth.local.username=alice", "auth.local.groups=[data-team]")
	files := base + "/api/v1/projects/user-alice/files"

	payload := make([]byte, 3<<20)
	_, _ = rand.Read(payload)
	resp, body := do(t, http.MethodPut, files+"/content?path=user-alice/data/sample.bin", bytes.NewReader(payload), "Content-Type", "application/octet-stream")
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, http.MethodPost, files+"/folders", strings.NewReader(`{"path":"user-alice/empty"}`), "Content-Type", "application/json"); resp.StatusCode != 201 {
		t.Fatalf("mkdir: %d %s", resp.StatusCode, body)
	}

	var home FileList
	if code := getJSON(t, files, &home); code != 200 || home.Home != "user-alice/" {
		t.Fatalf("home listing: %d %+v", code, home)
	}
	var folders []string
	for _, f := range home.Folders {
		folders = append(folders, f.Name)
	}
	if strings.Join(folders, ",") != "data,empty" || len(home.Files) != 0 {
		t.Fatalf("home shows folders data and empty, and no file: %+v", home)
	}
	var data FileList
	getJSON(t, files+"?path=user-alice/data", &data)
	if len(data.Files) != 1 || data.Files[0].Size != int64(len(payload)) || data.Files[0].Name != "sample.bin" {
		t.Fatalf("data folder: %+v", data)
	}
	var empty FileList
	getJSON(t, files+"?path=user-alice/empty/", &empty)
	if len(empty.Files) != 0 {
		t.Fatalf("the folder marker must not be listed: %+v", empty.Files)
	}

	resp, got := do(t, http.MethodGet, files+"/content?path=user-alice/data/sample.bin", nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, payload) {
		t.Fatalf("download: %d, %d bytes (want %d)", resp.StatusCode, len(got), len(payload))
	}
	// A download names the file, beyond ASCII too (RFC 2231), which a quoted Go string would
	// not.
	name := "rapport d'été 2026.csv"
	if resp, body := do(t, http.MethodPut, files+"/content?path="+url.QueryEscape("user-alice/data/"+name), strings.NewReader("a,b\n"), "Content-Type", "text/csv"); resp.StatusCode != 201 {
		t.Fatalf("upload %s: %d %s", name, resp.StatusCode, body)
	}
	resp, _ = do(t, http.MethodGet, files+"/content?download=1&path="+url.QueryEscape("user-alice/data/"+name), nil)
	if kind, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); resp.StatusCode != 200 || err != nil || kind != "attachment" || params["filename"] != name {
		t.Fatalf("download of %s: %d, Content-Disposition %q (%v)", name, resp.StatusCode, resp.Header.Get("Content-Disposition"), err)
	}
	resp, got = do(t, http.MethodGet, files+"/content?path=user-alice/data/sample.bin", nil, "Range", "bytes=100-199")
	if resp.StatusCode != 206 || !bytes.Equal(got, payload[100:200]) || resp.Header.Get("Content-Range") != "bytes 100-199/3145728" {
		t.Fatalf("range: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Range"), len(got))
	}

	resp, body = do(t, http.MethodPost, files+"/share", strings.NewReader(`{"path":"user-alice/data/sample.bin","expiry":"1h"}`), "Content-Type", "application/json")
	var share struct {
		URL       string
		ExpiresAt time.Time
	}
	if json.Unmarshal(body, &share) != nil || resp.StatusCode != 200 || share.URL == "" || time.Until(share.ExpiresAt) < 50*time.Minute {
		t.Fatalf("share: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, http.MethodPut, files+"/policy", strings.NewReader(`{"path":"user-alice/data/","public":true}`), "Content-Type", "application/json"); resp.StatusCode != 200 {
		t.Fatalf("make public: %d %s", resp.StatusCode, body)
	}
	var public struct{ Folders []FolderView }
	getJSON(t, files+"/public", &public)
	if len(public.Folders) != 1 || public.Folders[0].Path != "user-alice/data/" {
		t.Fatalf("public folders: %+v", public)
	}

	// Nothing outside the project's home, nor another's project, is reachable.
	for _, url := range []string{
		files + "/content?path=user-bob/secret.txt",
		files + "?path=project-data-team/",
		base + "/api/v1/projects/user-bob/files",
		base + "/api/v1/projects/project-finance/files",
	} {
		var e httpapi.ErrorBody
		if code := getJSON(t, url, &e); code != 404 {
			t.Errorf("%s: want 404, got %d %+v", url, code, e)
		}
	}
	var group FileList
	if code := getJSON(t, base+"/api/v1/projects/project-data-team/files", &group); code != 200 || group.Home != "project-data-team/" {
		t.Fatalf("the group project's home: %d %+v", code, group)
	}

	resp, _ = do(t, http.MethodDelete, files+"?path=user-alice/data/&recursive=true", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("delete folder: %d", resp.StatusCode)
	}
	if resp, _ := do(t, http.MethodGet, files+"/content?path=user-alice/data/sample.bin", nil); resp.StatusCode != 404 {
		t.Fatalf("deleted file still served: %d", resp.StatusCode)
	}
}

// failingReader fails after some bytes, like a browser that goes away mid-upload.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection lost")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func TestInterruptedUploadLeavesNothing(t *testing.T) {
	base := startWithPlugins(t, map[string]config.Plugin{
		"files": {Kind: "storage", Path: testplugin.Memory(t), Args: []string{"storage"}},
	}, "auth.local.username=alice")
	files := base + "/api/v1/projects/user-alice/files"

	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, files+"/content?path=user-alice/half.bin", &failingReader{n: 1 << 20})
	req.ContentLength = 8 << 20 // the server expects more than ever arrives
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 201 {
			t.Fatal("an interrupted upload must not succeed")
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, _ := do(t, http.MethodGet, files+"/content?path=user-alice/half.bin", nil)
		if resp.StatusCode == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a half upload was stored: %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
