package fs

import (
	"encoding/json"
	"errors"
	"fmt"
	iofs "io/fs"
	"mime"
	"os"
	"path"

	"github.com/basalt-dev/basalt/sdk"
)

// meta is what a file system does not keep about an object: its content type and metadata.
// ETag names the version of the file it describes: after a crash between writing the meta
// file and renaming the object in place, a meta file that does not match is ignored.
type meta struct {
	ETag        string            `json:"etag"`
	ContentType string            `json:"contentType,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// metaName fits a file system's 255 bytes a name: filetree.ValidName keeps a key's names to 250.
func metaName(bucket, key string) string { return "meta/" + bucket + "/" + key + ".json" }

// etag identifies a version of a file by its modification time and size: a rewrite
// renames a new file in place, which changes both or at least the time.
func etag(fi os.FileInfo) string {
	return fmt.Sprintf("%x-%x", fi.ModTime().UnixNano(), fi.Size())
}

// info describes an object from its file and, when asked, its meta file.
func (st *state) info(ref sdk.ObjectRef, fi os.FileInfo, withMeta bool) sdk.ObjectInfo {
	o := sdk.ObjectInfo{Ref: ref, Size: fi.Size(), LastModified: fi.ModTime().UTC(), ETag: etag(fi)}
	if !withMeta {
		return o
	}
	if raw, err := st.internal.ReadFile(metaName(ref.Bucket, ref.Key)); err == nil {
		var m meta
		if json.Unmarshal(raw, &m) == nil && m.ETag == o.ETag {
			o.ContentType, o.Metadata = m.ContentType, m.Metadata
		}
	}
	if o.ContentType == "" {
		o.ContentType = mime.TypeByExtension(path.Ext(ref.Key))
	}
	if o.ContentType == "" {
		o.ContentType = "application/octet-stream"
	}
	return o
}

// writeMeta records an object's content type and metadata, or forgets them when it has
// none.
func (st *state) writeMeta(ref sdk.ObjectRef, m meta) error {
	name := metaName(ref.Bucket, ref.Key)
	if m.ContentType == "" && len(m.Metadata) == 0 {
		if err := st.internal.Remove(name); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
		return nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return writeAtomic(st.internal, name, raw)
}

// removeMeta forgets an object's meta file, or a whole folder's when key ends in "/".
func (st *state) removeMeta(bucket, key string) {
	if key == "" || key[len(key)-1] == '/' {
		_ = st.internal.RemoveAll(path.Clean("meta/" + bucket + "/" + key))
		return
	}
	_ = st.internal.Remove(metaName(bucket, key))
	for dir := path.Dir(metaName(bucket, key)); dir != "meta/"+bucket && dir != "meta"; dir = path.Dir(dir) {
		if st.internal.Remove(dir) != nil {
			return
		}
	}
}

// moveMeta moves an object's meta file with the object, which keeps its modification time
// and so still matches.
func (st *state) moveMeta(from, to sdk.ObjectRef) error {
	src, dst := metaName(from.Bucket, from.Key), metaName(to.Bucket, to.Key)
	if _, err := st.internal.Lstat(src); errors.Is(err, iofs.ErrNotExist) {
		return st.internal.Remove(dst) // the destination's old meta must not outlive it
	}
	if err := st.internal.MkdirAll(path.Dir(dst), dirMode); err != nil {
		return err
	}
	return st.internal.Rename(src, dst)
}

// writeAtomic replaces a small file of root with data: a temporary file beside it, synced,
// then renamed over it, so that a reader sees the old content or the new, never a mix.
func writeAtomic(root *os.Root, name string, data []byte) error {
	dir, _ := split(name)
	if err := root.MkdirAll(path.Clean(dir), dirMode); err != nil {
		return err
	}
	tmp := tempName(dir)
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return err
	}
	return syncDir(root, dir)
}

// syncDir makes a rename in the folder dir of root durable.
func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(path.Clean("./" + dir))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
