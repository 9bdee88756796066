package filetree

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/basalt-dev/basalt/sdk"
)

// entry is a file or folder a listing found, under its key (a folder's ends in "/").
type entry struct {
	ref  sdk.ObjectRef
	file File
}

// A page token is the last key of the page before: a listing resumes after it even when the
// folder changed in between.
func (s *Store[B]) List(ctx context.Context, req sdk.ListObjectsRequest) (sdk.ListObjectsResponse, error) {
	b, err := s.open(req.Caller, req.Prefix.Bucket)
	if err == nil {
		err = CheckPrefix("prefix.key", req.Prefix.Key)
	}
	if err != nil {
		return sdk.ListObjectsResponse{}, err
	}
	size := b.Layout().pageSize(req.PageSize)
	dir, start := split(req.Prefix.Key)
	// One entry more than a page tells whether another page follows.
	var page []entry
	collect := func(e entry) (bool, error) {
		page = append(page, e)
		return len(page) <= size, nil
	}
	if req.Recursive {
		_, err = s.walk(ctx, b, req.Prefix.Bucket, dir, start, req.PageToken, collect)
	} else {
		var entries []entry
		entries, err = s.entries(ctx, b, req.Prefix.Bucket, dir, start)
		for _, e := range entries {
			if e.ref.Key <= req.PageToken {
				continue
			}
			if more, _ := collect(e); !more {
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
		resp.NextPageToken = page[size-1].ref.Key
	}
	for _, e := range page {
		if e.file.Dir {
			resp.Folders = append(resp.Folders, e.ref)
		} else {
			resp.Objects = append(resp.Objects, infoOf(e.ref, e.file))
		}
	}
	return resp, nil
}

// entries returns what the folder dir of bucket holds whose names start with start, in key
// order, leaving out the files being written and names no key could have.
func (s *Store[B]) entries(ctx context.Context, b B, bucket, dir, start string) ([]entry, error) {
	files, err := b.List(ctx, bucket+"/"+dir)
	if err = kind(err); errors.Is(err, sdk.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	entries := make([]entry, 0, len(files))
	for _, f := range files {
		if !ValidName(f.Name) || !strings.HasPrefix(f.Name, start) || strings.HasPrefix(f.Name, TempPrefix) {
			continue
		}
		e := entry{ref: sdk.ObjectRef{Bucket: bucket, Key: dir + f.Name}, file: f}
		if f.Dir {
			e.ref.Key += "/"
		}
		entries = append(entries, e)
	}
	// By key, not by name: "a.txt" comes before the folder "a/".
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.ref.Key, b.ref.Key) })
	return entries, nil
}

// walk calls fn with every file under the folder dir whose name there starts with start and
// whose key sorts after after, in key order, until fn returns false or an error. Folders whose
// keys all sort before after are not read.
func (s *Store[B]) walk(ctx context.Context, b B, bucket, dir, start, after string, fn func(entry) (bool, error)) (bool, error) {
	entries, err := s.entries(ctx, b, bucket, dir, start)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		more := true
		switch key := e.ref.Key; {
		case e.file.Dir && (key > after || strings.HasPrefix(after, key)):
			more, err = s.walk(ctx, b, bucket, key, "", after, fn)
		case !e.file.Dir && key > after:
			more, err = fn(e)
		}
		if err != nil || !more {
			return false, err
		}
	}
	return true, nil
}
