package plugintest

import (
	"crypto/rand"
	"io"
)

// RepeatReader yields N bytes of a random megabyte, over and over: a large body that costs
// next to nothing to produce, for benchmarks that measure moving it.
type RepeatReader struct {
	N     int64 // bytes left to read
	block []byte
	off   int
}

// NewRepeatReader returns a reader of n bytes.
func NewRepeatReader(n int64) *RepeatReader {
	block := make([]byte, 1<<20)
	_, _ = rand.Read(block)
	return &RepeatReader{N: n, block: block}
}

// Again returns a reader of n more bytes of the same block.
func (r *RepeatReader) Again(n int64) *RepeatReader {
	return &RepeatReader{N: n, block: r.block}
}

func (r *RepeatReader) Read(p []byte) (int, error) {
	if r.N == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.N)]
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.block[r.off:])
		n += c
		r.off = (r.off + c) % len(r.block)
	}
	r.N -= int64(n)
	return n, nil
}
