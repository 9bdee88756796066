package framedcall

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

// TestACancelThatOvertakesItsLaneCall sends, by hand, a lane call's cancel before the call
// itself, as can happen since they travel on different connections: the call starts
// cancelled instead of running until it ends on its own.
func TestACancelThatOvertakesItsLaneCall(t *testing.T) {
	hostShared, pluginShared := net.Pipe()
	hostLane, pluginLane := net.Pipe()
	server := NewServer()
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "test.Waiter",
		Methods: []grpc.MethodDesc{{MethodName: "Wait", Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Minute):
				return &emptypb.Empty{}, nil
			}
		}}, {MethodName: "Now", Handler: func(_ any, ctx context.Context, _ func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			return &emptypb.Empty{}, ctx.Err()
		}}},
	}, nil)
	go server.Serve(pluginShared, pluginLane)
	t.Cleanup(func() { hostShared.Close(); hostLane.Close() })
	shared, lane := bufio.NewReader(hostShared), bufio.NewReader(hostLane)

	// The cancel of call 7 on lane 1, then a call on the shared connection whose reply shows
	// that the server has read the cancel.
	hostShared.Write(binary.LittleEndian.AppendUint16(appendHeader(nil, 7, typeCancel, 2), 1))
	call, err := encodeCall(1, "/test.Nobody/Nothing", 0, 2+len("/test.Nobody/Nothing")+8, &emptypb.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	hostShared.Write(call)
	if f, err := readFrame(shared); err != nil || f.id != 1 || f.typ != typeFailed {
		t.Fatalf("the shared call's reply: %+v, %v", f, err)
	}
	// Call 7 arrives on the lane: it ends at once, cancelled.
	call, _ = encodeCall(7, "/test.Waiter/Wait", 0, 2+len("/test.Waiter/Wait")+8, &emptypb.Empty{})
	hostLane.Write(call)
	hostLane.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := readFrame(lane)
	if err != nil || f.id != 7 || f.typ != typeFailed {
		t.Fatalf("call 7's reply: %+v, %v; want its failure", f, err)
	}
	st := &spb.Status{}
	if err := proto.Unmarshal(f.payload, st); err != nil || codes.Code(st.Code) != codes.Canceled {
		t.Fatalf("call 7 failed with %v (%v), want canceled", st, err)
	}
	// A late cancel, for a call that has ended, is no cancel of the next one.
	hostShared.Write(binary.LittleEndian.AppendUint16(appendHeader(nil, 7, typeCancel, 2), 1))
	call, _ = encodeCall(8, "/test.Nobody/Nothing", 0, 2+len("/test.Nobody/Nothing")+8, &emptypb.Empty{})
	hostShared.Write(call)
	if f, err := readFrame(shared); err != nil || f.id != 8 {
		t.Fatalf("the shared call's reply: %+v, %v", f, err)
	}
	call, _ = encodeCall(9, "/test.Waiter/Now", 0, 2+len("/test.Waiter/Now")+8, &emptypb.Empty{})
	hostLane.Write(call)
	if f, err := readFrame(lane); err != nil || f.id != 9 || f.typ != typeReply {
		t.Fatalf("call 9's reply: %+v, %v; want a reply", f, err)
	}
}
