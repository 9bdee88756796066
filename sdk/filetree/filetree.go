// Package filetree is sdk.Storage for any backend that keeps files in folders (WebDAV, SFTP,
// a network share...): the backend implements a small Tree of paths, and Store does the rest
// once, the same for every such store:
//
//   - homes: the bucket <userPrefix><username> of each user and <groupPrefix><group> of each
//     group, a top-level folder of the tree; a caller reaches their own and their groups'
//     buckets, and any other is not found, so that nobody learns whether it exists;
//   - keys: checked before the tree sees them (no empty, . or .. names, no NUL, none of the
//     store's own names), so that no path leaves its bucket;
//   - folders as on S3: a write makes the folders of its key, and a folder goes when its last
//     file does; a key is a file or a folder, never both;
//   - listings in key order, page by page, resuming after the last key of the page before;
//   - writes all or nothing: the body goes to a file of the Store's own beside the object,
//     checked against the size announced and the request's context, and is moved over the
//     object once whole; a failed write's file is removed;
//   - byte ranges, default content types and ETags, and errors of the sdk's kinds.
//
// A Tree's paths are the bucket followed by the key: "user-alice/notes/a.txt" for a file,
// "user-alice/notes/" for a folder, "user-alice/" for the bucket itself.
//
// What each call costs the tree: Stat, a Stat; Read, a Stat and an Open; Write, a Stat, a
// Mkdir per folder of the key, Create, Move and a Stat; Delete, a Stat and a Remove, then a
// List (and a Remove) per folder it empties; List, a List per folder it reads. Folders are
// read whole, so a page of a folder of n entries costs reading the n: a backend whose
// folders hold millions of files wants its own List.
package filetree

import (
	"context"
	"io"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/configschema"
	"github.com/basalt-dev/basalt/sdk/pluginbase"
)

// Tree is what a backend implements: a few operations on the paths of its files. A Store
// calls it only with paths it has checked, inside buckets the caller owns. Errors should be
// of the sdk's kinds (sdk.ErrNotFound...); io/fs's ErrNotExist, ErrExist and ErrPermission
// are understood too.
type Tree interface {
	// Stat describes the file or folder at name (a folder's name without its final slash).
	// Nothing there is sdk.ErrNotFound.
	Stat(ctx context.Context, name string) (File, error)
	// List returns what the folder dir holds, files and folders, in any order; entries whose
	// Name no key could have ("", or with a slash) are left out. A folder that does not
	// exist holds nothing: no entries, or sdk.ErrNotFound.
	List(ctx context.Context, dir string) ([]File, error)
	// Open streams length bytes (at least one) of the file at name, from offset on.
	Open(ctx context.Context, name string, offset, length int64) (io.ReadCloser, error)
	// Mkdir makes the folder dir in a folder that exists. A folder already there is no
	// error (nil or sdk.ErrAlreadyExists).
	Mkdir(ctx context.Context, dir string) error
	// Create writes a new file at name, in a folder that exists, with body and meta. The
	// Store creates files under names of its own (starting with TempPrefix), which it moves
	// in place once whole, or removes when the body failed: Create need not be all or
	// nothing, and listings do not show such files.
	Create(ctx context.Context, name string, body io.Reader, meta Meta) error
	// Move moves the file at from, with its meta, to the path to in a folder that exists,
	// replacing the file there, if any, at once.
	Move(ctx context.Context, from, to string) error
	// Remove deletes the file at name, or the folder dir, which a Store removes only once
	// List found it empty.
	Remove(ctx context.Context, name string) error
}

// Copier is a Tree that copies files itself, without the bytes passing through the plugin,
// with their meta, to a folder that exists. A Tree without it gets Open and Create.
type Copier interface {
	Copy(ctx context.Context, from, to string) error
}

// File describes a file or a folder of a Tree.
type File struct {
	Name     string // the last element of its path (List), or anything (Stat)
	Dir      bool
	Size     int64
	Modified time.Time
	ETag     string // when empty, the Store makes one from Modified and Size
	Meta
}

// Meta is what a Store asks a Tree to keep with a file besides its bytes.
type Meta struct {
	ContentType string            `json:",omitempty"` // when empty, guessed from the key
	Metadata    map[string]string `json:",omitempty"`
}

// Backend is what one configuration of a store opens: its tree, and where homes are in it.
type Backend interface {
	Tree
	Layout() Layout
}

// Store is sdk.Storage on the Backend of the live configuration. A plugin embeds it, and may
// define any sdk.Storage method itself, e.g. Presign for a backend that signs links.
type Store[B Backend] struct {
	*pluginbase.Base[B]
	writes *inFlight
}

// New returns the Store of a plugin that says info of itself, publishes schema and opens its
// backend from a configuration with open (see pluginbase.New). Configure refuses a layout
// that would let one user reach another's bucket, naming the fields userPrefix and
// groupPrefix; a plugin whose fields have other names calls Layout.Validate itself.
func New[B Backend](info sdk.InfoResponse, schema *configschema.Schema, open func(ctx context.Context, config []byte) (B, error)) *Store[B] {
	s := &Store[B]{writes: newInFlight()}
	s.Base = pluginbase.New(info, schema, func(ctx context.Context, config []byte) (B, error) {
		b, err := open(ctx, config)
		if err != nil {
			return b, err
		}
		if bad := b.Layout().Validate("userPrefix", "groupPrefix"); len(bad) > 0 {
			var none B
			return none, sdk.InvalidFields("invalid configuration", bad...)
		}
		return b, nil
	})
	return s
}

func (s *Store[B]) Home(_ context.Context, req sdk.HomeRequest) (sdk.HomeResponse, error) {
	b, err := s.Live()
	if err != nil {
		return sdk.HomeResponse{}, err
	}
	if err := CheckCaller(req.Caller); err != nil {
		return sdk.HomeResponse{}, err
	}
	home, ok := b.Layout().home(req.Caller, req.Project)
	if !ok {
		return sdk.HomeResponse{}, sdk.Errorf(sdk.ErrNotFound, "project %q not found", req.Project.ID)
	}
	return sdk.HomeResponse{Home: sdk.ObjectRef{Bucket: home}}, nil
}

var errNoKeys = sdk.Errorf(sdk.ErrUnimplemented, "this store has no public prefixes nor keys of a user's own")

// SetPrefixPolicy is not offered: a file tree has no anonymous readers.
func (s *Store[B]) SetPrefixPolicy(_ context.Context, req sdk.SetPrefixPolicyRequest) (sdk.SetPrefixPolicyResponse, error) {
	if _, err := s.open(req.Caller, req.Prefix.Bucket); err != nil {
		return sdk.SetPrefixPolicyResponse{}, err
	}
	return sdk.SetPrefixPolicyResponse{}, errNoKeys
}

func (s *Store[B]) ListPublicPrefixes(_ context.Context, req sdk.ListPublicPrefixesRequest) (sdk.ListPublicPrefixesResponse, error) {
	if _, err := s.open(req.Caller, req.Bucket); err != nil {
		return sdk.ListPublicPrefixesResponse{}, err
	}
	return sdk.ListPublicPrefixesResponse{}, errNoKeys
}

// Credentials is not offered: a file tree has no S3 endpoint nor keys a service could use.
func (s *Store[B]) Credentials(context.Context, sdk.CredentialsRequest) (sdk.CredentialsResponse, error) {
	return sdk.CredentialsResponse{}, errNoKeys
}

// open returns the live backend once the caller may use bucket.
func (s *Store[B]) open(c sdk.Caller, bucket string) (B, error) {
	b, err := s.Live()
	if err == nil {
		err = CheckCaller(c)
	}
	if err == nil && !b.Layout().owns(c, bucket) {
		err = sdk.Errorf(sdk.ErrNotFound, "bucket %q not found", bucket)
	}
	return b, err
}

var _ sdk.Storage = (*Store[Backend])(nil)
