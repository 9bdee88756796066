package framedcall

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Server serves the unary methods of the services registered on it (it is a
// grpc.ServiceRegistrar, so generated Register functions take it).
type Server struct {
	methods map[string]method // by gRPC's full name, /package.Service/Method
}

type method struct {
	impl    any
	handler func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error)
}

func NewServer() *Server { return &Server{methods: map[string]method{}} }

// RegisterService registers the unary methods of desc, served by impl.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	for _, m := range desc.Methods {
		s.methods["/"+desc.ServiceName+"/"+m.MethodName] = method{impl: impl, handler: m.Handler}
	}
}

// Serve serves one client: the calls that arrive on conn, each in its own goroutine, and
// those on its lanes, one at a time each, on the lane's own reading goroutine (see lane.go).
// Cancellations of every call come on conn. It returns when conn or a lane fails, once it
// has cancelled the calls in flight and closed them all.
func (s *Server) Serve(conn net.Conn, lanes ...net.Conn) error {
	sc := &serverConn{Server: s, conn: conn, calls: map[uint64]context.CancelFunc{}, lanes: make([]laneState, len(lanes))}
	defer sc.cancelAll()
	closeAll := func() {
		conn.Close()
		for _, l := range lanes {
			l.Close()
		}
	}
	defer closeAll()
	for i, l := range lanes {
		go func() {
			sc.serveLane(i, l)
			closeAll() // the shared loop below then ends too
		}()
	}
	r := bufio.NewReaderSize(conn, 64<<10)
	for {
		f, err := readFrame(r)
		if err != nil {
			return err
		}
		switch f.typ {
		case typeCall:
			if c, ok := sc.prepare(f, conn, &sc.writing); ok {
				go c.run()
			}
		case typeCancel:
			sc.cancel(f)
		}
	}
}

// serveLane runs the calls that arrive on lane on the goroutine that read them. Starting a
// goroutine per call makes the runtime wake an idle processor for it, which costs more than
// a small call's own work; a lane carries one call at a time, so running it in place keeps
// nobody waiting.
func (sc *serverConn) serveLane(i int, lane net.Conn) {
	r := bufio.NewReaderSize(lane, 16<<10)
	for {
		f, err := readFrame(r)
		if err != nil {
			return
		}
		if f.typ != typeCall { // a lane's cancellations come on the shared connection
			continue
		}
		if c, ok := sc.prepare(f, lane, nil); ok {
			sc.startedOnLane(i, c)
			c.run()
		}
	}
}

// serverConn is the state of one client Serve serves.
type serverConn struct {
	*Server
	conn    net.Conn
	writing sync.Mutex // one frame at a time on conn

	mu    sync.Mutex
	calls map[uint64]context.CancelFunc // the calls in flight, on conn and on the lanes
	lanes []laneState
}

// laneState is what a lane's cancellations need. A lane's cancel frame comes on the shared
// connection, so it may overtake its call; the client numbers calls in order and sends a
// lane's next call only after the reply to the last, so a cancel for a call the lane has not
// started yet is for its next one, and one slot keeps it.
type laneState struct {
	started uint64 // the last call started on the lane
	pending uint64 // a call cancelled before it started
}

// serverCall is one decoded call, ready to run.
type serverCall struct {
	sc     *serverConn
	id     uint64
	m      method
	req    []byte
	ctx    context.Context
	cancel context.CancelFunc
	out    net.Conn    // where the reply goes
	lock   *sync.Mutex // held while writing to out, nil when only the caller writes there
}

// prepare decodes a call frame that arrived on in and registers the call for cancellation;
// a call it cannot run is answered at once, and ok is false.
func (sc *serverConn) prepare(f frame, in net.Conn, lock *sync.Mutex) (c serverCall, ok bool) {
	c = serverCall{sc: sc, id: f.id, out: in, lock: lock}
	p := f.payload
	if len(p) < 2 || len(p) < 2+int(binary.LittleEndian.Uint16(p))+8 {
		c.reply(nil, status.Error(codes.Internal, "framedcall: a truncated call"))
		return c, false
	}
	name := string(p[2 : 2+binary.LittleEndian.Uint16(p)])
	p = p[2+len(name):]
	deadline := int64(binary.LittleEndian.Uint64(p))
	c.req = p[8:]
	if c.m, ok = sc.methods[name]; !ok {
		c.reply(nil, status.Errorf(codes.Unimplemented, "unknown method %s", name))
		return c, false
	}
	if deadline != 0 {
		c.ctx, c.cancel = context.WithDeadline(context.Background(), time.Unix(0, deadline))
	} else {
		c.ctx, c.cancel = context.WithCancel(context.Background())
	}
	sc.mu.Lock()
	sc.calls[f.id] = c.cancel
	sc.mu.Unlock()
	return c, true
}

// run runs the call's handler and writes its reply.
func (c serverCall) run() {
	dec := func(v any) error {
		msg, ok := v.(proto.Message)
		if !ok {
			return status.Errorf(codes.Internal, "framedcall: %T is not a protobuf message", v)
		}
		return proto.Unmarshal(c.req, msg)
	}
	resp, err := c.m.handler(c.m.impl, c.ctx, dec, nil)
	c.sc.mu.Lock()
	delete(c.sc.calls, c.id)
	c.sc.mu.Unlock()
	c.cancel()
	c.reply(resp, err)
}

// reply writes the reply to the call: resp, or err as a status.
func (c serverCall) reply(resp any, err error) {
	typ, msg := typeReply, proto.Message(nil)
	if err != nil {
		st, ok := status.FromError(err)
		if !ok { // a context's error keeps its meaning, as gRPC's client would give it
			st = status.FromContextError(err)
		}
		typ, msg = typeFailed, st.Proto()
	} else if m, ok := resp.(proto.Message); ok {
		msg = m
	} else {
		typ, msg = typeFailed, status.Newf(codes.Internal, "framedcall: %T is not a protobuf message", resp).Proto()
	}
	size := proto.Size(msg)
	if size > maxFrame-headerSize {
		typ, msg = typeFailed, status.Newf(codes.ResourceExhausted, "framedcall: a response of %d bytes", size).Proto()
		size = proto.Size(msg)
	}
	buf := appendHeader(make([]byte, 0, headerSize+size), c.id, typ, size)
	buf, err = (proto.MarshalOptions{}).MarshalAppend(buf, msg)
	if err != nil {
		st := status.Newf(codes.Internal, "framedcall: encoding the response: %v", err).Proto()
		buf = appendHeader(buf[:0], c.id, typeFailed, proto.Size(st))
		buf, _ = proto.MarshalOptions{}.MarshalAppend(buf, st)
	}
	if c.lock != nil {
		c.lock.Lock()
		defer c.lock.Unlock()
	}
	c.out.Write(buf) // a failed write breaks the connection, which Serve then sees
}

// cancel cancels the call a cancel frame names. Its payload, when there is one, is the number
// of the call's lane (2 bytes, from 1).
func (sc *serverConn) cancel(f frame) {
	sc.mu.Lock()
	cancel := sc.calls[f.id]
	delete(sc.calls, f.id)
	if cancel == nil && len(f.payload) == 2 {
		if i := int(binary.LittleEndian.Uint16(f.payload)) - 1; i >= 0 && i < len(sc.lanes) && f.id > sc.lanes[i].started {
			sc.lanes[i].pending = f.id
		}
	}
	sc.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// startedOnLane notes that call c starts on lane i, and cancels it at once when its cancel
// came first.
func (sc *serverConn) startedOnLane(i int, c serverCall) {
	sc.mu.Lock()
	ls := &sc.lanes[i]
	ls.started = c.id
	cancelled := ls.pending == c.id
	ls.pending = 0
	sc.mu.Unlock()
	if cancelled {
		c.cancel()
	}
}

func (sc *serverConn) cancelAll() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for id, cancel := range sc.calls {
		cancel()
		delete(sc.calls, id)
	}
}
