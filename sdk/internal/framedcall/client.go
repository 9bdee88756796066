package framedcall

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Client makes unary calls on one connection; any number of goroutines may call at once.
//
// There is no goroutine reading replies: a caller waiting for its reply takes the right to read
// (reading) and reads the connection itself, handing other callers' replies over, until its
// own arrives. With one call at a time, the reply thus wakes the caller straight from the
// network poller instead of waking a reader that then wakes the caller; on a machine with
// idle processors each such hand-off costs the runtime more than the call's own work.
//
// A call goes on a free lane when there is one (see Lanes), and on the shared connection
// otherwise.
type Client struct {
	conn    net.Conn
	writing sync.Mutex // one frame at a time on the connection

	reading chan struct{} // holds the right to read from r, when nobody reads
	r       *frameReader

	lanes    chan *lane // the free ones
	allLanes []*lane

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]chan frame
	broken  error // set once a connection failed; every call fails with it from then on
}

// NewClient returns a client on conn and lanes, which it owns from then on. The server must
// serve them together, in one Server.Serve.
func NewClient(conn net.Conn, lanes ...net.Conn) *Client {
	c := &Client{conn: conn, waiting: map[uint64]chan frame{}, reading: make(chan struct{}, 1),
		r: newFrameReader(conn, 64<<10), lanes: make(chan *lane, len(lanes))}
	c.reading <- struct{}{}
	for i, l := range lanes {
		ln := &lane{frameReader: newFrameReader(l, 16<<10), number: uint16(i + 1)}
		c.allLanes = append(c.allLanes, ln)
		c.lanes <- ln
	}
	return c
}

// Lanes reports how many lanes c has (nil has none).
func (c *Client) Lanes() int {
	if c == nil {
		return 0
	}
	return len(c.allLanes)
}

// Close closes the connections; calls in flight fail as unavailable.
func (c *Client) Close() error {
	for _, l := range c.allLanes {
		l.conn.Close()
	}
	return c.conn.Close()
}

// Invoke makes the unary call method (as gRPC names it: /package.Service/Method) with the
// request args and decodes the response into reply. Its errors are gRPC statuses, as gRPC's
// own Invoke returns them; a broken connection fails as unavailable.
func (c *Client) Invoke(ctx context.Context, method string, args, reply any, _ ...grpc.CallOption) error {
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	req, ok := args.(proto.Message)
	if !ok {
		return status.Errorf(codes.Internal, "framedcall: %T is not a protobuf message", args)
	}
	if len(method) > 0xffff {
		return status.Errorf(codes.InvalidArgument, "framedcall: a method name of %d bytes", len(method))
	}
	var deadline int64
	if d, ok := ctx.Deadline(); ok {
		deadline = d.UnixNano()
	}
	size := 2 + len(method) + 8 + proto.Size(req)
	if size > maxFrame-headerSize {
		return status.Errorf(codes.ResourceExhausted, "framedcall: a request of %d bytes", size)
	}
	select {
	case l := <-c.lanes:
		return c.invokeOnLane(ctx, l, method, deadline, size, req, reply)
	default:
	}
	id, replies, err := c.register()
	if err != nil {
		return err
	}
	buf, err := encodeCall(id, method, deadline, size, req)
	if err != nil {
		c.forget(id)
		return err
	}
	if err := c.write(buf); err != nil {
		c.forget(id)
		return err
	}
	select {
	case f, ok := <-replies:
		if !ok {
			return c.brokenErr()
		}
		return decodeReply(f, reply)
	case <-c.reading:
		f, err := c.readUntil(ctx, id, replies)
		c.reading <- struct{}{}
		if err != nil {
			break
		}
		return decodeReply(f, reply)
	case <-ctx.Done():
	}
	if ctx.Err() == nil {
		return c.brokenErr()
	}
	if c.forget(id) {
		c.write(appendHeader(nil, id, typeCancel, 0)) // the handler may stop early; its reply is dropped
	}
	return status.FromContextError(ctx.Err()).Err()
}

// encodeCall encodes the call frame of call id; size is its payload's.
func encodeCall(id uint64, method string, deadline int64, size int, req proto.Message) ([]byte, error) {
	buf := appendHeader(make([]byte, 0, headerSize+size), id, typeCall, size)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(method)))
	buf = append(buf, method...)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(deadline))
	buf, err := (proto.MarshalOptions{}).MarshalAppend(buf, req)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "framedcall: encoding the request: %v", err)
	}
	return buf, nil
}

// readUntil reads replies, handing over other callers', until call id's arrives (possibly
// on its channel, from an earlier reader), ctx ends or the connection fails.
func (c *Client) readUntil(ctx context.Context, id uint64, replies chan frame) (frame, error) {
	select { // the previous reader may have read ours
	case f, ok := <-replies:
		if !ok {
			return frame{}, errBroken
		}
		return f, nil
	default:
	}
	stop := c.r.interruptOn(ctx)
	defer stop()
	for {
		if err := ctx.Err(); err != nil { // a deadline set for it may have been cleared
			return frame{}, err
		}
		f, err := c.r.read()
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				return frame{}, ctx.Err()
			}
			c.fail(err)
			return frame{}, errBroken
		}
		if f.id == id {
			c.forget(id)
			return f, nil
		}
		c.mu.Lock()
		other, ok := c.waiting[f.id]
		delete(c.waiting, f.id)
		c.mu.Unlock()
		if ok { // else that caller gave up
			other <- f
		}
	}
}

// errBroken is readUntil's word for a failed connection, which c.broken explains.
var errBroken = errors.New("framedcall: broken")

// NewStream is not for this connection: streams stay on gRPC.
func (c *Client) NewStream(context.Context, *grpc.StreamDesc, string, ...grpc.CallOption) (grpc.ClientStream, error) {
	return nil, status.Error(codes.Unimplemented, "framedcall carries unary calls only")
}

func decodeReply(f frame, reply any) error {
	switch f.typ {
	case typeReply:
		m, ok := reply.(proto.Message)
		if !ok {
			return status.Errorf(codes.Internal, "framedcall: %T is not a protobuf message", reply)
		}
		if err := proto.Unmarshal(f.payload, m); err != nil {
			return status.Errorf(codes.Internal, "framedcall: decoding the response: %v", err)
		}
		return nil
	case typeFailed:
		st := &spb.Status{}
		if err := proto.Unmarshal(f.payload, st); err != nil {
			return status.Errorf(codes.Internal, "framedcall: decoding the error: %v", err)
		}
		return status.ErrorProto(st)
	}
	return status.Errorf(codes.Internal, "framedcall: a reply of type %d", f.typ)
}

// register allocates a call id and the channel its reply comes on.
func (c *Client) register() (uint64, chan frame, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return 0, nil, status.Error(codes.Unavailable, c.broken.Error())
	}
	c.next++
	replies := make(chan frame, 1)
	c.waiting[c.next] = replies
	return c.next, replies, nil
}

// forget drops call id; it reports whether the call was still waiting.
func (c *Client) forget(id uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.waiting[id]
	delete(c.waiting, id)
	return ok
}

func (c *Client) write(buf []byte) error {
	c.writing.Lock()
	_, err := c.conn.Write(buf)
	c.writing.Unlock()
	if err != nil {
		c.fail(err)
		return c.brokenErr()
	}
	return nil
}

// fail marks the connection broken and fails the calls waiting on it.
func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken != nil {
		return
	}
	if errors.Is(err, net.ErrClosed) {
		err = errors.New("the connection is closed")
	}
	c.broken = fmt.Errorf("framedcall: %w", err)
	for id, replies := range c.waiting {
		close(replies)
		delete(c.waiting, id)
	}
	c.conn.Close()
	for _, l := range c.allLanes {
		l.conn.Close()
	}
}

func (c *Client) brokenErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return status.Error(codes.Unavailable, c.broken.Error())
}
