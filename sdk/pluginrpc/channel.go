package pluginrpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/basalt-dev/basalt/sdk"
	"github.com/basalt-dev/basalt/sdk/internal/framedcall"
	"github.com/basalt-dev/basalt/sdk/internal/wire"
	"github.com/basalt-dev/basalt/sdk/tracing"
)

// The private channel is an unnamed unix socket pair between the host and one plugin process:
// the host keeps one end and hands the other to the child as an inherited file. The plugin
// serves the same gRPC services on it as on go-plugin's socket, and the host makes its calls
// there, without TLS. Mutual TLS on go-plugin's socket keeps other local processes from
// connecting to a socket that has a name in the file system; a socket pair has no name and no
// address, so only the two processes that hold its ends can use it, and TLS would protect
// nothing while costing most of a body's streaming time. go-plugin keeps its job: the
// handshake, version negotiation, logs and the process's lifecycle.

// ChannelEnv names the environment variable that tells a plugin which inherited file
// descriptor is its private channel.
const ChannelEnv = "BASALT_PLUGIN_CHANNEL_FD"

// CallsEnv names the environment variable that tells a plugin which inherited file
// descriptor is the second socket pair of its channel, for unary calls without HTTP/2
// (sdk/internal/framedcall). gRPC spends most of a small call's processor time handing it
// between goroutines; the framed calls skip those hand-offs (the README gives the figures).
// Streams stay on gRPC, and so does every call of a host that traces, whose spans and trace
// propagation come from gRPC's stats handlers.
const CallsEnv = "BASALT_PLUGIN_CALLS_FD"

// LanesEnv names the environment variable that lists, comma-separated, the inherited file
// descriptors of the framed calls' lanes: socket pairs that carry one call at a time, run by
// the plugin on the goroutine that read it (see sdk/internal/framedcall). A call takes a free
// lane, or the shared framed connection when all are busy.
const LanesEnv = "BASALT_PLUGIN_LANE_FDS"

// lanes is how many lanes the host opens to each plugin: calls beyond that many at once go
// on the shared connection, at a goroutine's cost more per end.
const lanes = 4

// channelGreeting is what a plugin writes on its channel before go-plugin's handshake, so
// that the host knows the plugin serves there: a plugin built with an older sdk leaves the
// inherited descriptor alone, and the host keeps go-plugin's connection. callsGreeting says
// that the plugin also serves framed calls, lanesGreeting that it serves them on lanes too; a
// plugin that greets with channelGreeting serves every call with gRPC.
const (
	channelGreeting = "basalt-channel/1\n"
	callsGreeting   = "basalt-channel/2\n"
	lanesGreeting   = "basalt-channel/3\n"
)

// greetingWait bounds how long the host waits for the greeting once go-plugin's handshake is
// in. The plugin writes it before its handshake line, so it is already there unless the
// plugin does not serve the channel; the wait is only a margin.
const greetingWait = 200 * time.Millisecond

// Channel is the host's end of one plugin process's private channel.
type Channel struct {
	host, calls net.Conn
	lanes       []net.Conn
	children    []*os.File // the plugin's ends, until the plugin has started

	mu     sync.Mutex
	conn   *grpc.ClientConn   // nil until Dispense finds the plugin serving
	framed *framedcall.Client // nil unless the plugin serves framed calls and the host does not trace
	closed bool
}

// NewChannel creates the private channel of the plugin that cmd will start: it adds the
// plugin's end to cmd.ExtraFiles and names it in cmd.Env, after what cmd.Env holds (pluginhost
// puts the host's environment and the tracing variables there first, and tells go-plugin to
// skip adding the host's own). Call Dispense once the plugin has started, and Close when its
// process is gone.
func NewChannel(cmd *exec.Cmd) (*Channel, error) {
	c := &Channel{}
	var fds []string
	for i := range 2 + lanes {
		host, child, err := socketPair()
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("the plugin's private channel: %w", err)
		}
		switch i {
		case 0:
			c.host = host
		case 1:
			c.calls = host
		default:
			c.lanes = append(c.lanes, host)
		}
		c.children = append(c.children, child)
		// Descriptors 0 to 2 are stdin, stdout and stderr; the extra files follow.
		fds = append(fds, strconv.Itoa(3+len(cmd.ExtraFiles)+i))
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, c.children...)
	cmd.Env = append(cmd.Env, ChannelEnv+"="+fds[0], CallsEnv+"="+fds[1], LanesEnv+"="+strings.Join(fds[2:], ","))
	return c, nil
}

// ClientConfig is go-plugin's client configuration for the plugin cmd starts, as a host uses
// it: gRPC only, automatic mutual TLS, DialOptions. Hosts add their own start timeout,
// checksum and environment.
func ClientConfig(cmd *exec.Cmd, logger hclog.Logger) *plugin.ClientConfig {
	return &plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: ClientPlugins(),
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		GRPCDialOptions:  DialOptions(),
		Logger:           logger,
	}
}

// Dispense returns the client of kind over the private channel when the plugin serves it,
// and otherwise (also on a nil Channel) the one over go-plugin's connection rpc.
func (c *Channel) Dispense(rpc plugin.ClientProtocol, kind sdk.Kind) (sdk.Plugin, error) {
	var conn grpc.ClientConnInterface
	var err error
	if c != nil {
		conn, err = c.connect()
	}
	if err != nil {
		return nil, err
	}
	if conn == nil {
		raw, err := rpc.Dispense(string(kind))
		if err != nil {
			return nil, err
		}
		return raw.(sdk.Plugin), nil
	}
	return wire.NewClient(kind, conn), nil
}

// splitConn makes unary calls as framed calls and opens streams on gRPC.
type splitConn struct {
	*framedcall.Client
	streams *grpc.ClientConn
}

func (s splitConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return s.streams.NewStream(ctx, desc, method, opts...)
}

// Active reports whether calls go over the private channel.
func (c *Channel) Active() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn != nil
}

// FramedCalls reports whether unary calls go as framed calls (see CallsEnv).
func (c *Channel) FramedCalls() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.framed != nil
}

// Lanes reports how many lanes the framed calls use (see LanesEnv): none for a plugin built
// with an sdk older than them.
func (c *Channel) Lanes() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.framed.Lanes()
}

// connect reads the plugin's greeting and opens the gRPC connection over the channel, and the
// framed calls' when the plugin serves them; it returns nil when the plugin did not greet.
func (c *Channel) connect() (grpc.ClientConnInterface, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("the plugin's private channel is closed")
	}
	if c.conn != nil {
		return c.calling(), nil
	}
	// The plugin has its own copies now: without closing ours, the host would never see the
	// channel end when the plugin dies.
	c.closeChildren()
	greeting := make([]byte, len(channelGreeting))
	c.host.SetReadDeadline(time.Now().Add(greetingWait))
	_, err := io.ReadFull(c.host, greeting)
	c.host.SetReadDeadline(time.Time{})
	framed := string(greeting) == callsGreeting || string(greeting) == lanesGreeting
	if err != nil || (!framed && string(greeting) != channelGreeting) {
		return nil, nil // an older plugin: go-plugin's connection serves
	}
	conn, err := grpc.NewClient("passthrough:///basalt-plugin-channel", channelDialOptions(c.host)...)
	if err != nil {
		return nil, fmt.Errorf("the plugin's private channel: %w", err)
	}
	conn.Connect()
	c.conn = conn
	if framed && tracing.Active() == nil {
		if string(greeting) == lanesGreeting {
			c.framed = framedcall.NewClient(c.calls, c.lanes...)
		} else {
			c.framed = framedcall.NewClient(c.calls)
		}
	}
	return c.calling(), nil
}

// calling is the connection the plugin's client calls on.
func (c *Channel) calling() grpc.ClientConnInterface {
	if c.framed == nil {
		return c.conn
	}
	return splitConn{Client: c.framed, streams: c.conn}
}

func (c *Channel) closeChildren() {
	for _, f := range c.children {
		f.Close()
	}
	c.children = nil
}

// Close closes the channel and its gRPC connection.
func (c *Channel) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.closeChildren()
	if c.conn != nil {
		c.conn.Close()
	}
	for _, conn := range append([]net.Conn{c.calls}, c.lanes...) {
		if conn != nil {
			conn.Close() // the framed calls' client, if any, fails its calls in flight
		}
	}
	if c.host == nil {
		return nil
	}
	return c.host.Close()
}

// channelDialOptions are DialOptions for the one connection of a private channel.
func channelDialOptions(conn net.Conn) []grpc.DialOption {
	var once sync.Once
	dial := func(context.Context, string) (net.Conn, error) {
		var got net.Conn
		once.Do(func() { got = conn })
		if got == nil {
			// A socket pair cannot be dialled again: once it broke, the plugin is gone and
			// calls fail as unavailable until the host starts a new process.
			return nil, errors.New("the plugin's private channel is closed")
		}
		return got, nil
	}
	return append(DialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), // see the top of this file
		grpc.WithContextDialer(dial),
		grpc.WithIdleTimeout(0)) // going idle would close the only connection there is
}

// serveChannel serves impl as kind on the private channel the host passed, if it passed one.
// Failing that, the plugin still serves on go-plugin's socket.
func serveChannel(kind sdk.Kind, impl sdk.Plugin) {
	calls, _ := inheritedConn(CallsEnv) // a host older than framed calls passes none
	laneConns, _ := inheritedConns(LanesEnv)
	conn, err := inheritedConn(ChannelEnv)
	if conn == nil || calls == nil {
		for _, c := range laneConns {
			c.Close()
		}
		laneConns = nil
	}
	if conn == nil {
		if calls != nil {
			calls.Close()
		}
		if err != nil {
			Logger().Warn("no private channel", "error", err.Error())
		}
		return
	}
	greeting := channelGreeting
	if calls != nil {
		greeting = callsGreeting
	}
	if len(laneConns) > 0 {
		greeting = lanesGreeting
	}
	if _, err := io.WriteString(conn, greeting); err != nil {
		Logger().Warn("no private channel", "error", err.Error())
		return
	}
	server := grpc.NewServer(serverOptions(nil)...)
	wire.Register(server, kind, impl)
	go server.Serve(&connListener{conn: conn, done: make(chan struct{})})
	if calls != nil {
		framed := framedcall.NewServer()
		wire.Register(framed, kind, impl)
		go framed.Serve(calls, laneConns...)
	}
}

// inheritedConns returns the connections on the inherited file descriptors the environment
// variable env lists, comma-separated; none if it lists none or one is not a connection.
func inheritedConns(env string) ([]net.Conn, error) {
	value := os.Getenv(env)
	if value == "" {
		return nil, nil
	}
	os.Unsetenv(env) // not for the plugin's own child processes
	var conns []net.Conn
	for _, fd := range strings.Split(value, ",") {
		conn, err := connOnFD(env, fd)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return nil, err
		}
		conns = append(conns, conn)
	}
	return conns, nil
}

// inheritedConn returns the connection on the inherited file descriptor the environment
// variable env names, nil if it names none.
func inheritedConn(env string) (net.Conn, error) {
	value := os.Getenv(env)
	if value == "" {
		return nil, nil
	}
	os.Unsetenv(env)
	return connOnFD(env, value)
}

// connOnFD returns the connection on the inherited file descriptor fd, which env named.
func connOnFD(env, fd string) (net.Conn, error) {
	n, err := strconv.Atoi(fd)
	if err != nil || n < 3 {
		return nil, fmt.Errorf("%s: %q is not a file descriptor", env, fd)
	}
	file := os.NewFile(uintptr(n), "basalt-plugin-channel")
	defer file.Close()
	return net.FileConn(file) // a close-on-exec copy
}

// connListener is a net.Listener that accepts one connection it already has.
type connListener struct {
	conn     net.Conn
	accepted bool
	done     chan struct{}
	once     sync.Once
}

func (l *connListener) Accept() (net.Conn, error) {
	if !l.accepted {
		l.accepted = true
		return l.conn, nil
	}
	<-l.done // the server's own goroutine: there is no second connection to wait for
	return nil, net.ErrClosed
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return l.conn.LocalAddr() }
