package framedcall_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/internal/framedcall"
	"github.com/basalt-dev/basalt/sdk/internal/wire"
	"github.com/basalt-dev/basalt/sdk/plugintest/memory"
)

// waitService is a hand-written service whose one method blocks until the caller's context
// ends, and reports the context it saw.
type waitService struct{ seen chan context.Context }

func (w *waitService) desc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: "test.Waiter",
		Methods: []grpc.MethodDesc{{MethodName: "Wait", Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			if err := dec(&emptypb.Empty{}); err != nil {
				return nil, err
			}
			<-ctx.Done()
			w.seen <- ctx
			return nil, ctx.Err()
		}}},
	}
}

// connect serves the memory storage plugin and waitService over a fresh unix socket pair and
// as many lanes, and returns the storage client, the raw framed client and the server's end of
// the shared connection.
func connect(t *testing.T, lanes int) (sdk.Storage, *framedcall.Client, *waitService, net.Conn) {
	t.Helper()
	hostEnd, pluginEnd := socketPair(t)
	var hostLanes, pluginLanes []net.Conn
	for range lanes {
		h, p := socketPair(t)
		hostLanes, pluginLanes = append(hostLanes, h), append(pluginLanes, p)
	}
	server := framedcall.NewServer()
	wire.Register(server, sdk.KindStorage, memory.NewStorage())
	waiter := &waitService{seen: make(chan context.Context, 1)}
	server.RegisterService(waiter.desc(), waiter)
	go server.Serve(pluginEnd, pluginLanes...)
	client := framedcall.NewClient(hostEnd, hostLanes...)
	t.Cleanup(func() { client.Close() })
	return wire.NewClient(sdk.KindStorage, client).(sdk.Storage), client, waiter, pluginEnd
}

// withLanes runs test without lanes (every call on the shared connection), with one lane (a
// waiting call takes it and the others share) and with two.
func withLanes(t *testing.T, test func(t *testing.T, lanes int)) {
	for _, lanes := range []int{0, 1, 2} {
		t.Run(fmt.Sprintf("lanes=%d", lanes), func(t *testing.T) { test(t, lanes) })
	}
}

func socketPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("unix", t.TempDir()+"/s")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	a, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-accepted
	if b == nil {
		t.Fatal("accept failed")
	}
	return a, b
}

var alice = sdk.Caller{Subject: "sub-alice", Username: "alice"}

func TestCallsReturnResultsAndErrorKinds(t *testing.T) {
	withLanes(t, func(t *testing.T, lanes int) {
		store, _, _, _ := connect(t, lanes)
		ctx := t.Context()
		info, err := store.Info(ctx, sdk.InfoRequest{})
		if err != nil || info.Kind != sdk.KindStorage || info.Name == "" {
			t.Fatalf("Info: %+v, %v", info, err)
		}
		_, err = store.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "missing"}})
		if !errors.Is(err, sdk.ErrNotFound) {
			t.Fatalf("Stat of a missing object: %v, want not found", err)
		}
		// An error's fields travel as the status's details, as over gRPC.
		_, err = store.Configure(ctx, sdk.ConfigureRequest{Config: []byte(`{"maxPageSize": 20000}`)})
		fields := sdk.FieldsOf(err)
		if !errors.Is(err, sdk.ErrInvalidArgument) || len(fields) != 1 || fields[0].Field != "maxPageSize" {
			t.Fatalf("Configure with a bad page size: %v (fields %v), want invalid maxPageSize", err, fields)
		}
	})
}

func TestConcurrentCallsGetTheirOwnReplies(t *testing.T) {
	withLanes(t, func(t *testing.T, lanes int) {
		store, client, waiter, _ := connect(t, lanes)
		ctx := t.Context()
		// One caller waits a long time, possibly holding the right to read: the others' replies
		// must still reach them.
		slow, cancelSlow := context.WithCancel(ctx)
		slowDone := make(chan error, 1)
		go func() { slowDone <- client.Invoke(slow, "/test.Waiter/Wait", &emptypb.Empty{}, &emptypb.Empty{}) }()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Go(func() {
				ref := sdk.ObjectRef{Bucket: "user-alice", Key: fmt.Sprintf("k%d", i)}
				_, err := store.Stat(ctx, sdk.StatObjectRequest{Caller: alice, Object: ref})
				if !errors.Is(err, sdk.ErrNotFound) {
					errs <- fmt.Errorf("Stat %s: %v", ref.Key, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		cancelSlow()
		if err := <-slowDone; status.Code(err) != codes.Canceled {
			t.Fatalf("the cancelled call: %v, want canceled", err)
		}
		<-waiter.seen
	})
}

func TestCancellationAndDeadlineReachTheHandler(t *testing.T) {
	withLanes(t, func(t *testing.T, lanes int) {
		_, client, waiter, _ := connect(t, lanes)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := client.Invoke(ctx, "/test.Waiter/Wait", &emptypb.Empty{}, &emptypb.Empty{})
		if status.Code(err) != codes.Canceled {
			t.Fatalf("a cancelled call: %v, want canceled", err)
		}
		select {
		case seen := <-waiter.seen:
			if !errors.Is(seen.Err(), context.Canceled) {
				t.Fatalf("the handler's context ended with %v, want canceled", seen.Err())
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the handler's context was not cancelled")
		}

		ctx, cancel = context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		want, _ := ctx.Deadline()
		err = client.Invoke(ctx, "/test.Waiter/Wait", &emptypb.Empty{}, &emptypb.Empty{})
		if status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("a call past its deadline: %v, want deadline exceeded", err)
		}
		seen := <-waiter.seen
		if got, ok := seen.Deadline(); !ok || !got.Equal(want) {
			t.Fatalf("the handler's deadline: %v (%t), want %v", got, ok, want)
		}
		// The connection is whole after the interrupted reads.
		if err := client.Invoke(t.Context(), "/basalt.plugin.v1.Plugin/Info", &emptypb.Empty{}, &emptypb.Empty{}); err != nil {
			t.Fatalf("a call after the cancelled ones: %v", err)
		}
	})
}

func TestABrokenConnectionFailsCallsAsUnavailable(t *testing.T) {
	withLanes(t, func(t *testing.T, lanes int) {
		store, client, _, pluginEnd := connect(t, lanes)
		done := make(chan error, 1)
		go func() { done <- client.Invoke(t.Context(), "/test.Waiter/Wait", &emptypb.Empty{}, &emptypb.Empty{}) }()
		time.Sleep(50 * time.Millisecond)
		pluginEnd.Close() // as when the plugin's process dies
		select {
		case err := <-done:
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("the call in flight: %v, want unavailable", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the call in flight never returned")
		}
		_, err := store.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "k"}})
		if !errors.Is(err, sdk.ErrUnavailable) {
			t.Fatalf("a call after the break: %v, want unavailable", err)
		}
	})
}

func TestUnknownMethodIsUnimplemented(t *testing.T) {
	withLanes(t, func(t *testing.T, lanes int) {
		_, client, _, _ := connect(t, lanes)
		err := client.Invoke(t.Context(), "/test.Nobody/Nothing", &emptypb.Empty{}, &emptypb.Empty{})
		if status.Code(err) != codes.Unimplemented {
			t.Fatalf("an unknown method: %v, want unimplemented", err)
		}
	})
}

// TestACancelledLaneCallFreesItsLane cancels a call that holds the only lane: the handler's
// context ends (the cancellation comes on the shared connection), and the lane is free again
// for the next calls once its late reply is read.
func TestACancelledLaneCallFreesItsLane(t *testing.T) {
	store, client, waiter, _ := connect(t, 1)
	if got := framedcall.FreeLanes(client); got != 1 {
		t.Fatalf("free lanes before: %d, want 1", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- client.Invoke(ctx, "/test.Waiter/Wait", &emptypb.Empty{}, &emptypb.Empty{}) }()
	for deadline := time.Now().Add(5 * time.Second); framedcall.FreeLanes(client) != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the waiting call never took the lane")
		}
	}
	// Meanwhile the other calls go on the shared connection.
	if _, err := store.Stat(t.Context(), sdk.StatObjectRequest{Caller: alice, Object: sdk.ObjectRef{Bucket: "user-alice", Key: "k"}}); !errors.Is(err, sdk.ErrNotFound) {
		t.Fatalf("Stat while the lane is busy: %v, want not found", err)
	}
	cancel()
	if err := <-done; status.Code(err) != codes.Canceled {
		t.Fatalf("the cancelled call: %v, want canceled", err)
	}
	select {
	case seen := <-waiter.seen:
		if !errors.Is(seen.Err(), context.Canceled) {
			t.Fatalf("the handler's context ended with %v, want canceled", seen.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler on the lane was not cancelled")
	}
	for deadline := time.Now().Add(5 * time.Second); framedcall.FreeLanes(client) != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the lane never came back")
		}
	}
	// The lane's stream is whole: its next call gets its own reply.
	for range 3 {
		if _, err := store.Info(t.Context(), sdk.InfoRequest{}); err != nil {
			t.Fatalf("Info on the freed lane: %v", err)
		}
	}
}
