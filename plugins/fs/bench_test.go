package fs_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/plugintest"
)

// BenchmarkListPage lists a bucket of 20,000 objects page by page (1000 per page), through
// the plugin wire: recursively over 200 folders, and one flat folder.
func BenchmarkListPage(b *testing.B) {
	for _, layout := range []struct {
		name      string
		recursive bool
		key       func(i int) string
	}{
		{"recursive", true, func(i int) string { return fmt.Sprintf("d%03d/f%05d", i%200, i) }},
		{"flat", false, func(i int) string { return fmt.Sprintf("flat/f%05d", i) }},
	} {
		b.Run(layout.name, func(b *testing.B) {
			store, root := newStore(b, nil)
			for i := range 20_000 {
				file := filepath.Join(root, "user-alice", layout.key(i))
				if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
					b.Fatal(err)
				}
			}
			s := plugintest.ConnectStorage(b, store)
			prefix := sdk.ObjectRef{Bucket: "user-alice"}
			if !layout.recursive {
				prefix.Key = "flat/"
			}
			pages := 0
			start := time.Now()
			for b.Loop() {
				token := ""
				for {
					resp, err := s.List(b.Context(), sdk.ListObjectsRequest{Caller: alice, Prefix: prefix, Recursive: layout.recursive, PageSize: 1000, PageToken: token})
					if err != nil {
						b.Fatal(err)
					}
					pages++
					if token = resp.NextPageToken; token == "" {
						break
					}
				}
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(pages), "ms/page")
		})
	}
}

// BenchmarkWriteRead streams 64 MiB into the store and back through the plugin wire.
func BenchmarkWriteRead(b *testing.B) {
	store, _ := newStore(b, nil)
	s := plugintest.ConnectStorage(b, store)
	const size = 64 << 20
	ref := sdk.ObjectRef{Bucket: "user-alice", Key: "big"}
	b.SetBytes(2 * size)
	for b.Loop() {
		if _, err := s.Write(b.Context(), sdk.WriteObjectRequest{Caller: alice, Object: ref, Size: size, Body: &zeros{n: size}}); err != nil {
			b.Fatal(err)
		}
		resp, err := s.Read(b.Context(), sdk.ReadObjectRequest{Caller: alice, Object: ref})
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size {
			b.Fatalf("read back %d bytes (%v)", n, err)
		}
	}
}

// zeros reads as n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), z.n)]
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}
