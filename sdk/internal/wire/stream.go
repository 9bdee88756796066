package wire

import (
	"errors"
	"io"
	"sync"
)

// ChunkSize is the size of the data messages of streamed bodies: big enough that per-message
// costs vanish, small enough to stay well below gRPC's default 4 MiB message limit. Received
// chunks are pooled (Codec); BenchmarkPluginStream (sdk/plugintest/memory) is how a change
// of size is judged.
const ChunkSize = 1 << 20

var chunkPool = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// newChunk returns a buffer of n bytes for a received chunk: a pooled one for the full-sized
// chunks of large bodies, a fresh one for small bodies, which must not each pin a whole chunk
// while they are read.
func newChunk(n int) []byte {
	if n < ChunkSize/4 || n > ChunkSize {
		return make([]byte, n)
	}
	return (*chunkPool.Get().(*[]byte))[:n]
}

// releaseChunk gives a received chunk back to the pool once its reader is done with it.
func releaseChunk(b []byte) {
	if cap(b) == ChunkSize {
		b = b[:ChunkSize]
		chunkPool.Put(&b)
	}
}

// chunkBuffers is the chunk pool as gRPC's mem.BufferPool, for the chunks Codec hands to
// gRPC to write.
type chunkBuffers struct{}

func (chunkBuffers) Get(n int) *[]byte {
	b := newChunk(n)
	return &b
}

func (chunkBuffers) Put(b *[]byte) { releaseChunk(*b) }

// handedOver reports whether Codec gives chunk to gRPC rather than copying it: a pooled chunk
// filled enough for the copy to matter.
func handedOver(chunk []byte) bool {
	return len(chunk) >= ChunkSize/4 && cap(chunk) == ChunkSize
}

// sendBody reads r to its end and hands it to send in chunks. A chunk Codec hands over to
// gRPC goes back to the pool once written, so each full one is a fresh one from the pool.
func sendBody(r io.Reader, send func([]byte) error) error {
	var buf []byte
	defer func() { releaseChunk(buf) }()
	for {
		if buf == nil {
			buf = (*chunkPool.Get().(*[]byte))[:ChunkSize]
		}
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			serr := send(buf[:n])
			if handedOver(buf[:n]) {
				buf = nil // gRPC's now, sent or not
			}
			if serr != nil {
				return serr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// chunkReader is an io.Reader over a stream of data messages; next returns io.EOF at the end.
// The chunks it receives are its own: it hands each back to the pool once it has been read.
type chunkReader struct {
	next  func() ([]byte, error)
	chunk []byte // the chunk being read, whole
	buf   []byte // what is left of it to read
	err   error
}

// advance releases the chunk read to its end and receives the next one.
func (r *chunkReader) advance() {
	releaseChunk(r.chunk)
	r.chunk, r.err = r.next()
	r.buf = r.chunk
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.advance()
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// WriteTo lets io.Copy take whole chunks without an extra buffer.
func (r *chunkReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.buf) > 0 {
			n, err := w.Write(r.buf)
			total += int64(n)
			r.buf = r.buf[n:]
			if err != nil {
				return total, err
			}
			continue
		}
		if r.err != nil {
			if errors.Is(r.err, io.EOF) {
				return total, nil
			}
			return total, r.err
		}
		r.advance()
	}
}

// streamBody is a response body read from a server stream; Close cancels the stream.
type streamBody struct {
	*chunkReader
	cancel func()
}

func (b *streamBody) Close() error {
	b.cancel()
	return nil
}

// bodyOf turns the data messages of a server stream into a response body whose Close cancels
// the stream.
func bodyOf[M any](cancel func(), recv func() (M, error), data func(M) []byte) io.ReadCloser {
	return &streamBody{cancel: cancel, chunkReader: &chunkReader{next: func() ([]byte, error) {
		msg, err := recv()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, fromStatus(err)
		}
		return data(msg), nil
	}}}
}

// recvBody turns the data messages of a client stream into the body a server implementation
// reads.
func recvBody[M any](recv func() (M, error), data func(M) []byte) io.Reader {
	return &chunkReader{next: func() ([]byte, error) {
		msg, err := recv()
		if err != nil {
			return nil, err
		}
		return data(msg), nil
	}}
}
