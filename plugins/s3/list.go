package s3

import (
	"context"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/minio/minio-go/v7"

	"github.com/basalt-dev/basalt/sdk"
)

// List returns one page: a single ListObjectsV2 request of at most the page size, starting
// after the key the page token names. S3 counts folders and objects alike in a page.
func (s *Store) List(ctx context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	st, sess, err := s.open(ctx, req.Caller, req.Prefix, "prefix")
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	if req.Prefix.Key != "" && !strings.HasSuffix(req.Prefix.Key, "/") {
		return sdk.ListObjectsResponse{}, sdk.InvalidFields("cannot list", sdk.FieldViolation{Field: "prefix", Rule: "must be empty or end in /"})
	}
	size := req.PageSize
	if size <= 0 || size > st.cfg.MaxPageSize {
		size = st.cfg.MaxPageSize
	}
	startAfter, err := decodePageToken(req.PageToken)
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	delimiter := "/"
	if req.Recursive {
		delimiter = ""
	}
	page, err := listPage(ctx, minio.Core{Client: sess.client}, req.Prefix.Bucket, req.Prefix.Key, startAfter, delimiter, size)
	if err != nil {
		return sdk.ListObjectsResponse{}, storeError(err, "prefix "+name(req.Prefix))
	}
	resp := sdk.ListObjectsResponse{Objects: make([]sdk.ObjectInfo, 0, len(page.Contents))}
	last := ""
	for _, o := range page.Contents {
		resp.Objects = append(resp.Objects, objectInfo(req.Prefix.Bucket, o))
		last = max(last, o.Key)
	}
	for _, p := range page.CommonPrefixes {
		resp.Folders = append(resp.Folders, sdk.ObjectRef{Bucket: req.Prefix.Bucket, Key: p.Prefix})
		// Starting after a folder's own key would list its content: start after all of it.
		last = max(last, p.Prefix+string(utf8.MaxRune))
	}
	if page.IsTruncated && last != "" {
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(last))
	}
	return resp, nil
}

// listPage sends one listing request. minio-go's single-request listing takes no context:
// the request runs on, bounded by the transport's timeouts, while the call returns as soon
// as ctx ends.
func listPage(ctx context.Context, core minio.Core, bucket, prefix, startAfter, delimiter string, size int) (minio.ListBucketV2Result, error) {
	type answer struct {
		page minio.ListBucketV2Result
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		page, err := core.ListObjectsV2(bucket, prefix, startAfter, "", delimiter, size)
		done <- answer{page, err}
	}()
	select {
	case a := <-done:
		return a.page, a.err
	case <-ctx.Done():
		return minio.ListBucketV2Result{}, ctx.Err()
	}
}

// decodePageToken reads the key a page starts after. A token only moves the start of a
// listing within its prefix, so a forged one reveals nothing.
func decodePageToken(token string) (string, error) {
	if token == "" {
		return "", nil
	}
	key, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || !utf8.Valid(key) {
		return "", sdk.InvalidFields("cannot list", sdk.FieldViolation{Field: "pageToken", Rule: "must be a token from a previous page"})
	}
	return string(key), nil
}
