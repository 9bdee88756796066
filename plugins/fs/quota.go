package fs

import (
	"fmt"
	iofs "io/fs"
	"os"
	"strings"
	"sync"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/filetree"
)

// quotas hold each bucket to at most limit bytes of objects. A bucket's usage is the size of
// its objects, counted from the disk when a write starts and none is in flight (so that
// deletions and anything else that changed the folder are seen), plus the bytes that writes
// in flight have taken so far: concurrent writes cannot together go over the quota.
type quotas struct {
	limit   int64 // 0: no quota
	mu      sync.Mutex
	buckets map[string]*usage // buckets with writes in flight
}

type usage struct {
	onDisk   int64 // objects' bytes when counted, plus what finished writes added since
	inFlight int64 // bytes taken by writes not finished
	writes   int
}

// reservation is one write's share of its bucket's quota.
type reservation struct {
	q      *quotas
	bucket string
	u      *usage
	credit int64 // the size of the object the write replaces, freed when it lands
	taken  int64
}

// begin starts a write of the object key in b. Without a quota it returns nil, which takes
// everything.
func (q *quotas) begin(b *bucket, key string) (*reservation, error) {
	if q.limit == 0 {
		return nil, nil
	}
	r := &reservation{q: q, bucket: b.name}
	if fi, err := b.lstat(key); err == nil && fi.Mode().IsRegular() {
		r.credit = fi.Size()
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.buckets[b.name]
	if u == nil {
		used, err := bucketSize(b)
		if err != nil {
			return nil, fmt.Errorf("fs: count the bytes of bucket %s: %w", b.name, err)
		}
		u = &usage{onDisk: used}
		q.buckets[b.name] = u
	}
	u.writes++
	r.u = u
	return r, nil
}

// take reserves n more bytes for the write, or refuses them when the bucket would go over
// its quota.
func (r *reservation) take(n int64) error {
	if r == nil || n <= 0 {
		return nil
	}
	r.q.mu.Lock()
	defer r.q.mu.Unlock()
	used := r.u.onDisk + r.u.inFlight - r.credit
	if used+n > r.q.limit {
		return sdk.InvalidFields("storage quota exceeded", sdk.FieldViolation{Field: "body",
			Rule: fmt.Sprintf("would bring bucket %s to %d bytes or more, over its quota of %d bytes; delete files to make room",
				r.bucket, used+r.taken+n, r.q.limit)})
	}
	r.u.inFlight += n
	r.taken += n
	return nil
}

// upTo reserves what the write needs to have written total bytes.
func (r *reservation) upTo(total int64) error {
	if r == nil || total <= r.taken {
		return nil
	}
	return r.take(total - r.taken)
}

// end finishes the write: when it landed, its bytes stay counted in place of replaced, the
// size of the object it replaced (-1: none).
func (r *reservation) end(landed bool, replaced int64) {
	if r == nil {
		return
	}
	r.q.mu.Lock()
	defer r.q.mu.Unlock()
	r.u.inFlight -= r.taken
	if landed {
		r.u.onDisk += r.taken - max(replaced, 0)
	}
	if r.u.writes--; r.u.writes == 0 {
		delete(r.q.buckets, r.bucket) // counted again from the disk at the next write
	}
}

// bucketSize adds up the sizes of a bucket's objects; files being written and links are
// not objects.
func bucketSize(b *bucket) (int64, error) {
	if b.dir == nil {
		return 0, nil
	}
	var n int64
	err := iofs.WalkDir(b.dir.FS(), ".", func(_ string, d iofs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // removed while we walked
			}
			return err
		}
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), filetree.TempPrefix) {
			return nil
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// quotaWriter reserves the bytes of each write before letting them through.
type quotaWriter struct {
	w       *os.File
	r       *reservation
	written int64
}

func (w *quotaWriter) Write(p []byte) (int, error) {
	if err := w.r.upTo(w.written + int64(len(p))); err != nil {
		return 0, err
	}
	n, err := w.w.Write(p)
	w.written += int64(n)
	return n, err
}
