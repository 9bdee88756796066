package scale

import (
	"slices"
	"testing"
	"time"
)

func TestProfileWindow(t *testing.T) {
	for _, c := range []struct {
		load    time.Duration
		after   time.Duration
		seconds int
	}{
		{3 * time.Minute, time.Minute, 60}, // a minute in the middle
		{5 * time.Second, 0, 5},            // all of a short load
		{1500 * time.Millisecond, 250 * time.Millisecond, 1},
		{0, 0, 1},
	} {
		after, seconds := profileWindow(c.load)
		if after != c.after || seconds != c.seconds {
			t.Errorf("profileWindow(%s) = %s, %d s; want %s, %d s", c.load, after, seconds, c.after, c.seconds)
		}
	}
}

func TestRequestsBetween(t *testing.T) {
	before := map[string]int64{"list secrets": 10, "get pods/name": 5, "watch events": 1}
	after := map[string]int64{"list secrets": 12, "get pods/name": 9, "watch events": 1, "create secrets": 2, "list pods": 1}
	got := requestsBetween(before, after, 3)
	want := []string{"4× get pods/name", "2× create secrets", "2× list secrets"}
	if !slices.Equal(got, want) {
		t.Errorf("requestsBetween = %q, want %q", got, want)
	}
}

// dumpBefore and dumpAfter are goroutine dumps grouped by stack (debug=1), as the core's
// /debug/pprof serves them.
const dumpBefore = `goroutine profile: total 26
24 @ 0x493a2a 0x41ec4e 0xaa3dcd 0x49b0a1
#	0xaa3dcc	google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run+0x10c	google.golang.org/grpc@v1.85.0/internal/grpcsync/callback_serializer.go:114

2 @ 0x493a2a 0x46b5f7 0x979f46 0x49b0a1
#	0x979f45	net/http.(*persistConn).writeLoop+0xe5	net/http/transport.go:2833

`

const dumpAfter = `goroutine profile: total 66
24 @ 0x493a2a 0x41ec4e 0xaa3dcd 0x49b0a1
#	0xaa3dcc	google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run+0x10c	google.golang.org/grpc@v1.85.0/internal/grpcsync/callback_serializer.go:114

40 @ 0x493a2a 0x46b5f7 0x979f46 0x49b0a1
#	0x979f45	net/http.(*persistConn).writeLoop+0xe5	net/http/transport.go:2833

2 @ 0x493a2a 0x451f57 0x492c25 0x4d7d67 0x97865e 0x49b0a1
#	0x492c24	internal/poll.runtime_pollWait+0x84		runtime/netpoll.go:351
#	0x4d7d66	internal/poll.(*pollDesc).wait+0x26		internal/poll/fd_poll_runtime.go:84
#	0x97865d	net/http.(*persistConn).readLoop+0x17d		net/http/transport.go:2493
`

func TestGoroutinesGrown(t *testing.T) {
	got := goroutinesGrown([]byte(dumpBefore), []byte(dumpAfter), 5)
	want := []string{"+38 net/http.(*persistConn).writeLoop", "+2 net/http.(*persistConn).readLoop"}
	if !slices.Equal(got, want) {
		t.Errorf("goroutinesGrown = %q, want %q", got, want)
	}
	if got := goroutinesGrown([]byte(dumpAfter), []byte(dumpBefore), 5); len(got) != 0 {
		t.Errorf("fewer goroutines after: %q, want none grown", got)
	}
}
