package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"sync"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/filetree"
)

// object opens the bucket of ref for the caller and describes the object's file. A key
// that leads to anything but a regular file, or crosses a symbolic link, is not found.
func (st *state) object(c sdk.Caller, ref sdk.ObjectRef) (*bucket, os.FileInfo, error) {
	if err := filetree.CheckObject("object.key", ref.Key); err != nil {
		return nil, nil, err
	}
	b, err := st.open(c, ref.Bucket, false)
	if err != nil {
		return nil, nil, err
	}
	fi, err := b.lstat(ref.Key)
	if err == nil && !fi.Mode().IsRegular() {
		err = iofs.ErrNotExist
	}
	if err != nil {
		b.close()
		if isMissing(err) {
			return nil, nil, sdk.Errorf(sdk.ErrNotFound, "object %s/%s not found", ref.Bucket, ref.Key)
		}
		return nil, nil, err
	}
	return b, fi, nil
}

// openObject opens an object's file for reading and checks that it is the very file that
// was described, so that nothing swapped in on the way is read.
func (st *state) openObject(c sdk.Caller, ref sdk.ObjectRef) (*os.File, os.FileInfo, error) {
	b, fi, err := st.object(c, ref)
	if err != nil {
		return nil, nil, err
	}
	defer b.close()
	f, err := b.dir.Open(ref.Key)
	if err != nil {
		if isMissing(err) {
			return nil, nil, sdk.Errorf(sdk.ErrNotFound, "object %s/%s not found", ref.Bucket, ref.Key)
		}
		return nil, nil, err
	}
	opened, err := f.Stat()
	if err != nil || !os.SameFile(fi, opened) {
		f.Close()
		return nil, nil, sdk.Errorf(sdk.ErrNotFound, "object %s/%s not found", ref.Bucket, ref.Key)
	}
	return f, opened, nil
}

func (s *Store) Stat(_ context.Context, req sdk.StatObjectRequest) (sdk.StatObjectResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.StatObjectResponse{}, err
	}
	b, fi, err := st.object(req.Caller, req.Object)
	if err != nil {
		return sdk.StatObjectResponse{}, err
	}
	b.close()
	return sdk.StatObjectResponse{Object: st.info(req.Object, fi, true)}, nil
}

// body is a section of an open file that closes it.
type body struct {
	*io.SectionReader
	f *os.File
}

func (b body) Close() error { return b.f.Close() }

func (s *Store) Read(_ context.Context, req sdk.ReadObjectRequest) (sdk.ReadObjectResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	f, fi, err := st.openObject(req.Caller, req.Object)
	if err != nil {
		return sdk.ReadObjectResponse{}, err
	}
	size := fi.Size()
	if req.Offset < 0 || req.Length < 0 || req.Offset > size || (req.Offset == size && size > 0) {
		f.Close()
		return sdk.ReadObjectResponse{}, sdk.Errorf(sdk.ErrInvalidArgument, "range %d+%d is outside an object of %d bytes", req.Offset, req.Length, size)
	}
	n := size - req.Offset
	if req.Length > 0 {
		n = min(n, req.Length)
	}
	return sdk.ReadObjectResponse{
		Object: st.info(req.Object, fi, true),
		Body:   body{SectionReader: io.NewSectionReader(f, req.Offset, n), f: f},
	}, nil
}

func (s *Store) Write(ctx context.Context, req sdk.WriteObjectRequest) (sdk.WriteObjectResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	if err := filetree.CheckObject("object.key", req.Object.Key); err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	// Access is checked before a byte is read: a refused upload must not cost its body.
	b, err := st.open(req.Caller, req.Object.Bucket, true)
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	defer b.close()
	info, err := st.write(ctx, b, req.Object, req.Body, req.Size, meta{ContentType: req.ContentType, Metadata: req.Metadata})
	if err != nil {
		return sdk.WriteObjectResponse{}, err
	}
	return sdk.WriteObjectResponse{Object: info}, nil
}

// copyBuffers hold the chunks a write moves from its body to its file.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// write streams body into the object ref of b, all or nothing: the bytes go to a temporary
// file in the object's folder, which is synced and then renamed over the object. When the
// body fails, its size is not the one announced (size >= 0) or ctx ends, the temporary file
// is removed and the object, if it existed, is left as it was.
func (st *state) write(ctx context.Context, b *bucket, ref sdk.ObjectRef, body io.Reader, size int64, m meta) (info sdk.ObjectInfo, err error) {
	dir, _ := split(ref.Key)
	// The quota is checked before a byte is read when the size is announced, and at every
	// chunk otherwise.
	res, err := st.quota.begin(b, ref.Key)
	if err != nil {
		return sdk.ObjectInfo{}, err
	}
	landed, replaced := false, int64(-1)
	defer func() { res.end(landed, replaced) }()
	if size >= 0 {
		if err := res.take(size); err != nil {
			return sdk.ObjectInfo{}, err
		}
	}
	st.tree.Lock()
	tmp := tempName(dir)
	err = b.mkdirs(dir)
	var f *os.File
	if err == nil {
		f, err = b.dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	}
	st.tree.Unlock()
	if err != nil {
		return sdk.ObjectInfo{}, err
	}
	renamed := false
	defer func() {
		if f != nil {
			f.Close()
		}
		if !renamed {
			_ = b.dir.Remove(tmp)
			st.tree.Lock()
			b.prune(dir)
			st.tree.Unlock()
		}
	}()

	src := io.Reader(contextReader{ctx: ctx, r: body})
	if size >= 0 {
		src = io.LimitReader(src, size+1) // one byte more tells a body longer than announced
	}
	buf := copyBuffers.Get().(*[]byte)
	n, err := io.CopyBuffer(&quotaWriter{w: f, r: res}, src, *buf) // which also hides File.ReadFrom
	copyBuffers.Put(buf)
	if err != nil {
		return sdk.ObjectInfo{}, fmt.Errorf("write %s/%s: %w", ref.Bucket, ref.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return sdk.ObjectInfo{}, err
	}
	if size >= 0 && n != size {
		return sdk.ObjectInfo{}, sdk.Errorf(sdk.ErrInvalidArgument, "write %s/%s: the body has %d bytes or more, the request announced %d", ref.Bucket, ref.Key, n, size)
	}
	if err := f.Sync(); err != nil {
		return sdk.ObjectInfo{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		return sdk.ObjectInfo{}, err
	}
	err, f = f.Close(), nil
	if err != nil {
		return sdk.ObjectInfo{}, err
	}
	if err := st.checkTarget(b, ref); err != nil {
		return sdk.ObjectInfo{}, err
	}
	// The meta file goes first and names the new file's version: until the rename it
	// matches nothing, after it the new object.
	m.ETag = etag(fi)
	if err := st.writeMeta(ref, m); err != nil {
		return sdk.ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return sdk.ObjectInfo{}, err
	}
	if res != nil {
		if old, err := b.dir.Lstat(ref.Key); err == nil && old.Mode().IsRegular() {
			replaced = old.Size()
		}
	}
	if err := b.dir.Rename(tmp, ref.Key); err != nil {
		return sdk.ObjectInfo{}, err
	}
	renamed, landed = true, true
	if err := syncDir(b.dir, dir); err != nil {
		return sdk.ObjectInfo{}, err
	}
	info = st.info(ref, fi, false)
	info.ContentType, info.Metadata = m.ContentType, m.Metadata
	if info.ContentType == "" {
		info = st.info(ref, fi, true)
	}
	return info, nil
}

// checkTarget refuses to replace what is not an object: a folder, or a link.
func (st *state) checkTarget(b *bucket, ref sdk.ObjectRef) error {
	fi, err := b.dir.Lstat(ref.Key)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return sdk.Errorf(sdk.ErrConflict, "%s/%s is a folder, it cannot be an object too", ref.Bucket, ref.Key)
	case !fi.Mode().IsRegular():
		return sdk.Errorf(sdk.ErrNotFound, "object %s/%s not found", ref.Bucket, ref.Key)
	}
	return nil
}

// contextReader fails once its context ends, so that a cancelled upload stops at the next
// chunk even if its body would go on.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (s *Store) Delete(_ context.Context, req sdk.DeleteObjectRequest) (sdk.DeleteObjectResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	ref := req.Object
	if req.Recursive {
		if err := filetree.CheckPrefix("object.key", ref.Key); err != nil {
			return sdk.DeleteObjectResponse{}, err
		}
	} else if err := filetree.CheckObject("object.key", ref.Key); err != nil {
		// A folder holds objects; deleting it alone removes nothing, as on S3.
		if filetree.CheckFolder("object.key", ref.Key) == nil {
			return sdk.DeleteObjectResponse{}, nil
		}
		return sdk.DeleteObjectResponse{}, err
	}
	b, err := st.open(req.Caller, ref.Bucket, false)
	if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	defer b.close()
	if b.dir == nil {
		return sdk.DeleteObjectResponse{}, nil
	}
	if req.Recursive {
		n, err := st.deletePrefix(b, ref.Key)
		return sdk.DeleteObjectResponse{Deleted: n}, err
	}
	fi, err := b.lstat(ref.Key)
	if isMissing(err) || (err == nil && !fi.Mode().IsRegular()) {
		return sdk.DeleteObjectResponse{}, nil // already gone, or never an object
	}
	if err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	if err := st.remove(b, ref.Key); err != nil {
		return sdk.DeleteObjectResponse{}, err
	}
	return sdk.DeleteObjectResponse{Deleted: 1}, nil
}

// remove deletes an object's file and meta file, then the folders it leaves empty.
func (st *state) remove(b *bucket, key string) error {
	if err := b.dir.Remove(key); err != nil && !errors.Is(err, iofs.ErrNotExist) {
		return err
	}
	st.removeMeta(b.name, key)
	dir, _ := split(key)
	st.tree.Lock()
	b.prune(dir)
	st.tree.Unlock()
	return nil
}

// deletePrefix deletes every object whose key starts with prefix, and the folders left
// empty. Symbolic links on the way are removed, never followed.
func (st *state) deletePrefix(b *bucket, prefix string) (int64, error) {
	dir, start := split(prefix)
	if dir != "" {
		fi, err := b.lstat(dir)
		if isMissing(err) || (err == nil && !fi.IsDir()) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
	}
	n, err := st.deleteIn(b, dir, start)
	st.tree.Lock()
	b.prune(dir)
	st.tree.Unlock()
	return n, err
}

// deleteIn deletes the entries of the folder dir whose names start with start, folders
// with all they hold.
func (st *state) deleteIn(b *bucket, dir, start string) (int64, error) {
	var n int64
	const batch = 1000
	for after := ""; ; {
		entries, err := b.readDir(dir, dirQuery{start: start, after: after, limit: batch, other: true})
		if err != nil {
			return n, err
		}
		m, err := st.deleteEntries(b, entries)
		n += m
		if err != nil || len(entries) < batch {
			return n, err
		}
		after = entries[len(entries)-1].key
	}
}

// deleteEntries deletes the entries of one batch of deleteIn.
func (st *state) deleteEntries(b *bucket, entries []entry) (int64, error) {
	var n int64
	for _, e := range entries {
		switch {
		case e.folder:
			m, err := st.deleteIn(b, e.key, "")
			n += m
			if err != nil {
				return n, err
			}
			st.tree.Lock()
			_ = b.dir.Remove(e.key) // stays if an upload is filling it right now
			st.tree.Unlock()
			st.removeMeta(b.name, e.key)
		case e.object:
			if err := b.dir.Remove(e.key); err != nil && !errors.Is(err, iofs.ErrNotExist) {
				return n, err
			}
			st.removeMeta(b.name, e.key)
			n++
		default:
			_ = b.dir.Remove(e.key) // a link: gone, its target untouched
		}
	}
	return n, nil
}

func (s *Store) Copy(ctx context.Context, req sdk.CopyObjectRequest) (sdk.CopyObjectResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	if err := filetree.CheckObject("destination.key", req.Destination.Key); err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	src, fi, err := st.object(req.Caller, req.Source)
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	defer src.close()
	if req.Source == req.Destination {
		return sdk.CopyObjectResponse{Object: st.info(req.Source, fi, true)}, nil
	}
	if req.RemoveSource && req.Source.Bucket == req.Destination.Bucket {
		info, err := st.move(src, req.Source, req.Destination)
		return sdk.CopyObjectResponse{Object: info}, err
	}
	dst, err := st.open(req.Caller, req.Destination.Bucket, true)
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	defer dst.close()
	f, fi, err := st.openObject(req.Caller, req.Source)
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	defer f.Close()
	old := st.info(req.Source, fi, true)
	info, err := st.write(ctx, dst, req.Destination, f, fi.Size(), meta{ContentType: old.ContentType, Metadata: old.Metadata})
	if err != nil {
		return sdk.CopyObjectResponse{}, err
	}
	if req.RemoveSource {
		if err := st.remove(src, req.Source.Key); err != nil {
			return sdk.CopyObjectResponse{}, err
		}
	}
	return sdk.CopyObjectResponse{Object: info}, nil
}

// move renames an object within its bucket, with its meta file.
func (st *state) move(b *bucket, from, to sdk.ObjectRef) (sdk.ObjectInfo, error) {
	dir, _ := split(to.Key)
	st.tree.Lock()
	defer st.tree.Unlock()
	if err := b.mkdirs(dir); err != nil {
		return sdk.ObjectInfo{}, err
	}
	if err := st.checkTarget(b, to); err != nil {
		b.prune(dir)
		return sdk.ObjectInfo{}, err
	}
	if err := st.moveMeta(from, to); err != nil {
		return sdk.ObjectInfo{}, err
	}
	if err := b.dir.Rename(from.Key, to.Key); err != nil {
		return sdk.ObjectInfo{}, err
	}
	if err := syncDir(b.dir, dir); err != nil {
		return sdk.ObjectInfo{}, err
	}
	from.Key, _ = split(from.Key)
	b.prune(from.Key)
	fi, err := b.dir.Lstat(to.Key)
	if err != nil {
		return sdk.ObjectInfo{}, err
	}
	return st.info(to, fi, true), nil
}
