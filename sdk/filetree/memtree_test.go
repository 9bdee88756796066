package filetree_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	iofs "io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/filetree"
)

// memTree is a filetree.Tree in memory, with real folders: a file's folder must exist before
// it is written or moved there, and removing a folder removes what it holds, as on WebDAV. It answers with
// io/fs's errors, which the Store must turn into the sdk's kinds.
type memTree struct {
	layout filetree.Layout
	mu     sync.Mutex
	files  map[string]memFile
	dirs   map[string]bool // "user-alice/", "user-alice/a/"
}

type memFile struct {
	data     []byte
	meta     filetree.Meta
	modified time.Time
}

func newMemTree(layout filetree.Layout) *memTree {
	return &memTree{layout: layout, files: map[string]memFile{}, dirs: map[string]bool{}}
}

func (t *memTree) Layout() filetree.Layout { return t.layout }

func base(name string) string {
	name = strings.TrimSuffix(name, "/")
	return name[strings.LastIndexByte(name, '/')+1:]
}

// parent returns the folder of name, "" for a bucket.
func parent(name string) string {
	name = strings.TrimSuffix(name, "/")
	return name[:strings.LastIndexByte(name, '/')+1]
}

func (f memFile) describe(name string) filetree.File {
	return filetree.File{Name: base(name), Size: int64(len(f.data)), Modified: f.modified, Meta: f.meta}
}

func (t *memTree) Stat(_ context.Context, name string) (filetree.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f, ok := t.files[name]; ok {
		return f.describe(name), nil
	}
	if t.dirs[name+"/"] {
		return filetree.File{Name: base(name), Dir: true}, nil
	}
	return filetree.File{}, &iofs.PathError{Op: "stat", Path: name, Err: iofs.ErrNotExist}
}

func (t *memTree) List(_ context.Context, dir string) ([]filetree.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.dirs[dir] {
		return nil, &iofs.PathError{Op: "list", Path: dir, Err: iofs.ErrNotExist}
	}
	// The folder itself comes first, unnamed, as in WebDAV's answer: the Store leaves it out.
	held := []filetree.File{{Dir: true}}
	for name, f := range t.files {
		if parent(name) == dir {
			held = append(held, f.describe(name))
		}
	}
	for d := range t.dirs {
		if parent(d) == dir {
			held = append(held, filetree.File{Name: base(d), Dir: true})
		}
	}
	return held, nil
}

func (t *memTree) Open(_ context.Context, name string, offset, length int64) (io.ReadCloser, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.files[name]
	if !ok {
		return nil, &iofs.PathError{Op: "open", Path: name, Err: iofs.ErrNotExist}
	}
	end := min(offset+length, int64(len(f.data)))
	return io.NopCloser(bytes.NewReader(f.data[offset:end])), nil
}

func (t *memTree) Mkdir(_ context.Context, dir string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch _, file := t.files[strings.TrimSuffix(dir, "/")]; {
	case file:
		return sdk.Errorf(sdk.ErrConflict, "%s is a file", dir)
	case t.dirs[dir]:
		return iofs.ErrExist
	case parent(dir) != "" && !t.dirs[parent(dir)]:
		return &iofs.PathError{Op: "mkdir", Path: dir, Err: iofs.ErrNotExist}
	}
	t.dirs[dir] = true
	return nil
}

// Create keeps what it read of a body that fails, as a WebDAV server may: the Store must
// remove it.
func (t *memTree) Create(_ context.Context, name string, body io.Reader, meta filetree.Meta) error {
	data, err := io.ReadAll(body)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.dirs[parent(name)] {
		return &iofs.PathError{Op: "create", Path: name, Err: iofs.ErrNotExist}
	}
	t.files[name] = memFile{data: data, meta: meta, modified: time.Now()}
	return err
}

// Move lands only in a folder that still exists.
func (t *memTree) Move(_ context.Context, from, to string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.files[from]
	switch {
	case !ok || !t.dirs[parent(to)]:
		return &iofs.PathError{Op: "move", Path: from + " to " + to, Err: iofs.ErrNotExist}
	case t.dirs[to+"/"]:
		return sdk.Errorf(sdk.ErrConflict, "%s is a folder", to)
	}
	delete(t.files, from)
	t.files[to] = f
	return nil
}

func (t *memTree) Remove(_ context.Context, name string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if strings.HasSuffix(name, "/") {
		for d := range t.dirs {
			if strings.HasPrefix(d, name) {
				delete(t.dirs, d)
			}
		}
		for f := range t.files {
			if strings.HasPrefix(f, name) {
				delete(t.files, f)
			}
		}
		return nil
	}
	if _, ok := t.files[name]; !ok {
		return &iofs.PathError{Op: "remove", Path: name, Err: iofs.ErrNotExist}
	}
	delete(t.files, name)
	return nil
}

// folders returns the tree's folders, sorted.
func (t *memTree) folders() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.dirs))
}

// copyingTree is a memTree that copies files itself (filetree.Copier).
type copyingTree struct{ *memTree }

func (t copyingTree) Copy(_ context.Context, from, to string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	f, ok := t.files[from]
	if !ok || !t.dirs[parent(to)] {
		return &iofs.PathError{Op: "copy", Path: from + " to " + to, Err: iofs.ErrNotExist}
	}
	t.files[to] = f
	return nil
}

// paths returns the paths of the tree's files, sorted.
func (t *memTree) paths() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Sorted(maps.Keys(t.files))
}

var schema = configschema.MustCompile([]byte(`{
  "type": "object",
  "properties": {
    "userPrefix": {"type": "string", "default": "user-"},
    "groupPrefix": {"type": "string", "default": "project-"},
    "maxPageSize": {"type": "integer", "minimum": 1, "default": 1000}
  },
  "additionalProperties": false
}`))

var info = sdk.InfoResponse{Kind: sdk.KindStorage, Name: "memtree", Version: "0.1.0"}

// newStore returns a Store configured with config over a tree that wrap makes of a fresh
// memTree, and the memTree.
func newStore[B filetree.Backend](t *testing.T, config string, wrap func(*memTree) B) (*filetree.Store[B], *memTree) {
	t.Helper()
	var tree *memTree
	s := filetree.New(info, schema, func(_ context.Context, raw []byte) (B, error) {
		var l filetree.Layout
		bad, err := schema.Decode(raw, &l)
		if err == nil {
			err = bad.Err("invalid configuration")
		}
		tree = newMemTree(l)
		return wrap(tree), err
	})
	if _, err := s.Configure(t.Context(), sdk.ConfigureRequest{Config: json.RawMessage(config)}); err != nil {
		t.Fatal(err)
	}
	return s, tree
}
