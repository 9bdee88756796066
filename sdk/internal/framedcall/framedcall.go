// Package framedcall carries the unary calls of the gRPC services a plugin registers over a
// plain stream socket, without HTTP/2: a request is one frame the caller writes itself, a reply
// is one frame the handler writes itself. gRPC spends most of a small call's processor time
// handing the call between goroutines (the caller, the connection's writer, the reader, the
// handler, on both ends) and waking the scheduler for each hand-off; here a call costs one
// hand-off per end on the shared connection, and none on a lane (see lane.go). Streams stay
// on gRPC.
//
// A frame is a length (4 bytes, little-endian, counting what follows), a call id (8 bytes), a
// type (1 byte) and the type's payload:
//
//	call:   method length (2 bytes), method, deadline (8 bytes, Unix nanoseconds, 0 for none), request
//	cancel: nothing; the caller gave up on the call
//	reply:  the response message
//	failed: the error, as a google.rpc.Status message
package framedcall

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

const (
	typeCall byte = iota + 1
	typeCancel
	typeReply
	typeFailed
)

// headerSize is the length, the call id and the type.
const headerSize = 4 + 8 + 1

// maxFrame bounds a frame's length, so that a broken peer cannot make the other end allocate
// without limit; it is above the largest gRPC message the sdk allows.
const maxFrame = 64<<20 + 64<<10

// frame is one decoded frame; its payload is its own, for the goroutine it is handed to.
type frame struct {
	id      uint64
	typ     byte
	payload []byte
}

// appendHeader starts a frame of typ whose payload is size bytes long.
func appendHeader(buf []byte, id uint64, typ byte, size int) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(8+1+size))
	buf = binary.LittleEndian.AppendUint64(buf, id)
	return append(buf, typ)
}

// readFrame reads the next frame from r, which should be buffered: a small frame then
// arrives in one read.
func readFrame(r io.Reader) (frame, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return frame{}, err
	}
	size := int(binary.LittleEndian.Uint32(head[:]))
	if size < 9 || size > maxFrame {
		return frame{}, fmt.Errorf("framedcall: a frame of %d bytes", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return frame{}, err
	}
	return frame{id: binary.LittleEndian.Uint64(body), typ: body[8], payload: body[9:]}, nil
}
