package fs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	iofs "io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/filetree"
)

// bucket is a bucket opened for one call.
type bucket struct {
	name string
	// dir is nil for a bucket the caller owns that holds nothing yet.
	dir *os.Root
}

func (b *bucket) close() {
	if b.dir != nil {
		b.dir.Close()
	}
}

// buckets returns the buckets the caller may use: their own and their groups'.
func (st *state) buckets(c sdk.Caller) []string {
	owned := []string{st.cfg.UserPrefix + c.Username}
	for _, g := range c.Groups {
		if filetree.ValidName(g) {
			owned = append(owned, st.cfg.GroupPrefix+g)
		}
	}
	return owned
}

// open opens a bucket the caller owns, creating its directory when create is set. Any
// other bucket is not found: a caller cannot even learn that it exists.
func (st *state) open(c sdk.Caller, name string, create bool) (*bucket, error) {
	if err := filetree.CheckCaller(c); err != nil {
		return nil, err
	}
	if !slices.Contains(st.buckets(c), name) {
		return nil, sdk.Errorf(sdk.ErrNotFound, "bucket %q not found", name)
	}
	fi, err := st.root.Lstat(name)
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		if !create {
			return &bucket{name: name}, nil
		}
		st.tree.Lock()
		err = st.root.Mkdir(name, dirMode)
		st.tree.Unlock()
		if err != nil && !errors.Is(err, iofs.ErrExist) {
			return nil, err
		}
	case err != nil:
		return nil, err
	case !fi.IsDir():
		// A link in place of a bucket is not followed, wherever it points.
		return nil, sdk.Errorf(sdk.ErrNotFound, "bucket %q not found", name)
	}
	dir, err := st.root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return &bucket{name: name, dir: dir}, nil
}

// errLink is what lstat reports for a path that crosses a symbolic link or a file: the
// store sees neither as a folder.
var errLink = errors.New("not a directory")

// lstat describes the file at name without following a symbolic link anywhere on the way:
// each parent must be a real directory.
func (b *bucket) lstat(name string) (os.FileInfo, error) {
	if b.dir == nil {
		return nil, iofs.ErrNotExist
	}
	if err := b.checkParents(name); err != nil {
		return nil, err
	}
	return b.dir.Lstat(name)
}

// checkParents checks that every parent of name is a real directory.
func (b *bucket) checkParents(name string) error {
	for i := 0; i < len(name); i++ {
		if name[i] != '/' {
			continue
		}
		fi, err := b.dir.Lstat(name[:i])
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return errLink
		}
	}
	return nil
}

// isMissing reports whether err means that a path leads nowhere the store looks.
func isMissing(err error) bool {
	return errors.Is(err, iofs.ErrNotExist) || errors.Is(err, errLink)
}

// mkdirs creates the folder dir (ending in "/", or empty for the bucket) and its parents;
// st.tree must be held. A link or a file on the way is a conflict, never crossed.
func (b *bucket) mkdirs(dir string) error {
	for i := 0; i < len(dir); i++ {
		if dir[i] != '/' {
			continue
		}
		p := dir[:i]
		fi, err := b.dir.Lstat(p)
		switch {
		case errors.Is(err, iofs.ErrNotExist):
			if err := b.dir.Mkdir(p, dirMode); err != nil && !errors.Is(err, iofs.ErrExist) {
				return err
			}
		case err != nil:
			return err
		case fi.Mode()&iofs.ModeSymlink != 0:
			return sdk.Errorf(sdk.ErrNotFound, "folder %s/%s not found", b.name, p+"/")
		case !fi.IsDir():
			return sdk.Errorf(sdk.ErrConflict, "%s/%s is an object, it cannot be a folder too", b.name, p)
		}
	}
	return nil
}

// prune removes the folder dir and then its parents while they are empty, as an S3 folder
// vanishes with its last object; st.tree must be held.
func (b *bucket) prune(dir string) {
	for dir = strings.TrimSuffix(dir, "/"); dir != "" && dir != "."; dir = path.Dir(dir) {
		fi, err := b.dir.Lstat(dir)
		if err != nil || !fi.IsDir() || b.dir.Remove(dir) != nil {
			return
		}
	}
}

// tempName returns a fresh name for a file being written in the folder dir.
func tempName(dir string) string {
	r := make([]byte, 12)
	_, _ = rand.Read(r)
	return dir + filetree.TempPrefix + hex.EncodeToString(r)
}

// split cuts a key into its folder (ending in "/", or empty) and its last name.
func split(key string) (dir, name string) {
	i := strings.LastIndexByte(key, '/')
	return key[:i+1], key[i+1:]
}
