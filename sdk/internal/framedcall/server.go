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

// Serve serves the calls that arrive on conn, each in its own goroutine, until conn fails;
// then it cancels the calls in flight and closes conn.
func (s *Server) Serve(conn net.Conn) error {
	defer conn.Close()
	sc := &serverConn{Server: s, conn: conn, calls: map[uint64]context.CancelFunc{}}
	defer sc.cancelAll()
	r := bufio.NewReaderSize(conn, 64<<10)
	for {
		f, err := readFrame(r)
		if err != nil {
			return err
		}
		switch f.typ {
		case typeCall:
			sc.start(f)
		case typeCancel:
			sc.cancel(f.id)
		}
	}
}

// serverConn is the state of one connection Serve serves.
type serverConn struct {
	*Server
	conn    net.Conn
	writing sync.Mutex

	mu    sync.Mutex
	calls map[uint64]context.CancelFunc // the calls in flight
}

// start decodes a call frame and runs its handler.
func (sc *serverConn) start(f frame) {
	p := f.payload
	if len(p) < 2 || len(p) < 2+int(binary.LittleEndian.Uint16(p))+8 {
		sc.reply(f.id, nil, status.Error(codes.Internal, "framedcall: a truncated call"))
		return
	}
	name := string(p[2 : 2+binary.LittleEndian.Uint16(p)])
	p = p[2+len(name):]
	deadline := int64(binary.LittleEndian.Uint64(p))
	req := p[8:]
	m, ok := sc.methods[name]
	if !ok {
		sc.reply(f.id, nil, status.Errorf(codes.Unimplemented, "unknown method %s", name))
		return
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if deadline != 0 {
		ctx, cancel = context.WithDeadline(context.Background(), time.Unix(0, deadline))
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	sc.mu.Lock()
	sc.calls[f.id] = cancel
	sc.mu.Unlock()
	go func() {
		dec := func(v any) error {
			msg, ok := v.(proto.Message)
			if !ok {
				return status.Errorf(codes.Internal, "framedcall: %T is not a protobuf message", v)
			}
			return proto.Unmarshal(req, msg)
		}
		resp, err := m.handler(m.impl, ctx, dec, nil)
		sc.mu.Lock()
		delete(sc.calls, f.id)
		sc.mu.Unlock()
		cancel()
		sc.reply(f.id, resp, err)
	}()
}

// reply writes the reply to call id: resp, or err as a status.
func (sc *serverConn) reply(id uint64, resp any, err error) {
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
	buf := appendHeader(make([]byte, 0, headerSize+size), id, typ, size)
	buf, err = (proto.MarshalOptions{}).MarshalAppend(buf, msg)
	if err != nil {
		st := status.Newf(codes.Internal, "framedcall: encoding the response: %v", err).Proto()
		buf = appendHeader(buf[:0], id, typeFailed, proto.Size(st))
		buf, _ = proto.MarshalOptions{}.MarshalAppend(buf, st)
	}
	sc.writing.Lock()
	defer sc.writing.Unlock()
	sc.conn.Write(buf) // a failed write breaks the connection, which Serve then sees
}

func (sc *serverConn) cancel(id uint64) {
	sc.mu.Lock()
	cancel := sc.calls[id]
	delete(sc.calls, id)
	sc.mu.Unlock()
	if cancel != nil {
		cancel()
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
