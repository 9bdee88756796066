package filetree

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"maps"
	"mime"
	"path"
	"slices"
	"time"

	"github.com/basalt-dev/basalt/sdk"
)

// object returns the live backend and the file of ref, once the caller may read it.
func (s *Store[B]) object(ctx context.Context, c sdk.Caller, field string, ref sdk.ObjectRef) (B, File, error) {
	b, err := s.open(c, ref.Bucket)
	if err == nil {
		err = CheckObject(field, ref.Key)
	}
	if err != nil {
		return b, File{}, err
	}
	f, err := b.Stat(ctx, pathOf(ref))
	if err = kind(err); errors.Is(err, sdk.ErrNotFound) || err == nil && f.Dir {
		err = sdk.Errorf(sdk.ErrNotFound, "object %s/%s not found", ref.Bucket, ref.Key)
	}
	return b, f, err
}

func (s *Store[B]) Stat(ctx context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	_, f, err := s.object(ctx, req.Caller, "object.key", req.Object)
	if err != nil {
		return sdk.StatObjectResponse{}, err
	}
	return sdk.StatObjectResponse{Object: infoOf(req.Object, f)}, nil
}

func (s *Store[B]) Read(ctx context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	b, f, err := s.object(ctx, req.Caller, "object.key", req.Object)
	if err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	if req.Offset < 0 || req.Length < 0 || req.Offset > f.Size || (req.Offset == f.Size && f.Size > 0) {
		return sdk.ReadObjectResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "range %d+%d is outside an object of %d bytes", req.Offset, req.Length, f.Size)
	}
	n := f.Size - req.Offset
	if req.Length > 0 {
		n = min(n, req.Length)
	}
	body := io.NopCloser(bytes.NewReader(nil))
	if n > 0 {
		if body, err = b.Open(ctx, pathOf(req.Object), req.Offset, n); err != nil {
			return sdk.ReadObjectResponse{}, kind(err)
		}
	}
	// The range was measured by Stat: a file grown since reads as it was measured.
	return sdk.ReadObjectResponse{Object: infoOf(req.Object, f), Body: limited{io.LimitReader(body, n), body}}, nil
}

// limited is a body cut to the length asked.
type limited struct {
	io.Reader
	io.Closer
}

func (s *Store[B]) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	// Access is checked before a byte is read: a refused upload must not cost its body.
	b, err := s.open(req.Caller, req.Object.Bucket)
	if err == nil {
		err = CheckObject("object.key", req.Object.Key)
	}
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	name := pathOf(req.Object)
	body := &checkedBody{ctx: ctx, r: req.Body, size: max(req.Size, -1)}
	f, err := s.place(ctx, b, name, func() error {
		return writeAtomic(ctx, b, name, body, Meta{ContentType: req.ContentType, Metadata: req.Metadata})
	})
	if err != nil {
		if body.err != nil {
			err = body.err // what went wrong, rather than how the tree saw it
		}
		return sdk.WriteObjectResponse{}, fmt.Errorf("write %s/%s: %w", req.Object.Bucket, req.Object.Key, err)
	}
	return sdk.WriteObjectResponse{Object: infoOf(req.Object, f)}, nil
}

// place puts a file at name with put, once it has made the folders of name and checked that
// no folder is in the way, and describes it. When put fails, the folders left empty go.
func (s *Store[B]) place(ctx context.Context, b B, name string, put func() error) (File, error) {
	s.writes.begin(name)
	err := s.placeCounted(ctx, b, name, put)
	s.writes.end(name)
	if err != nil {
		dir, _ := split(name)
		s.writes.prune(ctx, b, dir)
		return File{}, kind(err)
	}
	f, err := b.Stat(ctx, name)
	return f, kind(err)
}

func (s *Store[B]) placeCounted(ctx context.Context, b B, name string, put func() error) error {
	if f, err := b.Stat(ctx, name); err == nil && f.Dir {
		return sdk.Errorf(sdk.ErrConflict, "%s is a folder, it cannot be an object too", name)
	}
	for _, dir := range folders(name) {
		if err := mkdir(ctx, b, dir); err != nil {
			return err
		}
	}
	return put()
}

// mkdirAttempts bounds how often a folder is asked for while concurrent writes make it: a
// server may refuse a request on a folder another request holds (WebDAV's 423 Locked).
const mkdirAttempts = 5

// mkdir makes dir, or finds it made: by this write, or by another one meanwhile.
func mkdir(ctx context.Context, t Tree, dir string) error {
	for attempt := 1; ; attempt++ {
		err := kind(t.Mkdir(ctx, dir))
		if err == nil || errors.Is(err, sdk.ErrAlreadyExists) {
			return nil
		}
		if f, statErr := t.Stat(ctx, dir); statErr == nil && f.Dir {
			return nil
		}
		if attempt == mkdirAttempts || errors.Is(err, sdk.ErrPermissionDenied) || errors.Is(err, sdk.ErrConflict) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 10 * time.Millisecond):
		}
	}
}

// writeAtomic writes body to a file of its own beside name, then moves it over name once
// whole: a body that fails, or a context that ends, leaves name as it was.
func writeAtomic(ctx context.Context, t Tree, name string, body io.Reader, meta Meta) error {
	temp := tempName(name)
	err := t.Create(ctx, temp, body, meta)
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = t.Move(ctx, temp, name)
	}
	if err != nil {
		_ = t.Remove(context.WithoutCancel(ctx), temp)
	}
	return err
}

// checkedBody is a write's body that fails once the request's context ends, or when it
// turns out longer or shorter than announced, so that the tree never commits it.
type checkedBody struct {
	ctx  context.Context
	r    io.Reader
	size int64 // -1: not announced
	read int64
	err  error // the first failure, which every Read returns from then on
}

func (c *checkedBody) Read(p []byte) (int, error) {
	if c.err == nil {
		c.err = c.ctx.Err()
	}
	if c.err != nil {
		return 0, c.err
	}
	if c.size >= 0 && int64(len(p)) > c.size-c.read+1 {
		p = p[:c.size-c.read+1] // one byte more tells a body longer than announced
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	switch {
	case c.size >= 0 && c.read > c.size:
		c.err = sdk.Errorf(sdk.ErrInvalidArgument, "the body is longer than the %d bytes announced", c.size)
	case c.size >= 0 && c.read < c.size && err == io.EOF:
		c.err = sdk.Errorf(sdk.ErrInvalidArgument, "the body has %d bytes, the request announced %d", c.read, c.size)
	case err != nil && err != io.EOF:
		c.err = err
	}
	if c.err != nil {
		return 0, c.err
	}
	return n, err
}

func (s *Store[B]) Delete(ctx context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	ref := req.Object
	b, err := s.open(req.Caller, ref.Bucket)
	if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	if req.Recursive {
		if err := CheckPrefix("object.key", ref.Key); err != nil {
			return sdk.DeleteObjectResponse{}, err
		}
		n, err := s.deleteUnder(ctx, b, ref)
		return sdk.DeleteObjectResponse{Deleted: n}, err
	}
	if CheckFolder("object.key", ref.Key) == nil {
		return sdk.DeleteObjectResponse{}, nil // a folder holds objects; alone it is nothing to delete, as on S3
	}
	if _, _, err := s.object(ctx, req.Caller, "object.key", ref); errors.Is(err, sdk.ErrNotFound) {
		return sdk.DeleteObjectResponse{}, nil // gone already
	} else if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	if err := kind(b.Remove(ctx, pathOf(ref))); errors.Is(err, sdk.ErrNotFound) {
		return sdk.DeleteObjectResponse{}, nil
	} else if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	dir, _ := split(pathOf(ref))
	s.writes.prune(ctx, b, dir)
	return sdk.DeleteObjectResponse{Deleted: 1}, nil
}

// deleteUnder deletes every object whose key starts with prefix's, then the folders left
// empty.
func (s *Store[B]) deleteUnder(ctx context.Context, b B, prefix sdk.ObjectRef) (int64, error) {
	dir, start := split(prefix.Key)
	var n int64
	emptied := map[string]bool{} // folders that held the files removed
	_, err := s.walk(ctx, b, prefix.Bucket, dir, start, "", func(e entry) (bool, error) {
		err := kind(b.Remove(ctx, pathOf(e.ref)))
		if err == nil {
			n++
		}
		d, _ := split(pathOf(e.ref))
		emptied[d] = true
		err = ignoreNotFound(err)
		return err == nil, err
	})
	// The deepest first, so that a folder holds no empty folder when its turn comes.
	for _, d := range slices.SortedFunc(maps.Keys(emptied), func(a, b string) int { return len(b) - len(a) }) {
		s.writes.prune(ctx, b, d)
	}
	return n, err
}

func (s *Store[B]) Copy(ctx context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	if err := CheckObject("destination.key", req.Destination.Key); err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	b, src, err := s.object(ctx, req.Caller, "source.key", req.Source)
	if err == nil {
		_, err = s.open(req.Caller, req.Destination.Bucket)
	}
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	if req.Source == req.Destination {
		return sdk.CopyObjectResponse{Object: infoOf(req.Source, src)}, nil
	}
	from, to := pathOf(req.Source), pathOf(req.Destination)
	f, err := s.place(ctx, b, to, func() error {
		if req.RemoveSource {
			return b.Move(ctx, from, to)
		}
		if c, ok := any(b).(Copier); ok {
			return c.Copy(ctx, from, to)
		}
		return copyBytes(ctx, b, from, to, src)
	})
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	if req.RemoveSource {
		dir, _ := split(from)
		s.writes.prune(ctx, b, dir)
	}
	return sdk.CopyObjectResponse{Object: infoOf(req.Destination, f)}, nil
}

// copyBytes copies a file through the plugin, for a Tree that cannot copy by itself.
func copyBytes(ctx context.Context, t Tree, from, to string, src File) error {
	body := io.NopCloser(bytes.NewReader(nil))
	if src.Size > 0 {
		var err error
		if body, err = t.Open(ctx, from, 0, src.Size); err != nil {
			return err
		}
	}
	defer body.Close()
	return writeAtomic(ctx, t, to, &checkedBody{ctx: ctx, r: body, size: src.Size}, src.Meta)
}

// MaxPresignExpiry is the longest validity a Presign request may ask, as on S3.
const MaxPresignExpiry = 7 * 24 * time.Hour

// Presign checks the request as a store that signs links would, then declines: a file tree
// has no links of its own, Basalt serves its files. A plugin whose backend signs links
// defines its own Presign.
func (s *Store[B]) Presign(ctx context.Context, req sdk.PresignRequest) (sdk.PresignResponse, error) {
	if req.Method != "GET" && req.Method != "PUT" {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "method", Rule: "must be GET or PUT"})
	}
	if req.Expiry <= 0 || req.Expiry > MaxPresignExpiry {
		return sdk.PresignResponse{}, sdk.InvalidFields("invalid presign request", sdk.FieldViolation{Field: "expiry", Rule: "must be positive and at most " + MaxPresignExpiry.String()})
	}
	var err error
	if req.Method == "GET" {
		_, _, err = s.object(ctx, req.Caller, "object.key", req.Object)
	} else if _, err = s.open(req.Caller, req.Object.Bucket); err == nil {
		err = CheckObject("object.key", req.Object.Key)
	}
	if err != nil {
		return sdk.PresignResponse{}, err
	}
	return sdk.PresignResponse{}, sdk.Errorf(sdk.ErrUnimplemented, "this store has no links of its own: Basalt signs and serves links to its files")
}

func pathOf(ref sdk.ObjectRef) string { return ref.Bucket + "/" + ref.Key }

// infoOf describes an object from its file, filling in what the tree did not say.
func infoOf(ref sdk.ObjectRef, f File) sdk.ObjectInfo {
	o := sdk.ObjectInfo{Ref: ref, Size: f.Size, LastModified: f.Modified.UTC(), ETag: f.ETag, ContentType: f.ContentType, Metadata: f.Metadata}
	if o.ETag == "" {
		o.ETag = fmt.Sprintf("%x-%x", f.Modified.UnixNano(), f.Size)
	}
	if o.ContentType == "" {
		o.ContentType = mime.TypeByExtension(path.Ext(ref.Key))
	}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	return o
}

// kind gives an error of io/fs's kinds the sdk's kind; others stay as they are.
func kind(err error) error {
	if err == nil || sdk.KindOf(err) != nil {
		return err
	}
	for _, k := range fsKinds {
		if errors.Is(err, k.fs) {
			return fmt.Errorf("%w (%w)", err, k.sdk)
		}
	}
	return err
}

var fsKinds = []struct{ fs, sdk error }{
	{iofs.ErrNotExist, sdk.ErrNotFound},
	{iofs.ErrExist, sdk.ErrAlreadyExists},
	{iofs.ErrPermission, sdk.ErrPermissionDenied},
}

func ignoreNotFound(err error) error {
	if errors.Is(err, sdk.ErrNotFound) {
		return nil
	}
	return err
}
