package filepolicy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// Downloads skip the plugin hop when the store can sign links: the core reads the object from
// the store's own HTTP endpoint through a link the storage plugin signs for the caller, so the
// bytes cross one process instead of two (README, "Benchmarks", has the figures).

// storeLinkExpiry is how long a download link is valid: the store checks it once, when the
// request starts, so it only needs to outlive the request's first byte.
const storeLinkExpiry = time.Minute

// redirectLinkExpiry is how long the link of a redirected download is valid: long enough for
// a client to follow it, short enough that a copied link soon stops working.
const redirectLinkExpiry = 5 * time.Minute

// RedirectURL is a link the store signs for the caller to download an object from the store
// itself (files/content?redirect=true): a client that reaches the store then reads at the
// store's own speed. The client asked for the link, so it may see it; it is still never
// logged. The store's answer is a download of opaque bytes under the object's name (a store
// cannot sandbox what it serves, see usercontent.go). A store that signs no links (local
// files) gives "" and no error: the caller then serves the content itself, which a client
// following redirects gets the same.
func RedirectURL(ctx context.Context, store sdk.Storage, caller sdk.Caller, ref sdk.ObjectRef) (string, error) {
	link, err := store.Presign(ctx, DownloadLink(caller, ref, redirectLinkExpiry))
	if errors.Is(err, sdk.ErrUnimplemented) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return link.URL, nil
}

// DownloadLink asks a store for a link whose answer is an attachment of opaque bytes, which a
// browser saves and never runs, whatever type the object was stored with.
func DownloadLink(caller sdk.Caller, ref sdk.ObjectRef, expiry time.Duration) sdk.PresignRequest {
	return sdk.PresignRequest{Caller: caller, Object: ref, Method: http.MethodGet, Expiry: expiry,
		ContentDisposition: Attachment(ref.Key), ContentType: OpaqueType}
}

// storeClient fetches signed links. It follows no redirect: a signed link is the object.
var storeClient = &http.Client{
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Read opens an object, or a range of it, the fastest way the store allows: through a link
// it signs (readThroughLink) unless viaPlugin, else through the plugin, which names any error.
func Read(ctx context.Context, store sdk.Storage, req sdk.ReadObjectRequest, viaPlugin bool) (sdk.ReadObjectResponse, error) {
	if !viaPlugin {
		if resp, ok := readThroughLink(ctx, store, req); ok {
			return resp, nil
		}
	}
	return store.Read(ctx, req)
}

// readThroughLink opens the object, or the range of it, straight from the store. ok is false
// when the store cannot sign a link or its answer is not the object asked for: the caller then
// reads through the plugin, which names any error. The link carries the caller's credentials:
// it is never logged, returned or put in an error.
func readThroughLink(ctx context.Context, store sdk.Storage, req sdk.ReadObjectRequest) (resp sdk.ReadObjectResponse, ok bool) {
	link, err := store.Presign(ctx, sdk.PresignRequest{Caller: req.Caller, Object: req.Object, Method: http.MethodGet, Expiry: storeLinkExpiry})
	if err != nil {
		return sdk.ReadObjectResponse{}, false
	}
	get, err := http.NewRequestWithContext(ctx, http.MethodGet, link.URL, nil)
	if err != nil {
		return sdk.ReadObjectResponse{}, false
	}
	ranged := req.Offset > 0 || req.Length > 0
	if ranged {
		end := ""
		if req.Length > 0 {
			end = strconv.FormatInt(req.Offset+req.Length-1, 10)
		}
		get.Header.Set("Range", "bytes="+strconv.FormatInt(req.Offset, 10)+"-"+end)
	}
	answer, err := storeClient.Do(get)
	if err != nil {
		return sdk.ReadObjectResponse{}, false // a *url.Error names the link: dropped
	}
	info := sdk.ObjectInfo{Ref: req.Object, Size: answer.ContentLength, ContentType: answer.Header.Get("Content-Type"),
		ETag: strings.Trim(answer.Header.Get("ETag"), `"`)}
	switch {
	case !ranged && answer.StatusCode == http.StatusOK && answer.ContentLength >= 0:
	case ranged && answer.StatusCode == http.StatusPartialContent:
		total, known := rangeTotal(answer.Header.Get("Content-Range"))
		if !known {
			answer.Body.Close()
			return sdk.ReadObjectResponse{}, false
		}
		info.Size = total
	default:
		answer.Body.Close()
		return sdk.ReadObjectResponse{}, false
	}
	if t, err := http.ParseTime(answer.Header.Get("Last-Modified")); err == nil {
		info.LastModified = t
	}
	return sdk.ReadObjectResponse{Object: info, Body: answer.Body}, true
}

// rangeTotal reads the object's size from a Content-Range such as "bytes 0-4/20".
func rangeTotal(contentRange string) (int64, bool) {
	_, total, ok := strings.Cut(contentRange, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil && n >= 0
}

// copyBuffers hold a megabyte each: io.Copy's 32 KiB would make a write system call per 32 KiB
// of a download read from the store's HTTP answer (the plugin's bodies hand over whole chunks
// through WriteTo and need no buffer).
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// CopyBody sends body to w in large writes.
func CopyBody(w io.Writer, body io.Reader) error {
	buf := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(buf)
	_, err := io.CopyBuffer(w, body, *buf)
	return err
}
