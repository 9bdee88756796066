package fs

import (
	"container/heap"
	"context"
	"errors"
	"io"
	iofs "io/fs"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/filetree"
)

// entry is one name of a folder: an object, a folder, or something else the store does not
// show (a symbolic link, a device...).
type entry struct {
	key    string // a folder's ends in "/"
	object bool
	folder bool
	d      iofs.DirEntry
}

// dirQuery says which entries of a folder readDir returns.
type dirQuery struct {
	start string // names start with it
	after string // keys sort after it
	// inside also returns the folder that after lies inside: a recursive listing that
	// stopped in a folder resumes in it.
	inside bool
	limit  int  // the first limit entries, in key order; all of them when 0
	other  bool // entries that are neither objects nor folders too (links...)
}

// readDir returns the entries of the folder dir that q asks for, in key order, leaving out
// the files being written. A folder that is missing is empty.
//
// The folder is read in batches and only the entries kept are held, so that a page of a
// folder of a million files costs a pass over its names, not a million entries in memory.
func (b *bucket) readDir(dir string, q dirQuery) ([]entry, error) {
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
	var kept entryHeap
	for {
		// Names only: the type comes with them, the size is read for the entries of a page.
		ds, err := f.ReadDir(1024)
		for _, d := range ds {
			name := d.Name()
			if !strings.HasPrefix(name, q.start) || strings.HasPrefix(name, filetree.TempPrefix) {
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
			if !e.object && !e.folder && !q.other {
				continue
			}
			if e.key <= q.after && !(q.inside && e.folder && e.key != q.after && strings.HasPrefix(q.after, e.key)) {
				continue
			}
			switch {
			case q.limit <= 0 || kept.Len() < q.limit:
				heap.Push(&kept, e)
			case e.key < kept[0].key:
				kept[0] = e
				heap.Fix(&kept, 0)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	// Sorted by key, not by name: "a.txt" comes before the folder "a/".
	slices.SortFunc(kept, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	return kept, nil
}

// entryHeap keeps the entries with the smallest keys: its top is the largest kept.
type entryHeap []entry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return h[i].key > h[j].key }
func (h entryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

func (s *Store) List(_ context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	st, err := s.Live()
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	if err := filetree.CheckPrefix("prefix.key", req.Prefix.Key); err != nil {
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
		page = append(page, e)
		return len(page) <= size
	}
	need := func() int { return size + 1 - len(page) }
	if req.Recursive {
		err = b.walk(dir, start, req.PageToken, need, collect)
	} else {
		var entries []entry
		entries, err = b.readDir(dir, dirQuery{start: start, after: req.PageToken, limit: need()})
		page = entries
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
// sorts after after, in key order, until fn returns false. need says how many entries fn
// still wants, so that each folder on the way is read for no more than that, and folders
// whose keys all sort before after are not read at all.
func (b *bucket) walk(dir, start, after string, need func() int, fn func(entry) bool) error {
	_, err := b.walkIn(dir, start, after, need, fn)
	return err
}

func (b *bucket) walkIn(dir, start, after string, need func() int, fn func(entry) bool) (bool, error) {
	for {
		limit := need()
		entries, err := b.readDir(dir, dirQuery{start: start, after: after, inside: true, limit: limit})
		if err != nil {
			return false, err
		}
		for _, e := range entries {
			switch {
			case e.folder:
				more, err := b.walkIn(e.key, "", after, need, fn)
				if err != nil || !more {
					return more, err
				}
			case e.object:
				if !fn(e) {
					return false, nil
				}
			}
			after = e.key
		}
		// A full batch may have been spent on empty folders: read on from the last one.
		if len(entries) < limit {
			return true, nil
		}
	}
}
