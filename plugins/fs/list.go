package fs

import (
	"context"
	"errors"
	iofs "io/fs"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// checkPrefix checks a listing's prefix: a folder, then possibly the start of a name.
func checkPrefix(field, prefix string) error {
	dir, start := split(prefix)
	if err := checkFolder(field, dir); err != nil {
		return err
	}
	if strings.ContainsRune(start, 0) || len(prefix) > maxKeyLen {
		return sdk.InvalidFields("invalid prefix", sdk.FieldViolation{Field: field, Rule: "must be at most 1024 bytes, without NUL"})
	}
	return nil
}

// entry is one name of a folder: an object, a folder, or something else the store does not
// show (a symbolic link, a device...).
type entry struct {
	key    string // a folder's ends in "/"
	object bool
	folder bool
	d      iofs.DirEntry
}

// readDir returns the entries of the folder dir whose names start with start, in key
// order, leaving out the files being written. A folder that is missing is empty.
func (b *bucket) readDir(dir, start string) ([]entry, error) {
	if b.dir == nil {
		return nil, nil
	}
	f, err := b.dir.Open(strings.TrimSuffix("./"+dir, "/"))
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Names only: the type comes with them, the size is read for the entries of one page.
	ds, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	entries := make([]entry, 0, len(ds))
	for _, d := range ds {
		name := d.Name()
		if !strings.HasPrefix(name, start) || strings.HasPrefix(name, tempPrefix) {
			continue
		}
		e := entry{key: dir + name, d: d}
		switch t := d.Type(); {
		case t.IsDir():
			e.key += "/"
			e.folder = true
		case t.IsRegular():
			e.object = true
		}
		entries = append(entries, e)
	}
	// Sorted by key, not by name: "a.txt" comes before the folder "a/".
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	return entries, nil
}

func (s *Store) List(_ context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	st, err := s.state()
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	if err := checkPrefix("prefix.key", req.Prefix.Key); err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	b, err := st.open(req.Caller, req.Prefix.Bucket, false)
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	defer b.close()
	size := req.PageSize
	if size <= 0 || size > st.cfg.MaxPageSize {
		size = st.cfg.MaxPageSize
	}
	dir, start := split(req.Prefix.Key)
	if dir != "" {
		fi, err := b.lstat(dir)
		if isMissing(err) || (err == nil && !fi.IsDir()) {
			return sdk.ListObjectsResponse{}, nil // an empty folder, not an error
		}
		if err != nil {
			return sdk.ListObjectsResponse{}, err
		}
	}
	// A page token is the last key of the page before: a listing resumes after it even
	// when the folder changed in between. One entry more than a page tells whether
	// another page follows.
	var page []entry
	collect := func(e entry) bool {
		if e.key <= req.PageToken {
			return true
		}
		page = append(page, e)
		return len(page) <= size
	}
	if req.Recursive {
		err = b.walk(dir, start, req.PageToken, collect)
	} else {
		var entries []entry
		entries, err = b.readDir(dir, start)
		for _, e := range entries {
			if (e.object || e.folder) && !collect(e) {
				break
			}
		}
	}
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	var resp sdk.ListObjectsResponse
	if len(page) > size {
		page = page[:size]
		resp.NextPageToken = page[size-1].key
	}
	for _, e := range page {
		ref := sdk.ObjectRef{Bucket: b.name, Key: e.key}
		if e.folder {
			resp.Folders = append(resp.Folders, ref)
			continue
		}
		fi, err := e.d.Info()
		if err != nil {
			continue // removed since the folder was read
		}
		resp.Objects = append(resp.Objects, st.info(ref, fi, false))
	}
	return resp, nil
}

// walk calls fn with every object under the folder dir whose key starts with dir+start and
// sorts after after, in key order, until fn returns false. Folders whose keys all sort
// before after are not read at all, so that each page costs the folders on its way only.
func (b *bucket) walk(dir, start, after string, fn func(entry) bool) error {
	_, err := b.walkIn(dir, start, after, fn)
	return err
}

func (b *bucket) walkIn(dir, start, after string, fn func(entry) bool) (bool, error) {
	entries, err := b.readDir(dir, start)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		switch {
		case e.folder:
			// Every key inside starts with e.key: when after sorts above e.key without
			// starting with it, they all sort before after.
			if after > e.key && !strings.HasPrefix(after, e.key) {
				continue
			}
			more, err := b.walkIn(e.key, "", after, fn)
			if err != nil || !more {
				return more, err
			}
		case e.object:
			if !fn(e) {
				return false, nil
			}
		}
	}
	return true, nil
}
