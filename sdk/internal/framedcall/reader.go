package framedcall

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// frameReader reads frames from conn for callers whose contexts may end while they wait. A
// context that ends interrupts the wait through a read deadline; the stream stays whole: a
// frame that has begun to arrive is read to its end.
type frameReader struct {
	conn net.Conn
	r    *bufio.Reader

	// gen counts the waits, so that a context ending late cannot set a deadline on a later
	// wait.
	mu  sync.Mutex
	gen uint64
}

func newFrameReader(conn net.Conn, size int) *frameReader {
	return &frameReader{conn: conn, r: bufio.NewReaderSize(conn, size)}
}

// interruptOn makes ctx's end interrupt the waits of read until the returned stop is called.
func (fr *frameReader) interruptOn(ctx context.Context) (stop func()) {
	fr.mu.Lock()
	gen := fr.gen
	fr.mu.Unlock()
	stopAfter := context.AfterFunc(ctx, func() {
		fr.mu.Lock()
		defer fr.mu.Unlock()
		if fr.gen == gen {
			fr.conn.SetReadDeadline(time.Now())
		}
	})
	return func() {
		if !stopAfter() { // the deadline may be set, or about to be: clear it for good
			fr.mu.Lock()
			fr.gen++
			fr.conn.SetReadDeadline(time.Time{})
			fr.mu.Unlock()
		}
	}
}

// read reads the next frame. A wait that interruptOn's context interrupts fails with an
// error that is os.ErrDeadlineExceeded, having consumed nothing.
func (fr *frameReader) read() (frame, error) {
	// Peek consumes nothing, so an interrupted wait leaves the stream whole.
	if _, err := fr.r.Peek(4); err != nil {
		return frame{}, err
	}
	return readFrame(deadlineClearing{fr})
}

// deadlineClearing reads fr.r, clearing a deadline that a context set rather than leaving a
// frame half read.
type deadlineClearing struct{ fr *frameReader }

func (d deadlineClearing) Read(p []byte) (int, error) {
	for {
		n, err := d.fr.r.Read(p)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		d.fr.conn.SetReadDeadline(time.Time{})
	}
}
