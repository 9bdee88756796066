package s3

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/basalt-dev/basalt/sdk"
)

func name(ref sdk.ObjectRef) string { return ref.Bucket + "/" + ref.Key }

// objectInfo turns minio-go's description of an object into the sdk's.
func objectInfo(bucket string, o minio.ObjectInfo) sdk.ObjectInfo {
	info := sdk.ObjectInfo{
		Ref:          sdk.ObjectRef{Bucket: bucket, Key: o.Key},
		Size:         o.Size,
		LastModified: o.LastModified,
		ETag:         strings.Trim(o.ETag, `"`),
		ContentType:  o.ContentType,
	}
	if len(o.UserMetadata) > 0 {
		info.Metadata = make(map[string]string, len(o.UserMetadata))
		for k, v := range o.UserMetadata {
			info.Metadata[strings.ToLower(k)] = v
		}
	}
	return info
}

func (s *Store) Stat(ctx context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	_, sess, err := s.open(ctx, req.Caller, req.Object, "object")
	if err != nil {
		return sdk.StatObjectResponse{}, err
	}
	if err := checkObjectKey("object", req.Object.Key); err != nil {
		return sdk.StatObjectResponse{}, err
	}
	o, err := sess.client.StatObject(ctx, req.Object.Bucket, req.Object.Key, minio.StatObjectOptions{})
	if err != nil {
		return sdk.StatObjectResponse{}, storeError(err, "object "+name(req.Object))
	}
	return sdk.StatObjectResponse{Object: objectInfo(req.Object.Bucket, o)}, nil
}

// Read streams an object or a byte range of it straight from the store's answer.
func (s *Store) Read(ctx context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	_, sess, err := s.open(ctx, req.Caller, req.Object, "object")
	if err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	if err := checkObjectKey("object", req.Object.Key); err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	if req.Offset < 0 || req.Length < 0 {
		return sdk.ReadObjectResponse{}, sdk.InvalidFields("invalid range", sdk.FieldViolation{Field: "offset", Rule: "offset and length must not be negative"})
	}
	opts := minio.GetObjectOptions{}
	ranged := req.Offset > 0 || req.Length > 0
	if ranged {
		end := int64(0) // to the end
		if req.Length > 0 {
			end = req.Offset + req.Length - 1
		}
		if err := opts.SetRange(req.Offset, end); err != nil {
			return sdk.ReadObjectResponse{}, sdk.InvalidFields("invalid range", sdk.FieldViolation{Field: "offset", Rule: err.Error()})
		}
	}
	body, o, header, err := minio.Core{Client: sess.client}.GetObject(ctx, req.Object.Bucket, req.Object.Key, opts)
	if err != nil {
		return sdk.ReadObjectResponse{}, storeError(err, "object "+name(req.Object))
	}
	info := objectInfo(req.Object.Bucket, o)
	if ranged {
		// The answer's length is the range's; Content-Range has the object's.
		if total, ok := rangeTotal(header.Get("Content-Range")); ok {
			info.Size = total
		}
	}
	return sdk.ReadObjectResponse{Object: info, Body: body}, nil
}

// rangeTotal reads the object's size from a Content-Range such as "bytes 0-4/20".
func rangeTotal(contentRange string) (int64, bool) {
	_, total, ok := strings.Cut(contentRange, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil
}

// Write streams the body into the store: one PUT for a small object of known size,
// otherwise a multipart upload whose parts go out in parallel. minio-go aborts the upload
// when the body fails or ctx ends (on a context of its own), so no part is left behind, and
// S3 only makes an object visible once it is complete.
func (s *Store) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	st, sess, err := s.open(ctx, req.Caller, req.Object, "object")
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	if err := checkObjectKey("object", req.Object.Key); err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	size := req.Size
	if size < 0 {
		size = -1
	}
	opts := minio.PutObjectOptions{
		ContentType:           req.ContentType,
		UserMetadata:          req.Metadata,
		PartSize:              uint64(st.cfg.Upload.PartSizeMiB) << 20,
		NumThreads:            uint(st.cfg.Upload.Concurrency),
		ConcurrentStreamParts: st.cfg.Upload.Concurrency > 1,
	}
	if opts.ContentType == "" {
		opts.ContentType = "application/octet-stream"
	}
	up, err := sess.client.PutObject(ctx, req.Object.Bucket, req.Object.Key, req.Body, size, opts)
	if err != nil {
		if ctx.Err() != nil {
			return sdk.WriteObjectResponse{}, ctx.Err()
		}
		return sdk.WriteObjectResponse{}, storeError(err, "object "+name(req.Object))
	}
	if req.Size >= 0 && up.Size != req.Size {
		// minio-go stops at the announced size; a longer body is the caller's mistake.
		return sdk.WriteObjectResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "the body of %s is not %d bytes long", name(req.Object), req.Size)
	}
	return sdk.WriteObjectResponse{Object: sdk.ObjectInfo{
		Ref: req.Object, Size: up.Size, LastModified: up.LastModified, ETag: strings.Trim(up.ETag, `"`),
		ContentType: opts.ContentType, Metadata: req.Metadata,
	}}, nil
}

// Delete removes one object, or with Recursive every object under a prefix, listing and
// removing a thousand keys at a time.
func (s *Store) Delete(ctx context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	_, sess, err := s.open(ctx, req.Caller, req.Object, "object")
	if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	if !req.Recursive {
		if req.Object.Key == "" {
			return sdk.DeleteObjectResponse{}, sdk.InvalidFields("cannot delete", sdk.FieldViolation{Field: "object", Rule: "must name an object, or a prefix with recursive"})
		}
		// S3 deletes silently what does not exist; the count says whether something was.
		if _, err := sess.client.StatObject(ctx, req.Object.Bucket, req.Object.Key, minio.StatObjectOptions{}); err != nil {
			if err := storeError(err, "object "+name(req.Object)); sdk.KindOf(err) == sdk.ErrNotFound {
				return sdk.DeleteObjectResponse{}, nil
			} else {
				return sdk.DeleteObjectResponse{}, err
			}
		}
		if err := sess.client.RemoveObject(ctx, req.Object.Bucket, req.Object.Key, minio.RemoveObjectOptions{}); err != nil {
			return sdk.DeleteObjectResponse{}, storeError(err, "object "+name(req.Object))
		}
		return sdk.DeleteObjectResponse{Deleted: 1}, nil
	}
	if req.Object.Key != "" && !strings.HasSuffix(req.Object.Key, "/") {
		return sdk.DeleteObjectResponse{}, sdk.InvalidFields("cannot delete", sdk.FieldViolation{Field: "object", Rule: "a recursive delete needs a prefix ending in /"})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var listErr error
	objects := make(chan minio.ObjectInfo, 1000)
	go func() {
		defer close(objects)
		for o := range sess.client.ListObjects(ctx, req.Object.Bucket, minio.ListObjectsOptions{Prefix: req.Object.Key, Recursive: true}) {
			if o.Err != nil {
				listErr = o.Err
				return
			}
			objects <- o
		}
	}()
	var deleted int64
	var removeErr error
	for r := range sess.client.RemoveObjectsWithResult(ctx, req.Object.Bucket, objects, minio.RemoveObjectsOptions{}) {
		if r.Err != nil {
			if removeErr == nil {
				removeErr = r.Err
			}
			continue
		}
		deleted++
	}
	if listErr == nil {
		listErr = removeErr
	}
	if listErr != nil {
		return sdk.DeleteObjectResponse{Deleted: deleted}, storeError(listErr, "prefix "+name(req.Object))
	}
	return sdk.DeleteObjectResponse{Deleted: deleted}, nil
}

// maxCopySize is the largest object one CopyObject request copies; larger ones are copied
// part by part.
const maxCopySize = 5 << 30

// Copy copies inside the store, without the data passing through Basalt; a move removes the
// source once the copy is complete.
func (s *Store) Copy(ctx context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	_, sess, err := s.open(ctx, req.Caller, req.Source, "source")
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	if _, _, err := s.open(ctx, req.Caller, req.Destination, "destination"); err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	for field, key := range map[string]string{"source": req.Source.Key, "destination": req.Destination.Key} {
		if err := checkObjectKey(field, key); err != nil {
			return sdk.CopyObjectResponse{}, err
		}
	}
	if req.Source == req.Destination {
		return sdk.CopyObjectResponse{}, sdk.InvalidFields("cannot copy", sdk.FieldViolation{Field: "destination", Rule: "must differ from the source"})
	}
	src, err := sess.client.StatObject(ctx, req.Source.Bucket, req.Source.Key, minio.StatObjectOptions{})
	if err != nil {
		return sdk.CopyObjectResponse{}, storeError(err, "object "+name(req.Source))
	}
	// Pinning the ETag makes the copy fail rather than copy a newer object than was stat'ed.
	srcOpts := minio.CopySrcOptions{Bucket: req.Source.Bucket, Object: req.Source.Key, MatchETag: src.ETag}
	dstOpts := minio.CopyDestOptions{Bucket: req.Destination.Bucket, Object: req.Destination.Key}
	if src.Size > maxCopySize {
		_, err = sess.client.ComposeObject(ctx, dstOpts, srcOpts)
	} else {
		_, err = sess.client.CopyObject(ctx, dstOpts, srcOpts)
	}
	if err != nil {
		return sdk.CopyObjectResponse{}, storeError(err, "object "+name(req.Source))
	}
	o, err := sess.client.StatObject(ctx, req.Destination.Bucket, req.Destination.Key, minio.StatObjectOptions{})
	if err != nil {
		return sdk.CopyObjectResponse{}, storeError(err, "object "+name(req.Destination))
	}
	if req.RemoveSource {
		if err := sess.client.RemoveObject(ctx, req.Source.Bucket, req.Source.Key, minio.RemoveObjectOptions{}); err != nil {
			return sdk.CopyObjectResponse{}, storeError(err, "object "+name(req.Source))
		}
	}
	return sdk.CopyObjectResponse{Object: objectInfo(req.Destination.Bucket, o)}, nil
}

// Presign signs a URL with the caller's own credentials, so the store checks the caller's
// rights when the URL is used. With STS, it ends with the session that signed it at the
// latest: ExpiresAt says when.
func (s *Store) Presign(ctx context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	st, sess, err := s.open(ctx, req.Caller, req.Object, "object")
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	if err := checkObjectKey("object", req.Object.Key); err != nil {
		return sdk.PresignResponse{}, err
	}
	if req.Expiry <= 0 || req.Expiry > st.cfg.presignLimit() {
		return sdk.PresignResponse{}, sdk.InvalidFields("cannot presign", sdk.FieldViolation{Field: "expiry", Rule: "must be positive and at most " + st.cfg.presignLimit().String()})
	}
	expiry := req.Expiry.Truncate(time.Second)
	if expiry < time.Second {
		expiry = time.Second
	}
	now := time.Now()
	var u *url.URL
	switch req.Method {
	case http.MethodGet:
		if _, err := sess.client.StatObject(ctx, req.Object.Bucket, req.Object.Key, minio.StatObjectOptions{}); err != nil {
			return sdk.PresignResponse{}, storeError(err, "object "+name(req.Object))
		}
		params := url.Values{}
		if req.ContentDisposition != "" {
			params.Set("response-content-disposition", req.ContentDisposition)
		}
		if req.ContentType != "" {
			params.Set("response-content-type", req.ContentType)
		}
		u, err = sess.client.PresignedGetObject(ctx, req.Object.Bucket, req.Object.Key, expiry, params)
	case http.MethodPut:
		u, err = sess.client.PresignedPutObject(ctx, req.Object.Bucket, req.Object.Key, expiry)
	default:
		return sdk.PresignResponse{}, sdk.InvalidFields("cannot presign", sdk.FieldViolation{Field: "method", Rule: "must be GET or PUT"})
	}
	if err != nil {
		return sdk.PresignResponse{}, storeError(err, "object "+name(req.Object))
	}
	expires := now.Add(expiry)
	if end := sess.keys.Expiration; !end.IsZero() && end.Before(expires) {
		expires = end
	}
	return sdk.PresignResponse{URL: u.String(), ExpiresAt: expires}, nil
}
