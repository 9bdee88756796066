package framedcall

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// A lane is a connection beside the shared one that carries one call at a time: the caller
// writes its call and reads the reply itself, and the server runs the handler on the
// goroutine that read the call. No goroutine is started or woken on either end, which on a
// machine with idle processors halves a small call's time (the runtime wakes an idle
// processor for each goroutine it starts, and parks it again). A caller that finds no free
// lane uses the shared connection, where calls run side by side; so lanes bound nothing.
//
// A lane's call is cancelled by a cancel frame on the shared connection, which names the lane:
// the lane's server goroutine is busy with the call and does not read. The server keeps a
// cancel that overtakes its call until the call starts.
type lane struct {
	*frameReader
	number uint16 // from 1, in the order the client and the server were given the lanes
}

// invokeOnLane makes the call on l and gives l back once l carries no call.
func (c *Client) invokeOnLane(ctx context.Context, l *lane, method string, deadline int64, size int, req proto.Message, reply any) error {
	c.mu.Lock()
	broken := c.broken
	c.next++
	id := c.next
	c.mu.Unlock()
	if broken != nil {
		c.lanes <- l
		return c.brokenErr()
	}
	buf, err := encodeCall(id, method, deadline, size, req)
	if err != nil {
		c.lanes <- l
		return err
	}
	if _, err := l.conn.Write(buf); err != nil {
		c.fail(err)
		c.lanes <- l
		return c.brokenErr()
	}
	f, err := l.readReply(ctx)
	switch {
	case err == nil && f.id != id: // the lane is out of step: nothing on it can be trusted
		c.fail(fmt.Errorf("the reply to call %d on a lane waiting for %d", f.id, id))
		c.lanes <- l
		return c.brokenErr()
	case err == nil:
		c.lanes <- l
		return decodeReply(f, reply)
	case ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded):
		// The handler may stop early; its reply is dropped, then l is free.
		c.write(binary.LittleEndian.AppendUint16(appendHeader(nil, id, typeCancel, 2), l.number))
		go func() {
			if _, err := l.read(); err != nil {
				c.fail(err)
			}
			c.lanes <- l
		}()
		return status.FromContextError(ctx.Err()).Err()
	default:
		c.fail(err)
		c.lanes <- l
		return c.brokenErr()
	}
}

// readReply reads the next frame from l; when ctx ends first, it returns an error that is
// os.ErrDeadlineExceeded, having consumed nothing.
func (l *lane) readReply(ctx context.Context) (frame, error) {
	stop := l.interruptOn(ctx)
	defer stop()
	return l.read()
}
